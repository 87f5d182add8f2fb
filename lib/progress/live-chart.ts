/**
 * A loss chart that grows while a model trains:
 *
 *   const chart = liveLossChart({ title: "Word2Vec: pérdida por lote" });
 *   ... chart.push(loss) ...             // or chart.push({ train: a, valid: b }, x)
 *   chart.close();                       // the final, complete chart (Vega-Lite + PNG + text)
 *
 * In a kernel it is ONE output updated in place (update_display_data) at most every `intervalMs`
 * (default 500 ms). Updates carry the Vega-Lite spec (JupyterLab redraws it, cheap) and text; the
 * PNG (what classic Notebook shows) is re-rendered only while PNG work stays within `pngBudget`
 * (default 1%) of the time since the chart started, otherwise the previous PNG is reused. close()
 * always renders the complete chart with a fresh PNG, which is what an executed notebook keeps.
 * Outside a kernel nothing is printed until close(), which prints the text summary.
 */
import { afterDisplay, inKernel, newDisplayId, displayBundle } from "../notebook/display";
import { lineChartSpec, seriesText, Series, LineChartOptions, noticeSpec } from "../plot/charts";
import { showChart, renderPng, typicalPngMs, VEGALITE_MIME } from "../plot/render";

export interface LiveChartOptions extends LineChartOptions {
  /** Series names, in legend order (default: created as values arrive; a bare number goes to "loss"). */
  series?: string[];
  /** Minimum ms between in-place updates (default 500). */
  intervalMs?: number;
  /** Fraction of wall time PNG refreshes may take during training (default 0.01). */
  pngBudget?: number;
  /** Points per series kept in the chart; beyond it, consecutive points are averaged (default 1500). */
  maxPoints?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

interface Point {
  x: number;
  y: number;
}

/** Means of consecutive buckets so a series has at most `max` points (x is the bucket's mean x). */
export function downsample(points: readonly Point[], max: number): { points: Point[]; bucket: number } {
  if (points.length <= max) return { points: points.slice(), bucket: 1 };
  const bucket = Math.ceil(points.length / max);
  const out: Point[] = [];
  for (let i = 0; i < points.length; i += bucket) {
    let sx = 0;
    let sy = 0;
    let n = 0;
    const end = Math.min(points.length, i + bucket);
    for (let j = i; j < end; j++) {
      sx += points[j].x;
      if (Number.isFinite(points[j].y)) {
        sy += points[j].y;
        n++;
      }
    }
    out.push({ x: sx / (end - i), y: n > 0 ? sy / n : NaN });
  }
  return { points: out, bucket };
}

export class LiveLossChart {
  private readonly opts: LiveChartOptions;
  private readonly order: string[];
  private readonly data = new Map<string, Point[]>();
  private readonly kernel: boolean;
  private readonly displayId: string;
  private readonly intervalMs: number;
  private readonly pngBudget: number;
  private readonly maxPoints: number;
  private readonly now: () => number;
  private readonly start: number;
  private lastSent: number;
  private pngMs = 0;
  private pngRenders = 0;
  private lastPng: { data: string; width: number; height: number } | undefined;
  private dirty = false;
  private closed = false;

  constructor(opts: LiveChartOptions = {}) {
    this.opts = { xLabel: "Lote", yLabel: "Pérdida", title: "Pérdida durante el entrenamiento", ...opts };
    this.order = [...(opts.series ?? [])];
    for (const s of this.order) this.data.set(s, []);
    this.intervalMs = opts.intervalMs ?? 500;
    this.pngBudget = opts.pngBudget ?? 0.01;
    this.maxPoints = Math.max(10, Math.floor(opts.maxPoints ?? 1500));
    this.now = opts.now ?? (() => performance.now());
    this.kernel = inKernel();
    this.displayId = newDisplayId();
    this.start = this.now();
    this.lastSent = this.start;
    if (this.kernel) {
      const title = this.opts.title ?? "";
      displayBundle(
        {
          [VEGALITE_MIME]: noticeSpec(title, "Entrenando… la gráfica aparece con los primeros valores"),
          "text/plain": `${title}: esperando datos…`,
        },
        { displayId: this.displayId },
      );
    }
  }

  /** The values pushed so far, per series. */
  get values(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [k, pts] of this.data) out[k] = pts.map((p) => p.y);
    return out;
  }

