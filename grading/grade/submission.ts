/**
 * Reading a student's submission: a refusal (with the reason) instead of a crash for anything that
 * is not a notebook we can grade — unreadable, empty, not JSON, not nbformat 4, another kernel,
 * malformed cells, absurdly large.
 */
import * as fs from "node:fs";
import type { Notebook, NotebookCell } from "../notebook";

/** A submission we will not grade; `reason` says why (the file name is added by the caller). */
export class Refusal extends Error {
  override name = "Refusal";
}

export const MAX_SUBMISSION_BYTES = 64 * 1024 * 1024;

export interface Submission {
  file: string;
  bytes: Buffer;
  nb: Notebook;
  /** Remarks that do not refuse the file (e.g. no kernelspec). */
  notes: string[];
}

function isCell(c: unknown): c is NotebookCell {
  if (typeof c !== "object" || c === null) return false;
  const o = c as Partial<NotebookCell>;
  const typeOk = o.cell_type === "code" || o.cell_type === "markdown" || o.cell_type === "raw";
  const srcOk = typeof o.source === "string" || (Array.isArray(o.source) && o.source.every((s) => typeof s === "string"));
  return typeOk && srcOk;
}

/**
 * Validates the bytes of a submission against the kernel of the source notebook. Throws Refusal.
 * `expectedKernel` is the source's kernelspec (name and language).
 */
export function parseSubmission(file: string, bytes: Buffer, expectedKernel: { name: string; language: string }): Submission {
  if (bytes.length === 0) throw new Refusal("empty file (0 bytes), not a notebook");
  if (bytes.length > MAX_SUBMISSION_BYTES)
    throw new Refusal(`file of ${bytes.length} bytes exceeds the ${MAX_SUBMISSION_BYTES}-byte limit for a notebook`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Refusal("not UTF-8 text, not a notebook");
  }
  if (text.trim() === "") throw new Refusal("only whitespace, not a notebook");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Refusal(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Refusal("JSON but not a notebook (not an object)");
  const o = raw as Partial<Notebook>;
  if (o.nbformat !== 4) throw new Refusal(`nbformat ${JSON.stringify(o.nbformat)}, expected 4`);
  if (!Array.isArray(o.cells)) throw new Refusal('not a Jupyter notebook (no "cells" list)');
  const bad = o.cells.findIndex((c) => !isCell(c));
  if (bad >= 0) throw new Refusal(`cell ${bad} is malformed (needs cell_type code/markdown/raw and a text source)`);
  const notes: string[] = [];
  const meta = (typeof o.metadata === "object" && o.metadata !== null ? o.metadata : {}) as Notebook["metadata"];
  // As nbgrader's OverwriteKernelspec: a TypeScript notebook is graded with the course's kernel,
  // whatever its kernel was called where it was written; only another language is refused.
  const ks = meta.kernelspec;
  const info = meta["language_info"];
  const infoLanguage =
    typeof info === "object" && info !== null && typeof (info as { name?: unknown }).name === "string"
      ? (info as { name: string }).name
      : "";
  if (ks === undefined || ks === null || typeof ks !== "object") {
    notes.push(`no kernelspec in the notebook; graded with the ${expectedKernel.name} kernel`);
  } else {
    const name = typeof ks.name === "string" ? ks.name : "";
    const language = (typeof ks.language === "string" && ks.language !== "" ? ks.language : infoLanguage).toLowerCase();
    if (language !== "" && language !== expectedKernel.language)
      throw new Refusal(
        `written for the kernel ${JSON.stringify(name || "?")} (language ${JSON.stringify(language)}), ` +
          `expected ${JSON.stringify(expectedKernel.name)} (${expectedKernel.language})`,
      );
    if (name !== expectedKernel.name)
      notes.push(
        `kernelspec ${JSON.stringify(name || "?")} (language ${JSON.stringify(language || "?")}); graded with the ` +
          `${expectedKernel.name} kernel`,
      );
  }
  // only what we execute is kept; metadata is normalised so nothing of the student's metadata is trusted
  const cells: NotebookCell[] = o.cells.map((c) => ({
    cell_type: c.cell_type,
    id: typeof c.id === "string" ? c.id : undefined,
    source: Array.isArray(c.source) ? c.source.join("") : c.source,
    metadata: typeof c.metadata === "object" && c.metadata !== null && !Array.isArray(c.metadata) ? c.metadata : {},
  }));
  return { file, bytes, nb: { nbformat: 4, nbformat_minor: Number(o.nbformat_minor ?? 5), metadata: meta, cells }, notes };
}

export function readSubmission(file: string, expectedKernel: { name: string; language: string }): Submission {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Refusal(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSubmission(file, bytes, expectedKernel);
}
