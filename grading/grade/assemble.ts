/**
 * Stage: the notebook the grader executes for one submission.
 *
 * Every cell of the source is a slot, keyed by its grade_id (nbgrader cells) or its cell id (the
 * lab's ordinary cells; Jupyter keeps ids when a student edits a cell). The result follows the
 * SOURCE order of slots:
 *   - locked cells and autograded test cells come from the source, whatever the student did to
 *     them (edited, deleted, moved): the test cells run as kernel code compiled from the source,
 *     hidden tests included (checks.ts); the submission's version is only compared (nbgrader
 *     checksum) to report the tampering;
 *   - solution cells come from the submission (the first with that grade_id), or the released
 *     stub if the student deleted one; the lab's ordinary cells come from the submission as the
 *     student left them (nbgrader does not restore them either) and are dropped if deleted;
 *   - cells the student added (no matching slot) stay right after the cell they follow in the
 *     submission, so scratch cells travel with the answer they belong to; cells before any
 *     matched cell stay first.
 * A faithful submission therefore runs in exactly its own order.
 */
import { cellSource, type Notebook, type NotebookCell } from "../notebook";
import { releaseCellSource } from "../notebook/release";
import { kernelCode, type CompiledGradeCell } from "./checks";
import { cellName, computeChecksum, gradeId, isGrade, isLocked, isSolution, lab4Meta, nbgraderMeta } from "../notebook/nbgrader";
import type { ValidatedSource } from "./validate";

export type CellRole = "grade" | "locked" | "solution" | "student" | "manual";

export interface AssembledCell {
  role: CellRole;
  /** The cell to execute/keep (source = kernel code for grade cells). */
  cell: NotebookCell;
  /** What a student may see for this cell (released text for grade/locked cells). */
  displaySource: string;
  gradeId: string | null;
  /** Seconds this cell may run. */
  timeout: number;
  compiled: CompiledGradeCell | null;
}

export interface Assembly {
  cells: AssembledCell[];
  /** What was restored or replaced, for the gradebook and the feedback. */
  notes: string[];
  /** grade_ids of locked/test cells the submission had changed, deleted or moved. */
  restored: string[];
}

export interface AssembleOptions {
  nonce: string;
  observerPath: string;
  defaultTimeout: number;
}

function timeoutOf(cell: NotebookCell | undefined, dflt: number): number {
  const t = cell === undefined ? undefined : lab4Meta(cell).timeout;
  return typeof t === "number" && Number.isFinite(t) && t > 0 ? t : dflt;
}

