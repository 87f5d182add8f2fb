/**
 * Vega-Lite spec -> SVG (vega's SVG string renderer, no DOM, no canvas) -> PNG (@resvg/resvg-js,
 * prebuilt binaries, fonts from Debian's DejaVu), and the one helper every chart goes through:
 * `showChart` sends a single display_data whose bundle holds
 *   application/vnd.vegalite.v5+json  (JupyterLab renders it natively)
 *   image/png                         (classic Notebook, nbconvert HTML, GitHub: everything shows PNG)
 *   text/plain                        (terminals, and the text a reader without images gets)
 * and never text/html (JupyterLab would show the HTML instead of the chart).
 *
 * Rendering is synchronous on purpose: a cell that calls `plotLoss(x)` without `await` must still
 * get its output before the cell ends (output that arrives after the kernel goes idle is lost in
 * nbconvert). Vega evaluates a dataflow without external data synchronously; `renderSvg` checks
 * that and falls back to nothing rather than a half-drawn chart.
 *
 * vega, vega-lite and resvg load on first use, so `import "lab4"` stays fast.
 */
import * as fs from "node:fs";
import { displayBundle, MimeBundle } from "../notebook/display";

export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";
export const VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export type VegaLiteSpec = Record<string, unknown>;

// Minimal shapes of the parts of vega / vega-lite / resvg we use (their bundled types are not
// strict-clean across versions, and notebooks compile with TS 5.0).
interface VegaLogger {
  level(): number;
  level(l: number): VegaLogger;
  error(...args: unknown[]): VegaLogger;
  warn(...args: unknown[]): VegaLogger;
  info(...args: unknown[]): VegaLogger;
  debug(...args: unknown[]): VegaLogger;
}
interface VegaLiteModule {
  compile(spec: unknown, opts?: { logger?: VegaLogger }): { spec: unknown };
}
interface VegaView {
  run(): VegaView;
  padding(): { left: number; right: number; top: number; bottom: number };
  background(): unknown;
  loader(): unknown;
  scenegraph(): { root: unknown };
  finalize(): void;
  _viewWidth: number;
  _viewHeight: number;
  _origin: [number, number];
  _pending?: unknown;
  _pulse?: unknown;
}
interface SvgRenderer {
  initialize(el: null, w: number, h: number, origin: [number, number], scale: number): SvgRenderer;
  background(bg: unknown): SvgRenderer;
  render(scene: unknown): SvgRenderer;
  svg(): string | null;
}
interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: string; logger: VegaLogger; logLevel: number }) => VegaView;
  SVGStringRenderer: new (loader: unknown) => SvgRenderer;
  Warn: number;
}
interface ResvgModule {
  Resvg: new (
    svg: string,
    opts: {
      fitTo: { mode: "zoom"; value: number };
      background: string;
      font: { loadSystemFonts: boolean; fontFiles: string[]; defaultFontFamily: string; sansSerifFamily: string };
    },
  ) => { render(): { asPng(): Buffer; width: number; height: number } };
}

let vegaLite: VegaLiteModule | null = null;
let vega: VegaModule | null = null;
let resvg: ResvgModule | null = null;

/** A vega logger that keeps messages instead of printing them (no console noise in notebooks). */
function collectingLogger(into: string[]): VegaLogger {
  let lvl = 2;
  const logger: VegaLogger = {
    level: ((l?: number) => {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    }) as VegaLogger["level"],
    error: (...a: unknown[]) => (into.push(a.map(String).join(" ")), logger),
    warn: (...a: unknown[]) => (into.push(a.map(String).join(" ")), logger),
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

export interface SvgChart {
  svg: string;
  /** Size in CSS pixels. */
  width: number;
  height: number;
  /** Warnings vega-lite / vega reported (kept, not printed). */
  warnings: string[];
}

/** Compiles and renders a Vega-Lite spec to an SVG string, synchronously. Throws if it cannot. */
export function renderSvg(spec: VegaLiteSpec): SvgChart {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  vegaLite ??= require("vega-lite") as VegaLiteModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  vega ??= require("vega") as VegaModule;
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const compiled = vegaLite.compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger, logLevel: vega.Warn });
  try {
    if (view._pending) throw new Error("the chart loads external data (only inline data is supported)");
    view.run();
    // vega's evaluate() is async only when an operator awaits; then the scene would be incomplete.
    if (view._pulse) throw new Error("vega evaluated the chart asynchronously");
    // What view.toSVG() does, minus its awaits (see the test comparing both).
    const pad = view.padding();
    const width = Math.max(0, view._viewWidth + pad.left + pad.right);
    const height = Math.max(0, view._viewHeight + pad.top + pad.bottom);
    const origin: [number, number] = [pad.left + view._origin[0], pad.top + view._origin[1]];
    const svg = new vega.SVGStringRenderer(view.loader())
      .initialize(null, width, height, origin, 1)
      .background(view.background())
      .render(view.scenegraph().root)
      .svg();
    if (typeof svg !== "string" || !svg.startsWith("<svg")) throw new Error("vega produced no SVG");
    return { svg, width, height, warnings };
  } finally {
    view.finalize();
  }
}

