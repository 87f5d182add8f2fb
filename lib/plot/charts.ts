/**
 * Vega-Lite charts for the lab (specs limited to what Vega-Lite 5 supports, which JupyterLab 4
 * renders natively), shown through `displayBundle` with a text/plain fallback.
 */
import { displayBundle, MimeBundle } from "./display";

export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";
const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export interface Series {
  name: string;
  values: number[];
  color?: string;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

export type VegaLiteSpec = Record<string, unknown>;

/** A line chart of one or more series against their index (epochs start at 0, as in the seed). */
export function lineChartSpec(series: Series[], opts: LineChartOptions = {}): VegaLiteSpec {
  const rows = series.flatMap((s) =>
    s.values.map((v, i) => ({ x: i, y: Number.isFinite(v) ? v : null, serie: s.name })),
  );
  const finite = rows.filter((r) => r.y !== null);
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    width: opts.width ?? 420,
    height: opts.height ?? 260,
    data: { values: rows },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: opts.xLabel ?? "Epoch", axis: { tickMinStep: 1 } },
      y: { field: "y", type: "quantitative", title: opts.yLabel ?? "", scale: { zero: false } },
      color: {
        field: "serie",
        type: "nominal",
        title: null,
        scale: { domain: series.map((s) => s.name), range: series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]) },
      },
    },
  };
  if (opts.title) spec.title = opts.title;
  if (finite.length === 0) {
    // No finite data: an explicit notice instead of an empty or broken chart.
    return {
      $schema: SCHEMA,
      width: opts.width ?? 420,
      height: 40,
      data: { values: [{ t: `${opts.title ?? "Gráfica"}: sin datos finitos para graficar` }] },
      mark: { type: "text", fontSize: 13 },
      encoding: { text: { field: "t", type: "nominal" } },
    };
  }
  return spec;
}

const PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"];

function textSummary(series: Series[], opts: LineChartOptions): string {
  const lines = [opts.title ?? `${opts.yLabel ?? ""} por ${opts.xLabel ?? "Epoch"}`.trim()];
  for (const s of series) lines.push(`${s.name}: ${s.values.map((v, i) => `${i}: ${v.toFixed(4)}`).join(", ")}`);
  return lines.join("\n");
}

/** The MIME bundle of a line chart (Vega-Lite + text). */
export function lineChartBundle(series: Series[], opts: LineChartOptions = {}): MimeBundle {
  return { [VEGALITE_MIME]: lineChartSpec(series, opts), "text/plain": textSummary(series, opts) };
}

/** The seed's loss plot: `plt.plot(epoch_, running_loss, 'r', label='Loss')`, x Epoch, y NLL. */
export function plotLoss(runningLoss: number[], opts: LineChartOptions & { label?: string } = {}): void {
  displayBundle(
    lineChartBundle([{ name: opts.label ?? "Loss", values: runningLoss, color: "#d62728" }], {
      xLabel: "Epoch",
      yLabel: "NLL",
      ...opts,
    }),
  );
}
