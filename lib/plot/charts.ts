/**
 * Line charts of the lab (Vega-Lite 5 specs, which JupyterLab 4 renders natively), shown through
 * `showChart` (one display_data: Vega-Lite + PNG + text). Bad data never throws: no finite value
 * gives a notice chart, non-finite values are left out and counted in a subtitle, a single point is
 * drawn as a point with a note that there is no curve yet.
 */
import { showChart, VegaLiteSpec, VEGALITE_SCHEMA } from "./render";

export interface Series {
  name: string;
  values: readonly number[];
  color?: string;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** x of the first value (0 for the original lab's Word2Vec epochs, 1 for Seq2Seq's "Epoch: 01"). */
  xStart?: number;
}

export const PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

const DEFAULT_WIDTH = 420;

/** Array.isArray without narrowing readonly arrays to any[]. */
export function isList<T>(x: readonly T[] | null | undefined): x is readonly T[] {
  return Array.isArray(x);
}
const DEFAULT_HEIGHT = 260;

/** A chart that only says why there is nothing to plot (instead of an empty or broken chart). */
export function noticeSpec(title: string, message: string, opts: { width?: number } = {}): VegaLiteSpec {
  return {
    $schema: VEGALITE_SCHEMA,
    title: { text: title, subtitle: message, subtitleColor: "#b45309", subtitleFontSize: 13 },
    width: opts.width ?? DEFAULT_WIDTH,
    height: 60,
    data: { values: [{ t: "sin datos para graficar" }] },
    mark: { type: "text", fontSize: 14, color: "#6b7280" },
    encoding: { text: { field: "t", type: "nominal" } },
    config: { view: { stroke: "#d1d5db" } },
  };
}

/** Counts what a list of series holds, for notices and subtitles. */
export function describeValues(series: readonly Series[]): { points: number; finite: number; nonFinite: number; maxLength: number } {
  let points = 0;
  let finite = 0;
  let maxLength = 0;
  for (const s of series) {
    maxLength = Math.max(maxLength, s.values.length);
    for (const v of s.values) {
      points++;
      if (typeof v === "number" && Number.isFinite(v)) finite++;
    }
  }
  return { points, finite, nonFinite: points - finite, maxLength };
}

/** Integer ticks for short series (vega-lite drops tickMinStep); a "d" format for long ones. */
function integerAxis(first: number, count: number): Record<string, unknown> {
  if (count <= 12) return { values: Array.from({ length: count }, (_, i) => first + i), format: "d" };
  return { format: "d" };
}

/** Subtitle lines about data problems (non-finite values, a single point), or [] when none. */
function dataNotes(series: readonly Series[]): string[] {
  const d = describeValues(series);
  const notes: string[] = [];
  if (d.nonFinite > 0) notes.push(`${d.nonFinite} valor(es) no finito(s) (NaN/Infinito) omitido(s)`);
  // one point per series (e.g. train and valid after one epoch): nothing to draw a line through
  const finitePerSeries = series.map((s) => s.values.filter((v) => Number.isFinite(v)).length);
  if (d.finite > 0 && Math.max(...finitePerSeries) === 1)
    notes.push(
      series.length > 1 ? "un solo punto por serie: todavía no hay curva que trazar" : "un solo punto: todavía no hay curva que trazar",
    );
  return notes;
}

/** A line chart of one or more series against their index. */
export function lineChartSpec(series: readonly Series[], opts: LineChartOptions = {}): VegaLiteSpec {
  const title = opts.title ?? "";
  const valid = isList(series) ? series.filter((s) => s && isList(s.values)) : [];
  const d = describeValues(valid);
  if (d.finite === 0) {
    const why = d.points === 0 ? "la serie está vacía" : `ninguno de los ${d.points} valores es finito (NaN/Infinito)`;
    return noticeSpec(title || "Gráfica", `Sin datos que graficar: ${why}`, opts);
  }
  const xStart = opts.xStart ?? 0;
  const rows = valid.flatMap((s) => s.values.map((v, i) => ({ x: xStart + i, y: Number.isFinite(v) ? v : null, serie: s.name })));
  const notes = dataNotes(valid);
  const spec: VegaLiteSpec = {
    $schema: VEGALITE_SCHEMA,
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? DEFAULT_HEIGHT,
    data: { values: rows },
    // Non-finite values become null: vega-lite leaves a gap instead of drawing them.
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: opts.xLabel ?? "Epoch", axis: integerAxis(xStart, d.maxLength) },
      y: { field: "y", type: "quantitative", title: opts.yLabel ?? "", scale: { zero: false } },
      color: {
        field: "serie",
        type: "nominal",
        title: null,
        scale: { domain: valid.map((s) => s.name), range: valid.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]) },
      },
      tooltip: [
        { field: "serie", type: "nominal" },
        { field: "x", type: "quantitative", title: opts.xLabel ?? "Epoch" },
        { field: "y", type: "quantitative", title: opts.yLabel || "valor", format: ".4f" },
      ],
    },
  };
  if (title || notes.length) spec.title = { text: title, subtitle: notes, subtitleColor: "#b45309" };
  return spec;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