  /**
   * Adds a value (a bare number goes to the first series, "loss" by default) or one value per named
   * series. `x` defaults to the series' own count (+ xStart). Redraws if `intervalMs` has passed;
   * like ProgressBar.update, the returned promise lets a kernel send the redraw when awaited.
   */
  push(value: number | Record<string, number>, x?: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const entries: Array<[string, number]> = typeof value === "number" ? [[this.order[0] ?? "loss", value]] : Object.entries(value ?? {});
    for (const [name, y] of entries) {
      let pts = this.data.get(name);
      if (pts === undefined) {
        pts = [];
        this.data.set(name, pts);
        this.order.push(name);
      }
      pts.push({ x: x ?? (this.opts.xStart ?? 0) + pts.length, y: typeof y === "number" ? y : NaN });
    }
    this.dirty = true;
    if (!this.kernel) return Promise.resolve();
    const t = this.now();
    if (t - this.lastSent < this.intervalMs) return Promise.resolve();
    this.lastSent = t;
    this.send();
    return afterDisplay(true);
  }

  /** Shows the final, complete chart (with a fresh PNG). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const { spec, text } = this.chart();
    if (this.kernel) showChart(spec, text, { displayId: this.displayId, update: true, final: true });
    else process.stdout.write(text + "\n");
  }

  private series(): { series: Array<Series & { xs: number[] }>; bucket: number } {
    let bucket = 1;
    const series = this.order.map((name) => {
      const d = downsample(this.data.get(name) ?? [], this.maxPoints);
      bucket = Math.max(bucket, d.bucket);
      return { name, values: d.points.map((p) => p.y), xs: d.points.map((p) => p.x) };
    });
    return { series, bucket };
  }

  /** The chart's spec and text now (x values as pushed, downsampled beyond maxPoints). */
  chart(): { spec: Record<string, unknown>; text: string } {
    const { series, bucket } = this.series();
    const opts: LineChartOptions = { ...this.opts };
    const spec = lineChartSpec(series, opts);
    // lineChartSpec numbers points by index; put back the x values pushed (or bucket means).
    const data = (spec.data as { values?: Array<{ x: number; serie: string }> } | undefined)?.values;
    if (data) {
      const xs = new Map(series.map((s) => [s.name, s.xs]));
      const seen = new Map<string, number>();
      for (const row of data) {
        const i = seen.get(row.serie) ?? 0;
        seen.set(row.serie, i + 1);
        row.x = xs.get(row.serie)?.[i] ?? row.x;
      }
      const enc = spec.encoding as { x?: { axis?: Record<string, unknown> } } | undefined;
      if (enc?.x) enc.x.axis = { format: "d" };
      if (series.some((s) => s.values.length > 40)) spec.mark = { type: "line", point: false };
    }
    if (bucket > 1) {
      const t = (spec.title ?? { text: this.opts.title ?? "" }) as { text: string; subtitle?: string[] };
      spec.title = { ...t, subtitle: [...(t.subtitle ?? []), `cada punto promedia ${bucket} valores consecutivos`] };
    }
    let text = seriesText(series, opts);
    if (bucket > 1) text += `\n(cada punto promedia ${bucket} valores consecutivos)`;
    return { spec, text };
  }

  private send(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const { spec, text } = this.chart();
    const elapsed = this.now() - this.start;
    // Re-render the PNG only while PNG work (including this render) stays within budget of the wall
    // time so far.
    const estimate = this.pngRenders > 0 ? this.pngMs / this.pngRenders : typicalPngMs();
    if (this.pngBudget > 0 && this.pngMs + estimate <= this.pngBudget * elapsed) {
      const t0 = this.now();
      try {
        const r = renderPng(spec);
        this.lastPng = { data: r.png.toString("base64"), width: Math.round(r.width), height: Math.round(r.height) };
      } catch {
        // The final close() reports a rendering problem (with its warning); live updates stay quiet.
      }
      this.pngMs += this.now() - t0;
      this.pngRenders++;
    }
    showChart(spec, text, { displayId: this.displayId, update: true, png: false, previousPng: this.lastPng });
  }
}

/** A live loss chart (see LiveLossChart). */
export function liveLossChart(opts: LiveChartOptions = {}): LiveLossChart {
  return new LiveLossChart(opts);
}
