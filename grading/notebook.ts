/**
 * Reading notebooks (nbformat 4) and the marks their executed outputs carry.
 *
 * Marks are read from the machine-readable markers that `marks()` prints (jhwutils' HTML comments
 * `<!--{id:"CORRECTMARK", marks:"n"}-->` / `WRONGMARK`, or the plain-text `[lab4-marks] {...}` line).
 */
import * as fs from "node:fs";

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown> & { kernelspec?: { name?: string; language?: string; display_name?: string } };
  cells: NotebookCell[];
}

/** Reads and validates a notebook file; every refusal names the file and the reason. */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read notebook (${(e as Error).message})`, { cause: e });
  }
  if (text.trim() === "") throw new Error(`${file}: empty file, not a notebook`);
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const o = nb as Partial<Notebook>;
  if (typeof o !== "object" || o === null || !Array.isArray(o.cells))
    throw new Error(`${file}: not a Jupyter notebook (no "cells" list)`);
  if (o.nbformat !== 4) throw new Error(`${file}: nbformat ${String(o.nbformat)}, expected 4`);
  return o as Notebook;
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** A notebook's multi-line string field (a string or a list of lines) as one string; "" otherwise. */
export function joinText(v: unknown): string {
  if (typeof v === "string") return v;
  return Array.isArray(v) ? v.join("") : "";
}

/** Everything an output shows as text: stream text, then text/html, then text/plain. */
export function outputText(o: NotebookOutput): string {
  const parts = [o.text, o.data?.["text/html"], o.data?.["text/plain"]].filter((v) => v !== undefined).map(joinText);
  return parts.join("\n");
}

export interface MarkRecord {
  cell: number;
  correct: boolean;
  marks: number;
}

const HTML_MARK = /<!--\{id:"(CORRECTMARK|WRONGMARK)", marks:"(\d+)"\}-->/g;
const TEXT_MARK = /^\[lab4-marks\] (\{.*\})$/gm;

/** Every mark recorded in a cell's outputs (each check counted once even if shown as HTML and text). */
export function cellMarks(cell: NotebookCell, index: number): MarkRecord[] {
  const html: MarkRecord[] = [];
  const text: MarkRecord[] = [];
  for (const o of cell.outputs ?? []) {
    const s = outputText(o);
    for (const m of s.matchAll(HTML_MARK))
      html.push({ cell: index, correct: m[1] === "CORRECTMARK", marks: Number(m[2]) });
    for (const m of s.matchAll(TEXT_MARK)) {
      const rec = JSON.parse(m[1]) as { id?: string; marks?: number; total?: number };
      if (rec.id === "CORRECTMARK" || rec.id === "WRONGMARK")
        text.push({ cell: index, correct: rec.id === "CORRECTMARK", marks: Number(rec.total ?? rec.marks ?? 0) });
    }
  }
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