/** The text/plain part: every value for short series, a summary for long ones. */
export function seriesText(series: readonly Series[], opts: LineChartOptions = {}): string {
  const xStart = opts.xStart ?? 0;
  const x = opts.xLabel ?? "Epoch";
  const lines = [opts.title || `${opts.yLabel || "valor"} por ${x}`];
  for (const s of series) {
    const v = s.values;
    if (v.length === 0) lines.push(`${s.name}: (sin datos)`);
    else if (v.length <= 12) lines.push(`${s.name}: ${v.map((y, i) => `${xStart + i}: ${fmt(y)}`).join(", ")}`);
    else {
      let best = -1;
      for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]) && (best < 0 || v[i] < v[best])) best = i;
      const min = best < 0 ? "sin valores finitos" : `mínimo ${fmt(v[best])} en ${x} ${xStart + best}`;
      lines.push(`${s.name}: ${v.length} puntos, primero ${fmt(v[0])}, último ${fmt(v[v.length - 1])}, ${min}`);
    }
  }
  const notes = dataNotes(series);
  if (notes.length) lines.push(`(${notes.join("; ")})`);
  return lines.join("\n");
}

/** Shows a line chart (one output). */
export function plotLines(series: readonly Series[], opts: LineChartOptions = {}): void {
  showChart(lineChartSpec(series, opts), seriesText(series, opts));
}

/** The original lab's loss plot: `plt.plot(epoch_, running_loss, 'r', label='Loss')`, x Epoch, y NLL. */
export function plotLoss(runningLoss: number[], opts: LineChartOptions & { label?: string } = {}): void {
  const o: LineChartOptions = { xLabel: "Epoch", yLabel: "NLL", title: "Pérdida por época (Word2Vec)", ...opts };
  plotLines([{ name: opts.label ?? "Loss", values: isList(runningLoss) ? runningLoss : [], color: "#d62728" }], o);
}

export interface Seq2SeqHistory {
  /** Mean training loss per epoch (what `train(...)` returned). */
  train: readonly number[];
  /** Mean validation loss per epoch (what `evaluate(...)` returned). */
  valid: readonly number[];
}

/** Train/valid loss and perplexity (exp(loss), as the original lab prints it) per epoch, side by side. */
export function seq2seqHistorySpec(h: Seq2SeqHistory, opts: { width?: number; height?: number } = {}): VegaLiteSpec {
  const train = isList(h?.train) ? h.train : [];
  const valid = isList(h?.valid) ? h.valid : [];
  const loss: Series[] = [
    { name: "train", values: train, color: "#1f77b4" },
    { name: "valid", values: valid, color: "#ff7f0e" },
  ];
  const ppl: Series[] = loss.map((s) => ({ ...s, values: s.values.map((v) => Math.exp(v)) }));
  const d = describeValues(loss);
  const title = "Seq2Seq: pérdida y perplejidad por época";
  if (d.finite === 0) {
    const why = d.points === 0 ? "aún no hay épocas" : `ninguno de los ${d.points} valores es finito (NaN/Infinito)`;
    return noticeSpec(title, `Sin datos que graficar: ${why}`, opts);
  }
  const width = opts.width ?? 320;
  const height = opts.height ?? 240;
  const rows = loss.flatMap((s, k) =>
    s.values.map((v, i) => ({
      epoch: i + 1,
      serie: s.name,
      loss: Number.isFinite(v) ? v : null,
      ppl: Number.isFinite(ppl[k].values[i]) ? ppl[k].values[i] : null,
    })),
  );
  const notes = [...new Set([...dataNotes(loss), ...dataNotes(ppl)])];
  const panel = (field: string, yTitle: string, fmtY: string) => ({
    width,
    height,
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "Época", axis: integerAxis(1, d.maxLength) },
      y: { field, type: "quantitative", title: yTitle, scale: { zero: false } },
      color: { field: "serie", type: "nominal", title: null, scale: { domain: ["train", "valid"], range: ["#1f77b4", "#ff7f0e"] } },
      tooltip: [
        { field: "serie", type: "nominal" },
        { field: "epoch", type: "quantitative", title: "Época" },
        { field, type: "quantitative", title: yTitle, format: fmtY },
      ],
    },
  });
  return {
    $schema: VEGALITE_SCHEMA,
    title: { text: title, subtitle: notes, subtitleColor: "#b45309" },
    data: { values: rows },
    hconcat: [panel("loss", "Pérdida (entropía cruzada)", ".3f"), panel("ppl", "Perplejidad = exp(pérdida)", ".3f")],
  };
}

/** The text part of the Seq2Seq history, in the original lab's print format. */
export function seq2seqHistoryText(h: Seq2SeqHistory): string {
  const train = isList(h?.train) ? h.train : [];
  const valid = isList(h?.valid) ? h.valid : [];
  const n = Math.max(train.length, valid.length);
  if (n === 0) return "Seq2Seq: aún no hay épocas que graficar";
  const f = (v: number | undefined, w: number) => (v === undefined ? "-" : v.toFixed(3).padStart(w));
  const lines = ["Seq2Seq: pérdida y perplejidad por época"];
  for (let i = 0; i < n; i++) {
    const t = train[i];
    const v = valid[i];
    lines.push(
      `Epoch: ${String(i + 1).padStart(2, "0")} | Train Loss: ${f(t, 0)} | Train PPL: ${f(t === undefined ? t : Math.exp(t), 7)}` +
        ` | Val. Loss: ${f(v, 0)} | Val. PPL: ${f(v === undefined ? v : Math.exp(v), 7)}`,
    );
  }
  return lines.join("\n");
}

/** Shows the Seq2Seq train/valid loss and perplexity per epoch (one output). */
export function plotSeq2SeqHistory(history: Seq2SeqHistory, opts: { width?: number; height?: number } = {}): void {
  showChart(seq2seqHistorySpec(history, opts), seq2seqHistoryText(history));
}
