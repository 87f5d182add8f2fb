/**
 * Stage: the notebook the grader executes for one submission.
 *
 * Cells with a grade_id in the source are anchors. The result follows the SOURCE order of anchors:
 *   - locked cells and autograded test cells come from the source, whatever the student did to
 *     them (edited, deleted, moved): the test cells run as kernel code compiled from the source,
 *     hidden tests included (checks.ts), and the submission's version is only compared (checksum)
 *     to report the tampering;
 *   - solution cells come from the submission (by grade_id; the first one if duplicated), or the
 *     released stub if the student deleted one;
 *   - the student's other cells keep their place relative to the anchor they follow in the
 *     submission (cells before the first anchor stay first), so scratch cells travel with the
 *     answer they belong to.
 */
import { cellSource, type Notebook, type NotebookCell } from "../notebook";
import { releaseCellSource } from "../release";
import { kernelCode, type CompiledGradeCell } from "./checks";
import { cellName, computeChecksum, gradeId, isGrade, isLocked, isSolution, lab4Meta, nbgraderMeta } from "./nbgrader";
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

function sourceIndexById(source: ValidatedSource): Map<string, number> {
  const m = new Map<string, number>();
  source.nb.cells.forEach((c, i) => {
    if (typeof c.id === "string" && !m.has(c.id)) m.set(c.id, i);
  });
  return m;
}

function timeoutOf(cell: NotebookCell | undefined, dflt: number): number {
  const t = cell === undefined ? undefined : lab4Meta(cell).timeout;
  return typeof t === "number" && Number.isFinite(t) && t > 0 ? t : dflt;
}

export function assemble(source: ValidatedSource, submission: Notebook, opts: AssembleOptions): Assembly {
  const notes: string[] = [];
  const restored: string[] = [];
  const anchorIds = new Map<string, number>();
  source.nb.cells.forEach((c, i) => {
    const gid = gradeId(c);
    if (gid !== null) anchorIds.set(gid, i);
  });
  const compiledById = new Map(source.gradeCells.map((g) => [g.gradeId, g.compiled]));
  const srcById = sourceIndexById(source);

  // The submission, split into anchors and the segments that follow them.
  const studentAnchor = new Map<string, { cell: NotebookCell; position: number }>();
  const prefix: NotebookCell[] = [];
  const segments = new Map<string, NotebookCell[]>();
  let current: string | null = null;
  const anchorOrder: string[] = [];
  submission.cells.forEach((cell, pos) => {
    const gid = gradeId(cell);
    if (gid !== null && anchorIds.has(gid)) {
      if (!studentAnchor.has(gid)) {
        studentAnchor.set(gid, { cell, position: pos });
        anchorOrder.push(gid);
        current = gid;
        segments.set(gid, []);
        return;
      }
      notes.push(`cell ${pos} repeats grade_id ${gid}; kept as an ordinary cell`);
    }
    if (current === null) prefix.push(cell);
    else segments.get(current)!.push(cell);
  });
  const sourceAnchorOrder = [...anchorIds.keys()].filter((g) => studentAnchor.has(g));
  if (anchorOrder.join("\n") !== sourceAnchorOrder.join("\n")) {
    notes.push("graded cells were out of order in the submission; they were put back in the lab's order");
  }

  const out: AssembledCell[] = [];
  const addStudent = (cell: NotebookCell) => {
    const src = cellSource(cell);
    const match = typeof cell.id === "string" ? srcById.get(cell.id) : undefined;
    const sourceCell = match !== undefined && gradeId(source.nb.cells[match]!) === null ? source.nb.cells[match] : undefined;
    out.push({
      role: "student",
      cell: { cell_type: cell.cell_type, source: src, metadata: {}, ...(cell.cell_type === "code" ? { outputs: [], execution_count: null } : {}) },
      displaySource: src,
      gradeId: null,
      timeout: timeoutOf(sourceCell, opts.defaultTimeout),
      compiled: null,
    });
  };
  for (const c of prefix) addStudent(c);

  source.nb.cells.forEach((srcCell, i) => {
    const gid = gradeId(srcCell);
    if (gid === null) return;
    const name = cellName(srcCell, i);
    const student = studentAnchor.get(gid);
    const released = releaseCellSource(srcCell, i);
    const meta = nbgraderMeta(srcCell)!;
    const keepMeta = { nbgrader: { ...meta }, ...(srcCell.metadata["lab4"] !== undefined ? { lab4: srcCell.metadata["lab4"] } : {}) };
    if (isSolution(srcCell)) {
      const role: CellRole = isGrade(srcCell) ? "manual" : "solution";
      let text: string;
      let type = srcCell.cell_type;
      if (student === undefined) {
        text = released;
        notes.push(`${name}: answer cell missing from the submission; the released stub was used`);
      } else {
        text = cellSource(student.cell);
        type = student.cell.cell_type;
      }
      out.push({
        role,
        cell: { cell_type: type, source: text, metadata: keepMeta, ...(type === "code" ? { outputs: [], execution_count: null } : {}) },
        displaySource: text,
        gradeId: gid,
        timeout: timeoutOf(srcCell, opts.defaultTimeout),
        compiled: null,
      });
    } else if (isLocked(srcCell)) {
      // Compare with what the student was given (the released cell) to report tampering.
      if (student === undefined) {
        restored.push(gid);
        notes.push(`${name}: ${isGrade(srcCell) ? "test" : "locked"} cell deleted in the submission; restored`);
      } else {
        const given: NotebookCell = { ...srcCell, source: released };
        const got: NotebookCell = { ...srcCell, cell_type: student.cell.cell_type, source: cellSource(student.cell) };
        if (computeChecksum(got) !== computeChecksum(given)) {
          restored.push(gid);
          notes.push(`${name}: ${isGrade(srcCell) ? "test" : "locked"} cell was edited in the submission; restored`);
        }
      }
      const compiled = isGrade(srcCell) ? compiledById.get(gid) ?? null : null;
      const text = compiled !== null ? kernelCode(compiled, opts.nonce, opts.observerPath) : cellSource(srcCell);
      out.push({
        role: compiled !== null ? "grade" : "locked",
        cell: {
          cell_type: srcCell.cell_type,
          source: text,
          metadata: keepMeta,
          ...(srcCell.cell_type === "code" ? { outputs: [], execution_count: null } : {}),
        },
        displaySource: released,
        gradeId: gid,
        timeout: timeoutOf(srcCell, opts.defaultTimeout),
        compiled,
      });
    }
    if (student !== undefined) for (const c of segments.get(gid) ?? []) addStudent(c);
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
