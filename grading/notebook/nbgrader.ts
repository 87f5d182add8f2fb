/**
 * nbgrader v3 cell metadata (`metadata.nbgrader`), which the instructor notebook carries so that a
 * course already running nbgrader can use it unchanged:
 *   { schema_version: 3, grade_id, grade, solution, locked, points?, checksum? }
 * The predicates follow nbgrader's own (nbgrader/utils.py): a grade cell that is not a solution
 * cell counts as locked even when `locked` is false.
 */
import { createHash } from "node:crypto";
import { cellSource, type NotebookCell } from "./nbformat";

export interface NbgraderMeta {
  schema_version: number;
  grade_id: string;
  grade: boolean;
  solution: boolean;
  locked: boolean;
  points?: number;
  checksum?: string;
  cell_type?: string;
}

/** The cell's nbgrader metadata, or null when it has none (an ordinary cell). */
export function nbgraderMeta(cell: NotebookCell): NbgraderMeta | null {
  const m = cell.metadata?.["nbgrader"];
  return typeof m === "object" && m !== null && !Array.isArray(m) ? (m as NbgraderMeta) : null;
}

export function isGrade(cell: NotebookCell): boolean {
  return nbgraderMeta(cell)?.grade === true;
}

export function isSolution(cell: NotebookCell): boolean {
  return nbgraderMeta(cell)?.solution === true;
}

/** nbgrader's is_locked: solution cells never are, grade cells always are, else the flag. */
export function isLocked(cell: NotebookCell): boolean {
  const m = nbgraderMeta(cell);
  if (m === null || m.solution === true) return false;
  if (m.grade === true) return true;
  return m.locked === true;
}

/** The grade_id, or null for a cell without nbgrader metadata. */
export function gradeId(cell: NotebookCell): string | null {
  const id = nbgraderMeta(cell)?.grade_id;
  return typeof id === "string" ? id : null;
}

/** A name for messages: the grade_id, else the cell id, else its position. */
export function cellName(cell: NotebookCell, index: number): string {
  const gid = gradeId(cell);
  if (gid !== null) return `cell ${index} (${gid})`;
  if (typeof cell.id === "string") return `cell ${index} (${cell.id})`;
  return `cell ${index}`;
}

/** Python's str(float(points)) for the values points can take (finite, non-negative). */
function pyFloatStr(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  // repr of a non-integral double: JS's shortest round-trip digits agree with Python's repr here
  // except for exponent formatting, which cannot occur for mark values (< 1e16, > 1e-4).
  return String(x);
}

/**
 * nbgrader's compute_checksum: md5 over the source, the cell type, str(is_grade), str(is_solution),
 * str(is_locked), the grade_id and (grade cells) str(float(points)), as UTF-8, concatenated.
 */
export function computeChecksum(cell: NotebookCell): string {
  const m = nbgraderMeta(cell);
  if (m === null) throw new Error("computeChecksum: the cell has no nbgrader metadata");
  const py = (b: boolean) => (b ? "True" : "False");
  const h = createHash("md5");
  h.update(cellSource(cell), "utf8");
  h.update(cell.cell_type, "utf8");
  h.update(py(isGrade(cell)), "utf8");
  h.update(py(isSolution(cell)), "utf8");
  h.update(py(isLocked(cell)), "utf8");
  h.update(m.grade_id, "utf8");
  if (isGrade(cell)) h.update(pyFloatStr(Number(m.points)), "utf8");
  return h.digest("hex");
}

/** Our own per-cell settings, `metadata.lab4` (e.g. `{ "timeout": 900 }` on a training cell). */
export interface Lab4CellMeta {
  /** Seconds this cell may run when graded (overrides --timeout-cell). */
  timeout?: number;
  /** Gradebook part this grade cell counts towards (default: the preceding "## Parte N" heading). */
  part?: string;
}

export function lab4Meta(cell: NotebookCell): Lab4CellMeta {
  const m = cell.metadata?.["lab4"];
  return typeof m === "object" && m !== null && !Array.isArray(m) ? (m as Lab4CellMeta) : {};
}
