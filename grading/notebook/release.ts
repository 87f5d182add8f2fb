/**
 * Release: the instructor notebook (with solutions and hidden tests) -> the student notebook,
 * the way nbgrader's generate_assignment does it:
 *   - every `// BEGIN SOLUTION ... // END SOLUTION` region of a solution cell becomes, at the
 *     marker's indentation, `// YOUR CODE HERE` + `throw new Error("No implementado");`
 *     (the original lab's `raise NotImplementedError()`); a markdown solution cell becomes
 *     "YOUR ANSWER HERE" (or only its BEGIN/END SOLUTION regions do, when it has some);
 *   - `// BEGIN HIDDEN TESTS ... // END HIDDEN TESTS` regions are removed from grade cells;
 *   - outputs and execution counts are cleared;
 *   - nbgrader's checksum is recorded in `metadata.nbgrader.checksum` of every nbgrader cell
 *     (locked, grade and solution cells), computed on the released cell as nbgrader does.
 * Markers anywhere else, nested or unclosed, are errors naming the cell.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cellSource, readNotebook, type Notebook, type NotebookCell } from "./nbformat";
import { cellName, computeChecksum, isGrade, isSolution, nbgraderMeta } from "./nbgrader";
import { findRegions, rewriteRegions, MarkerError } from "./regions";

export const CODE_STUB = ["// YOUR CODE HERE", 'throw new Error("No implementado");'];
export const TEXT_STUB = "YOUR ANSWER HERE";

/** The released text of one cell (see the file header); throws MarkerError naming the cell. */
export function releaseCellSource(cell: NotebookCell, index: number): string {
  const name = cellName(cell, index);
  const src = cellSource(cell);
  const type = cell.cell_type;
  const regions = findRegions(src, name, type);
  const solution = isSolution(cell);
  const grade = isGrade(cell);
  for (const r of regions) {
    if (r.kind === "SOLUTION" && !solution)
      throw new MarkerError(name, `line ${r.begin + 1}: BEGIN SOLUTION in a cell that is not a solution cell (it would be released as is)`);
    if (r.kind === "HIDDEN TESTS" && !(grade && !solution))
      throw new MarkerError(name, `line ${r.begin + 1}: BEGIN HIDDEN TESTS outside an autograder test cell`);
  }
  let out = src;
  if (solution) {
    const hasSolutionRegion = regions.some((r) => r.kind === "SOLUTION");
    if (type === "code") {
      if (!hasSolutionRegion)
        throw new MarkerError(
          name,
          "a solution cell without a // BEGIN SOLUTION ... // END SOLUTION region (the whole solution would be released)",
        );
      out = rewriteRegions(out, regions, "SOLUTION", (indent) => CODE_STUB.map((l) => `${indent}${l}\n`));
    } else {
      out = hasSolutionRegion ? rewriteRegions(out, regions, "SOLUTION", (indent) => [`${indent}${TEXT_STUB}\n`]) : TEXT_STUB;
    }
  }
  if (grade && !solution) out = rewriteRegions(out, regions, "HIDDEN TESTS", () => []);
  return out;
}

/** The student notebook for `source` (a new object; the source is not modified). */
export function releaseNotebook(source: Notebook): Notebook {
  const nb = JSON.parse(JSON.stringify(source)) as Notebook;
  const errors: string[] = [];
  nb.cells = nb.cells.map((cell, i) => {
    const c: NotebookCell = { ...cell, metadata: { ...cell.metadata } };
    try {
      c.source = releaseCellSource(cell, i);
    } catch (e) {
      if (e instanceof MarkerError) {
        errors.push(e.message);
        return c;
      }
      throw e;
    }
    if (c.cell_type === "code") {
      c.outputs = [];
      c.execution_count = null;
    }
    const meta = nbgraderMeta(c);
    if (meta !== null) {
      const m = { ...meta };
      delete m.checksum;
      c.metadata.nbgrader = m;
      m.checksum = computeChecksum(c);
    }
    return c;
  });
  if (errors.length > 0) throw new MarkerError("release", `${errors.length} cell(s) with marker errors:\n  ${errors.join("\n  ")}`);
  return nb;
}

/** Notebook JSON the way nbformat's own writer writes it (json.dumps indent=1, ensure_ascii=False). */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + "\n";
}

/** Writes a file atomically (temp + rename), so readers never see half a notebook. */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** `lab4 release`: reads the source notebook, writes the student notebook. Returns the text written. */
export function releaseFile(sourceFile: string, outFile: string): string {
  const nb = readNotebook(sourceFile);
  const text = serializeNotebook(releaseNotebook(nb));
  writeFileAtomic(outFile, text);
  return text;
}