export function assemble(source: ValidatedSource, submission: Notebook, opts: AssembleOptions): Assembly {
  const notes: string[] = [];
  const restored: string[] = [];
  const compiledById = new Map(source.gradeCells.map((g) => [g.gradeId, g.compiled]));
  // slot key of each source cell: "g:<grade_id>" or "i:<cell id>"
  const slotOf = (c: NotebookCell): string | null => {
    const gid = gradeId(c);
    if (gid !== null) return `g:${gid}`;
    return typeof c.id === "string" ? `i:${c.id}` : null;
  };
  const sourceSlots = new Map<string, number>();
  const slotById = new Map<string, string>();
  source.nb.cells.forEach((c, i) => {
    const k = slotOf(c);
    if (k === null || sourceSlots.has(k)) return;
    sourceSlots.set(k, i);
    if (typeof c.id === "string") slotById.set(c.id, k);
  });

  // The submission: cells matched to a slot, and the added cells that follow each.
  const matched = new Map<string, NotebookCell>();
  const prefix: NotebookCell[] = [];
  const segments = new Map<string, NotebookCell[]>();
  const matchedOrder: number[] = [];
  let current: string | null = null;
  submission.cells.forEach((cell, pos) => {
    // by grade_id; a cell whose nbgrader metadata was lost still matches by its cell id
    const gid = gradeId(cell);
    const k = gid !== null ? `g:${gid}` : typeof cell.id === "string" ? (slotById.get(cell.id) ?? null) : null;
    if (k !== null && sourceSlots.has(k)) {
      if (!matched.has(k)) {
        matched.set(k, cell);
        matchedOrder.push(sourceSlots.get(k)!);
        segments.set(k, []);
        current = k;
        return;
      }
      if (k.startsWith("g:")) notes.push(`cell ${pos} repeats grade_id ${k.slice(2)}; kept as an ordinary cell`);
    }
    if (current === null) prefix.push(cell);
    else segments.get(current)!.push(cell);
  });
  if (matchedOrder.some((v, i) => i > 0 && v < matchedOrder[i - 1]!))
    notes.push("cells were out of order in the submission; they were put back in the lab's order");

  const out: AssembledCell[] = [];
  const codeFields = (type: NotebookCell["cell_type"]) => (type === "code" ? { outputs: [], execution_count: null } : {});
  const addStudent = (cell: NotebookCell, sourceCell: NotebookCell | undefined) => {
    const src = cellSource(cell);
    out.push({
      role: "student",
      cell: { cell_type: cell.cell_type, source: src, metadata: {}, ...codeFields(cell.cell_type) },
      displaySource: src,
      gradeId: null,
      timeout: timeoutOf(sourceCell, opts.defaultTimeout),
      compiled: null,
    });
  };
  for (const c of prefix) addStudent(c, undefined);

  source.nb.cells.forEach((srcCell, i) => {
    const key = slotOf(srcCell);
    if (key === null || sourceSlots.get(key) !== i) return;
    const student = matched.get(key);
    const gid = gradeId(srcCell);
    if (gid === null) {
      if (student !== undefined) addStudent(student, srcCell);
    } else {
      const name = cellName(srcCell, i);
      const released = source.released ? cellSource(srcCell) : releaseCellSource(srcCell, i);
      const meta = nbgraderMeta(srcCell)!;
      const keepMeta = { nbgrader: { ...meta }, ...(srcCell.metadata["lab4"] !== undefined ? { lab4: srcCell.metadata["lab4"] } : {}) };
      if (isSolution(srcCell)) {
        let text = released;
        let type = srcCell.cell_type;
        if (student === undefined) notes.push(`${name}: answer cell missing from the submission; the released stub was used`);
        else {
          text = cellSource(student);
          type = student.cell_type;
        }
        out.push({
          role: isGrade(srcCell) ? "manual" : "solution",
          cell: { cell_type: type, source: text, metadata: keepMeta, ...codeFields(type) },
          displaySource: text,
          gradeId: gid,
          timeout: timeoutOf(srcCell, opts.defaultTimeout),
          compiled: null,
        });
      } else if (isLocked(srcCell)) {
        const kind = isGrade(srcCell) ? "test" : "locked";
        if (student === undefined) {
          restored.push(gid);
          notes.push(`${name}: ${kind} cell deleted in the submission; restored`);
        } else {
          // compared with what the student was given (the released cell)
          const given: NotebookCell = { ...srcCell, source: released };
          const got: NotebookCell = { ...srcCell, cell_type: student.cell_type, source: cellSource(student) };
          if (computeChecksum(got) !== computeChecksum(given)) {
            restored.push(gid);
            notes.push(`${name}: ${kind} cell was edited in the submission; restored`);
          }
        }
        const compiled = isGrade(srcCell) ? (compiledById.get(gid) ?? null) : null;
        out.push({
          role: compiled !== null ? "grade" : "locked",
          cell: {
            cell_type: srcCell.cell_type,
            source: compiled !== null ? kernelCode(compiled, opts.nonce, opts.observerPath) : cellSource(srcCell),
            metadata: keepMeta,
            ...codeFields(srcCell.cell_type),
          },
          displaySource: released,
          gradeId: gid,
          timeout: timeoutOf(srcCell, opts.defaultTimeout),
          compiled,
        });
      } else if (student !== undefined) addStudent(student, srcCell);
    }
    for (const c of segments.get(key) ?? []) addStudent(c, undefined);
  });
  // ids: unique and stable, so the outputs can be matched back
  out.forEach((c, i) => {
    c.cell.id = `g${String(i).padStart(4, "0")}`;
  });
  return { cells: out, notes, restored };
}

/** The notebook to hand to the driver. */
export function assembledNotebook(source: ValidatedSource, a: Assembly): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: source.nb.metadata.kernelspec, language_info: source.nb.metadata["language_info"] },
    cells: a.cells.map((c) => c.cell),
  };
}
