/** Reading notebooks (nbformat 4): cells, their source and the text their outputs show. */
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
  if (typeof o !== "object" || o === null || !Array.isArray(o.cells)) throw new Error(`${file}: not a Jupyter notebook (no "cells" list)`);
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