const DEJAVU_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts/dejavu"];

let fontFiles: string[] | null = null;

/** DejaVu Sans (regular + bold: vega titles are bold), from Debian's fonts-dejavu-core. */
function dejavuFiles(): string[] {
  if (fontFiles !== null) return fontFiles;
  fontFiles = [];
  for (const dir of DEJAVU_DIRS) {
    const files = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) => `${dir}/${f}`).filter((f) => fs.existsSync(f));
    if (files.length > 0) {
      fontFiles = files;
      break;
    }
  }
  return fontFiles;
}

/** Rasterises an SVG (CSS size w×h) at `scale` device pixels per CSS pixel. */
export type Rasterizer = (svg: string, scale: number) => Buffer;

const resvgRasterizer: Rasterizer = (svg, scale) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  resvg ??= require("@resvg/resvg-js") as ResvgModule;
  const files = dejavuFiles();
  const r = new resvg.Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    // Without DejaVu installed, whatever the system has (text may then be missing, not wrong).
    font: { loadSystemFonts: files.length === 0, fontFiles: files, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return r.render().asPng();
};

let rasterizer: Rasterizer = resvgRasterizer;

/** Replace the rasteriser (tests of the failure path, tools). Pass null to restore resvg. Returns the previous one. */
export function setRasterizer(r: Rasterizer | null): Rasterizer {
  const prev = rasterizer;
  rasterizer = r ?? resvgRasterizer;
  return prev;
}

/** Device pixels per CSS pixel in the PNG: sharp on HiDPI screens; the size shown is set in metadata. */
export const PNG_SCALE = 2;

export interface PngChart extends SvgChart {
  png: Buffer;
}

// Typical wall time of one spec -> PNG render in this process (moving average; a prior of 150 ms
// before the first), so live charts can budget PNG refreshes before paying for one.
let typicalMs = 150;
let renders = 0;

/** Typical ms per PNG render so far in this process. */
export function typicalPngMs(): number {
  return typicalMs;
}

/** Spec -> SVG -> PNG. Throws if either step fails. */
export function renderPng(spec: VegaLiteSpec, scale = PNG_SCALE): PngChart {
  const t0 = performance.now();
  const s = renderSvg(spec);
  const out = { ...s, png: rasterizer(s.svg, scale) };
  const ms = performance.now() - t0;
  // the first render in a process also loads vega/resvg and fonts: not typical
  if (renders++ > 0) typicalMs = renders === 2 ? ms : 0.8 * typicalMs + 0.2 * ms;
  return out;
}

export interface ChartBundle {
  bundle: MimeBundle;
  metadata: Record<string, unknown>;
  /** Why the PNG is missing, if it is. */
  pngError?: string;
}

export interface BundleOptions {
  /** Include the PNG (default true). Live updates may skip it to stay cheap. */
  png?: boolean;
  /** A PNG rendered earlier for this chart, reused as is (live updates between re-renders). */
  previousPng?: { data: string; width: number; height: number };
}

let warnedRaster = false;

/**
 * The MIME bundle of a chart: Vega-Lite + PNG + text. If rendering the PNG fails the bundle keeps
 * Vega-Lite and text (the output is never lost), the text says why, and one warning goes to stderr
 * per process.
 */
export function chartBundle(spec: VegaLiteSpec, text: string, opts: BundleOptions = {}): ChartBundle {
  const bundle: MimeBundle = { [VEGALITE_MIME]: spec };
  const metadata: Record<string, unknown> = {};
  let pngError: string | undefined;
  if (opts.png ?? true) {
    try {
      const r = renderPng(spec);
      bundle["image/png"] = r.png.toString("base64");
      metadata["image/png"] = { width: Math.round(r.width), height: Math.round(r.height) };
    } catch (e) {
      pngError = e instanceof Error ? e.message : String(e);
      if (!warnedRaster) {
        warnedRaster = true;
        console.warn(`lab4: no se pudo generar la imagen PNG del gráfico (${pngError}); se muestra solo la versión Vega-Lite`);
      }
    }
  } else if (opts.previousPng) {
    bundle["image/png"] = opts.previousPng.data;
    metadata["image/png"] = { width: opts.previousPng.width, height: opts.previousPng.height };
  }
  bundle["text/plain"] = pngError === undefined ? text : `${text}\n(imagen no disponible: ${pngError})`;
  return { bundle, metadata, pngError };
}

export interface ShowChartOptions extends BundleOptions {
  displayId?: string;
  update?: boolean;
  /** A final state: see DisplayOptions.final. */
  final?: boolean;
}

/** The one display helper every chart goes through: ONE display_data (or update) per call. */
export function showChart(spec: VegaLiteSpec, text: string, opts: ShowChartOptions = {}): ChartBundle {
  const b = chartBundle(spec, text, opts);
  displayBundle(b.bundle, { metadata: b.metadata, displayId: opts.displayId, update: opts.update, final: opts.final });
  return b;
}
