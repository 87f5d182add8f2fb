/**
 * The marks an executed notebook shows: jhwutils' HTML comments `<!--{id:"CORRECTMARK",
 * marks:"n"}-->` / `WRONGMARK`, or lab4's `[lab4-marks]` markers (read by grading/runtime/marker).
 */
import { parseMarkers, type Marker } from "../runtime/marker";
import { outputText, type Notebook, type NotebookCell } from "./nbformat";

export interface MarkRecord {
  cell: number;
  correct: boolean;
  marks: number;
}

const HTML_MARK = /<!--\{id:"(CORRECTMARK|WRONGMARK)", marks:"(\d+)"\}-->/g;

/** Every `[lab4-marks]` marker in a cell's outputs, in order (totals included). */
export function cellMarkers(cell: NotebookCell): Marker[] {
  return (cell.outputs ?? []).flatMap((o) => parseMarkers(outputText(o)));
}

/** Every mark recorded in a cell's outputs (each check counted once even if shown as HTML and text). */
export function cellMarks(cell: NotebookCell, index: number): MarkRecord[] {
  const html: MarkRecord[] = [];
  for (const o of cell.outputs ?? [])
    for (const m of outputText(o).matchAll(HTML_MARK)) html.push({ cell: index, correct: m[1] === "CORRECTMARK", marks: Number(m[2]) });
  const text = cellMarkers(cell)
    .filter((m) => m.id !== "TOTALMARK")
    .map((m) => ({ cell: index, correct: m.id === "CORRECTMARK", marks: m.total }));
  return html.length >= text.length ? html : text;
}

export interface MarksSummary {
  earned: number;
  possible: number;
  checks: MarkRecord[];
}

/** Totals over every check whose marker appears in the executed notebook. */
export function collectMarks(nb: Notebook): MarksSummary {
  const checks = nb.cells.flatMap((c, i) => (c.cell_type === "code" ? cellMarks(c, i) : []));
  return {
    earned: checks.filter((c) => c.correct).reduce((s, c) => s + c.marks, 0),
    possible: checks.reduce((s, c) => s + c.marks, 0),
    checks,
  };
}
