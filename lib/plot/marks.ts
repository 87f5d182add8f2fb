/**
 * The marks summary per part as a chart: one horizontal bar per part, earned marks in green and
 * the rest in red, labelled "earned / possible".
 *
 * Parts: the marks registry (`getMarks()`, filled by grading's `marks()`) numbers the checks (`seq`) but does not know the parts,
 * so a notebook calls `beginMarksPart("Parte 2 - Seq2Seq")` where a part starts; checks run after
 * it belong to it. Checks before the first part go to "Inicio". `resetMarks()` followed by
 * re-running the notebook is handled (a part's start beyond the current checks is forgotten);
 * re-running one old check cell after a later part began counts it in the later part.
 */
import { getMarks, type MarksTotals } from "../notebook/marks-registry";
import { noticeSpec } from "./charts";
import { showChart, VegaLiteSpec, VEGALITE_SCHEMA } from "./render";

export interface PartMarks {
  name: string;
  earned: number;
  possible: number;
  /** Checks counted (including 0-mark ones). */
  checks: number;
  /** Checks that failed. */
  failed: number;
}

interface PartStart {
  name: string;
  fromSeq: number;
}

const PARTS = Symbol.for("lab4.plot.marksParts");

function parts(): PartStart[] {
  const g = globalThis as unknown as Record<symbol, PartStart[] | undefined>;
  return (g[PARTS] ??= []);
}

/** Marks where a part of the notebook starts: checks run from now on count for `name`. */
export function beginMarksPart(name: string): void {
  if (typeof name !== "string" || name.trim() === "") throw new Error("beginMarksPart(name): el nombre de la parte no puede estar vacío");
  const fromSeq = getMarks().entries.length + 1;
  const list = parts();
  // Starts beyond the current checks are stale (resetMarks() ran since); a part named again moves.
  const kept = list.filter((p) => p.fromSeq < fromSeq && p.name !== name);
  list.splice(0, list.length, ...kept, { name, fromSeq });
}

/** Forget every part boundary (tests, tools). */
export function clearMarksParts(): void {
  parts().splice(0);
}

/** Totals per part from grading's registry, in notebook order (parts without checks are left out). */
export function marksByPart(totals: MarksTotals = getMarks()): PartMarks[] {
  const starts = parts()
    .filter((p) => p.fromSeq <= totals.entries.length + 1)
    .sort((a, b) => a.fromSeq - b.fromSeq);
  const out = new Map<string, PartMarks>();
  for (const e of totals.entries) {
    let name = "Inicio";
    for (const s of starts) if (s.fromSeq <= e.seq) name = s.name;
    let p = out.get(name);
    if (p === undefined) {
      p = { name, earned: 0, possible: 0, checks: 0, failed: 0 };
      out.set(name, p);
    }
    p.checks++;
    p.possible += e.total;
    p.earned += e.awarded ?? 0;
    if (e.awarded === 0 && e.total > 0) p.failed++;
  }
  return [...out.values()];
}

const TITLE = "Puntos por parte";

/** The chart of marks per part; no marks available gives a notice chart. */
export function marksSummarySpec(partMarks: readonly PartMarks[], opts: { title?: string; width?: number } = {}): VegaLiteSpec {
  const title = opts.title ?? TITLE;
  const withMarks = (Array.isArray(partMarks) ? partMarks : []).filter(
    (p) => p && Number.isFinite(p.possible) && Number.isFinite(p.earned) && p.possible > 0,
  );
  if (withMarks.length === 0) return noticeSpec(title, "Aún no hay verificaciones con puntos (¿se ejecutaron las celdas de prueba?)", opts);
  const earned = withMarks.reduce((s, p) => s + p.earned, 0);
  const possible = withMarks.reduce((s, p) => s + p.possible, 0);
  const pct = (100 * earned) / possible;
  const rows = withMarks.flatMap((p, i) => [
    { part: p.name, order: i, kind: "obtenidos", value: p.earned, possible: p.possible, label: `${p.earned} / ${p.possible}` },
    { part: p.name, order: i, kind: "faltantes", value: p.possible - p.earned, possible: p.possible, label: `${p.earned} / ${p.possible}` },
  ]);
  const y = {
    field: "part",
    type: "nominal",
    title: null,
    sort: withMarks.map((p) => p.name),
    axis: { labelLimit: 260, labelFontSize: 12 },
  };
  return {
    $schema: VEGALITE_SCHEMA,
    title: { text: title, subtitle: `Total: ${earned} / ${possible} puntos (${pct.toFixed(1)}%)` },
    width: opts.width ?? 420,
    height: { step: 34 },
    data: { values: rows },
    layer: [
      {
        mark: { type: "bar", height: { band: 0.7 } },
        encoding: {
          y,
          x: { field: "value", type: "quantitative", stack: "zero", title: "puntos", axis: { format: "d" } },
          color: {
            field: "kind",
            type: "nominal",
            title: null,
            scale: { domain: ["obtenidos", "faltantes"], range: ["#2ca02c", "#d62728"] },
          },
          order: { field: "kind", sort: "descending" },
          tooltip: [
            { field: "part", type: "nominal", title: "parte" },
            { field: "kind", type: "nominal", title: "puntos" },
            { field: "value", type: "quantitative", title: "cantidad" },
          ],
        },
      },
      {
        transform: [{ filter: "datum.kind === 'obtenidos'" }],
        mark: { type: "text", align: "left", dx: 6, fontSize: 12, fontWeight: "bold" },
        encoding: {
          y,
          // Label right after the whole bar (earned + missing = possible).
          x: { field: "possible", type: "quantitative" },
          text: { field: "label", type: "nominal" },
        },
      },
    ],
  };
}

/** The text part: one line per part and the total, like summariseMarks(). */
export function marksSummaryText(partMarks: readonly PartMarks[]): string {
  const withMarks = partMarks.filter((p) => p.possible > 0);
  if (withMarks.length === 0) return `${TITLE}: aún no hay verificaciones con puntos`;
  const earned = withMarks.reduce((s, p) => s + p.earned, 0);
  const possible = withMarks.reduce((s, p) => s + p.possible, 0);
  const lines = [`${TITLE}:`];
  for (const p of withMarks)
    lines.push(`  ${p.name}: ${p.earned} / ${p.possible}${p.failed ? ` (${p.failed} verificación(es) fallida(s))` : ""}`);
  lines.push(`  Total: ${earned} / ${possible} (${((100 * earned) / possible).toFixed(1)}%)`);
  return lines.join("\n");
}

/** Shows the marks per part so far (reads grading's registry). */
export function plotMarksSummary(opts: { title?: string; width?: number } = {}): void {
  const p = marksByPart();
  showChart(marksSummarySpec(p, opts), marksSummaryText(p));
}
