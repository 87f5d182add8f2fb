/**
 * Stage 1: the instructor notebook is something we can release and grade.
 *   - nbformat 4, kernelspec language `typescript`;
 *   - every nbgrader cell: schema_version 3, a grade_id matching [A-Za-z0-9_-]+ and unique, boolean
 *     flags, `points` (a finite number >= 0) on grade cells;
 *   - solution/hidden-test markers well formed (see regions.ts / release.ts);
 *   - every autograded test cell compiles into checks (checks.ts) whose marks add up to its points;
 *   - metadata.lab4.timeout, where present, a positive number of seconds.
 * All problems are collected and reported together, each naming its cell.
 */
import { cellSource, type Notebook, type NotebookCell } from "../notebook";
import { releaseCellSource } from "../notebook/release";
import { CheckCompileError, compileGradeCell, type CompiledGradeCell } from "./checks";
import { cellName, gradeId, isGrade, isLocked, isSolution, lab4Meta, nbgraderMeta } from "../notebook/nbgrader";
import { findRegions, MarkerError } from "../notebook/regions";

export const GRADE_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

export class SourceValidationError extends Error {
  override name = "SourceValidationError";
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem(s) in the instructor notebook:\n  ${problems.join("\n  ")}`);
  }
}

export interface GradeCellInfo {
  gradeId: string;
  /** Position in the source notebook. */
  index: number;
  points: number;
  part: string;
  compiled: CompiledGradeCell;
}

export interface ValidatedSource {
  file: string;
  nb: Notebook;
  /** Autograded test cells (grade, not solution, code) in notebook order. */
  gradeCells: GradeCellInfo[];
  /** Manually graded cells (grade + solution), with their points. */
  manualCells: { gradeId: string; index: number; points: number; part: string }[];
  /** Part names in order of appearance. */
  parts: string[];
  warnings: string[];
  /** A released notebook (solutions already replaced, no hidden tests), as `lab4 check` uses. */
  released: boolean;
}

const PART_HEADING = /^#{1,3}\s*(Parte\s+\d+)\b/m;

/** The gradebook part of each cell: metadata.lab4.part, else the last "## Parte N" heading above it. */
function partsOf(nb: Notebook): string[] {
  let current = "General";
  return nb.cells.map((c) => {
    if (c.cell_type === "markdown") {
      const m = PART_HEADING.exec(cellSource(c));
      if (m) current = m[1]!.replace(/\s+/g, " ");
    }
    const p = lab4Meta(c).part;
    return typeof p === "string" && p.trim() !== "" ? p.trim() : current;
  });
}

/** Line ranges of the hidden-test regions of a cell (for marking hidden checks). */
function hiddenRanges(cell: NotebookCell, name: string): Array<[number, number]> {
  return findRegions(cellSource(cell), name, cell.cell_type)
    .filter((r) => r.kind === "HIDDEN TESTS")
    .map((r) => [r.begin, r.end]);
}

export function validateSource(nb: Notebook, file: string, opts: { released?: boolean } = {}): ValidatedSource {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (nb.nbformat !== 4) problems.push(`nbformat ${String(nb.nbformat)}, expected 4`);
  const ks = nb.metadata?.kernelspec;
  if (ks === undefined || typeof ks !== "object") problems.push("no metadata.kernelspec (expected the tslab TypeScript kernel)");
  else {
    if (ks.language !== "typescript") problems.push(`kernelspec language ${JSON.stringify(ks.language)}, expected "typescript"`);
    if (typeof ks.name !== "string" || ks.name === "") problems.push("kernelspec has no name");
  }
  const parts = partsOf(nb);
  const seenIds = new Map<string, number>();
  const seenCellIds = new Map<string, number>();
  const gradeCells: GradeCellInfo[] = [];
  const manualCells: ValidatedSource["manualCells"] = [];

  nb.cells.forEach((cell, i) => {
    const name = cellName(cell, i);
    if (typeof cell.id === "string") {
      const prev = seenCellIds.get(cell.id);
      if (prev !== undefined) problems.push(`${name}: cell id ${JSON.stringify(cell.id)} already used by cell ${prev}`);
      else seenCellIds.set(cell.id, i);
    }
    const timeout = lab4Meta(cell).timeout;
    if (timeout !== undefined && !(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0))
      problems.push(`${name}: metadata.lab4.timeout must be a positive number of seconds, got ${JSON.stringify(timeout)}`);

    const meta = nbgraderMeta(cell);
    if (cell.metadata?.["nbgrader"] !== undefined && meta === null) {
      problems.push(`${name}: metadata.nbgrader is not an object`);
      return;
    }
    // markers are checked on every cell (a solution marker in an ordinary cell would leak); a
    // released notebook (lab4 check's source) has its solutions replaced already
    try {
      if (opts.released !== true) releaseCellSource(cell, i);
    } catch (e) {
      if (e instanceof MarkerError) problems.push(e.message);
      else throw e;
    }
    if (meta === null) return;
    if (meta.schema_version !== 3) problems.push(`${name}: nbgrader schema_version ${JSON.stringify(meta.schema_version)}, expected 3`);
    for (const flag of ["grade", "solution", "locked"] as const)
      if (typeof meta[flag] !== "boolean")
        problems.push(`${name}: nbgrader.${flag} must be true or false, got ${JSON.stringify(meta[flag])}`);
    const gid = gradeId(cell);
    if (gid === null) {
      problems.push(`${name}: nbgrader metadata without a grade_id`);
      return;
    }
    if (!GRADE_ID_PATTERN.test(gid)) problems.push(`${name}: grade_id ${JSON.stringify(gid)} must match [A-Za-z0-9_-]+`);
    const prev = seenIds.get(gid);
    if (prev !== undefined) problems.push(`${name}: grade_id ${JSON.stringify(gid)} already used by cell ${prev}`);
    else seenIds.set(gid, i);
    if (isGrade(cell)) {
      const p = meta.points;
      if (typeof p !== "number" || !Number.isFinite(p) || p < 0)
        problems.push(`${name}: a grade cell needs points (a number >= 0), got ${JSON.stringify(p)}`);
    }
    if (isGrade(cell) && isSolution(cell)) {
      if (cell.cell_type === "code")
        problems.push(
          `${name}: an autograded answer cell (grade and solution on a code cell) is not supported; split it into a solution cell ` +
            `and a test cell`,
        );
      else manualCells.push({ gradeId: gid, index: i, points: Number(meta.points ?? 0), part: parts[i]! });
      return;
    }
    if (isGrade(cell)) {
      if (cell.cell_type !== "code") {
        problems.push(`${name}: a grade cell that is not a solution must be a code cell`);
        return;
      }
      try {
        const compiled = compileGradeCell(cellSource(cell), gid, hiddenRanges(cell, name));
        const points = Number(meta.points);
        if (Number.isFinite(points) && compiled.points !== points)
          problems.push(`${name}: points ${points} but its marks() calls add up to ${compiled.points}`);
        if (compiled.checks.length === 0) warnings.push(`${name}: a grade cell with no marks() check (it can only score 0)`);
        for (const c of compiled.checks) warnings.push(...c.warnings);
        gradeCells.push({ gradeId: gid, index: i, points, part: parts[i]!, compiled });
      } catch (e) {
        if (e instanceof CheckCompileError || e instanceof MarkerError) problems.push(e.message);
        else throw e;
      }
    } else if (!isLocked(cell) && !isSolution(cell)) {
      warnings.push(`${name}: nbgrader metadata that is neither grade, solution nor locked (ignored)`);
    }
  });
  if (problems.length > 0) throw new SourceValidationError(file, problems);
  const partNames: string[] = [];
  for (const g of [...gradeCells, ...manualCells].sort((a, b) => a.index - b.index))
    if (!partNames.includes(g.part)) partNames.push(g.part);
  return { file, nb, gradeCells, manualCells, parts: partNames, warnings, released: opts.released === true };
}
