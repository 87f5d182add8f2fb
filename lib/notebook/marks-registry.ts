/**
 * The running totals of a notebook's checks (jhwutils' `tick` registry): grading's `marks()`
 * records every check here and the marks summary chart (lib/plot/marks.ts) reads them.
 *
 * It lives on globalThis under Symbol.for("lab4.grading.marks"), so two copies of this module
 * (source and dist, or two package paths) add up to the same totals.
 */

export interface MarkEntry {
  readonly seq: number;
  readonly label: string | null;
  readonly total: number;
  /** Marks awarded; null while an async check is still running. */
  awarded: number | null;
  error?: string;
}

/** Where results go; by default a tslab kernel's HTML display, else plain text on stdout. */
export interface MarksOutput {
  html(html: string): void;
  text(text: string): void;
}

export interface MarksRegistry {
  achieved: number;
  available: number;
  entries: MarkEntry[];
  output: MarksOutput | null;
}

const REGISTRY = Symbol.for("lab4.grading.marks");

/** The process-wide registry (created on first use). */
export function marksRegistry(): MarksRegistry {
  const g = globalThis as unknown as Record<symbol, MarksRegistry | undefined>;
  let r = g[REGISTRY];
  if (r === undefined) {
    r = { achieved: 0, available: 0, entries: [], output: null };
    g[REGISTRY] = r;
  }
  return r;
}

export interface MarksTotals {
  marks: number;
  total: number;
  /** total > 0 ? 100 * marks / total : 0 */
  percent: number;
  entries: readonly Readonly<MarkEntry>[];
}

/** Current totals (a copy), for tools and tests. */
export function getMarks(): MarksTotals {
  const r = marksRegistry();
  return {
    marks: r.achieved,
    total: r.available,
    percent: r.available === 0 ? 0 : (r.achieved * 100.0) / r.available,
    entries: r.entries.map((e) => ({ ...e })),
  };
}
