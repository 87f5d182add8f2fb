/**
 * A standalone HTML report of an executed lab notebook: run facts (profile, backend, time), the
 * marks (total, per part, failed checks, a chart), errors the kernel printed, every chart the
 * notebook drew (its PNG, embedded) and the time of each cell. One file, no external resources.
 *
 *   tsx scripts/report.ts <executed.ipynb> [--out report.html] [--profile full|quick] [--seconds N]
 *
 * Parts are the notebook's level-2 headings ("## Parte 1 - Word2Vec"); checks before the first one
 * count for "Inicio". Marks come from the machine-readable markers the checks print (grading/runtime/marker.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readNotebook, cellMarkers, collectMarks, cellSource, joinText, outputText, Notebook, NotebookCell } from "../grading/notebook";
import { marksSummarySpec, PartMarks } from "../lib/plot/marks";
import { renderPng } from "../lib/plot/render";

export interface ReportOptions {
  /** Executed notebook (.ipynb). */
  notebook: string;
  /** Output HTML file. */
  out: string;
  /** Profile the run used (else read from the notebook's "Perfil: ..." line). */
  profile?: string;
  /** Wall time of the whole execution in seconds (else the sum of cell times). */
  seconds?: number;
  /** The command that produced the run, shown in the report. */
  command?: string;
  /** When the run started (default: the first cell's start). */
  started?: Date;
}

export interface ReportSummary {
  out: string;
  bytes: number;
  charts: number;
  earned: number;
  possible: number;
  /** Cells whose code failed (not counting failed checks). */
  errors: number;
  failedChecks: number;
  profile: string;
  backend: string;
  peakRssBytes: number | null;
}

interface Chart {
  cell: number;
  cellId: string;
  section: string;
  png: string;
  width?: number;
  height?: number;
  alt: string;
}

interface CellError {
  cell: number;
  cellId: string;
  text: string;
  /** The cell's check failed (its error is the check's AssertionError), as opposed to code that broke. */
  failedCheck: boolean;
}

interface FailedCheck {
  cellId: string;
  part: string;
  marks: number;
  error: string;
}

interface CellTime {
  cell: number;
  cellId: string;
  firstLine: string;
  seconds: number | null;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function cellId(cell: NotebookCell, i: number): string {
  return cell.id ?? `celda ${i}`;
}

/** Level-2 heading of a markdown cell, if any. */
function heading(cell: NotebookCell): string | null {
  if (cell.cell_type !== "markdown") return null;
  const m = /^##\s+(.+?)\s*$/m.exec(cellSource(cell));
  return m ? m[1] : null;
}

/** Section (last level-2 heading, or "Inicio") of every cell. */
function sections(nb: Notebook): string[] {
  let cur = "Inicio";
  return nb.cells.map((c) => (cur = heading(c) ?? cur));
}

function seconds(cell: NotebookCell): number | null {
  const ex = (cell.metadata as { execution?: Record<string, string> }).execution;
  if (!ex) return null;
  const a = Date.parse(ex["iopub.status.busy"] ?? ex["iopub.execute_input"] ?? "");
  const b = Date.parse(ex["iopub.status.idle"] ?? ex["shell.execute_reply"] ?? "");
  return Number.isFinite(a) && Number.isFinite(b) && b >= a ? (b - a) / 1000 : null;
}

function firstMatch(nb: Notebook, re: RegExp): string[] {
  const found = new Set<string>();
  for (const c of nb.cells) for (const o of c.outputs ?? []) for (const m of outputText(o).matchAll(re)) found.add(m[1].trim());
  return [...found];
}

export interface ReportData {
  profile: string;
  backend: string;
  earned: number;
  possible: number;
  parts: PartMarks[];
  failed: FailedCheck[];
  errors: CellError[];
  charts: Chart[];
  times: CellTime[];
  totalSeconds: number;
  started: Date | null;
  /** The kernel's peak resident memory (the notebook driver, grading/grade/driver.py), if it was measured. */
  peakRssBytes: number | null;
}

/** Everything the report shows, read from an executed notebook. */
export function collectReport(nb: Notebook, opts: Pick<ReportOptions, "profile" | "seconds" | "started"> = {}): ReportData {
  const sec = sections(nb);
  const summary = collectMarks(nb);
  const parts = new Map<string, PartMarks>();
  for (const c of summary.checks) {
    const name = sec[c.cell];
    let p = parts.get(name);
    if (!p) parts.set(name, (p = { name, earned: 0, possible: 0, checks: 0, failed: 0 }));
    p.checks++;
    p.possible += c.marks;
    if (c.correct) p.earned += c.marks;
    else if (c.marks > 0) p.failed++;
  }
  const failed: FailedCheck[] = [];
  const errors: CellError[] = [];
  const charts: Chart[] = [];
  const times: CellTime[] = [];
  let firstStart: number | null = null;
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const id = cellId(cell, i);
    let wrong = false;
    for (const m of cellMarkers(cell))
      if (m.id === "WRONGMARK") {
        wrong = true;
        failed.push({ cellId: id, part: sec[i], marks: m.total, error: m.error ?? "" });
      }
    const errText = (cell.outputs ?? [])
      .filter((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr"))
      .map((o) => (o.output_type === "error" ? `${o.ename}: ${o.evalue}` : joinText(o.text)))
      .join("");
    if (errText.trim()) errors.push({ cell: i, cellId: id, text: errText, failedCheck: wrong });
    for (const o of cell.outputs ?? []) {
      const png = o.data?.["image/png"];
      if ((o.output_type === "display_data" || o.output_type === "execute_result") && typeof png === "string") {
        const meta = (o.metadata?.["image/png"] ?? {}) as { width?: number; height?: number };
        charts.push({
          cell: i,
          cellId: id,
          section: sec[i],
          png: png.replace(/\s+/g, ""),
          width: meta.width,
          height: meta.height,
          alt: joinText(o.data?.["text/plain"]),
        });
      }
    }
    const ex = (cell.metadata as { execution?: Record<string, string> }).execution;
    const start = ex ? Date.parse(ex["iopub.status.busy"] ?? "") : NaN;
    if (Number.isFinite(start) && (firstStart === null || start < firstStart)) firstStart = start;
    times.push({
      cell: i,
      cellId: id,
      firstLine:
        cellSource(cell)
          .split("\n")
          .find((l) => l.trim()) ?? "",
      seconds: seconds(cell),
    });
  });
  const profileLine = firstMatch(nb, /^Perfil: (.+)$/gm)[0];
  const profile = opts.profile ?? (profileLine ? profileLine.split(" ")[0] : "desconocido");
  const backend = firstMatch(nb, /^Using: (.+)$/gm).join("; ") || "no informado (el notebook no llamó a describeDevice())";
  const totalSeconds = opts.seconds ?? times.reduce((s, t) => s + (t.seconds ?? 0), 0);
  const peak = (nb.metadata as { lab4?: { kernel_peak_rss_bytes?: unknown } } | undefined)?.lab4?.kernel_peak_rss_bytes;
  return {
    profile,
    backend,
    earned: summary.earned,
    possible: summary.possible,
    parts: [...parts.values()],
    failed,
    errors,
    charts,
    times,
    totalSeconds,
    started: opts.started ?? (firstStart === null ? null : new Date(firstStart)),
    peakRssBytes: typeof peak === "number" && Number.isFinite(peak) && peak > 0 ? peak : null,
  };
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const CSS = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#111827;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #e5e7eb;padding-bottom:.2em;margin-top:1.8em}
.banner{padding:.7em 1em;border-radius:6px;margin:1em 0;font-weight:bold}
.quick{background:#fef3c7;border:2px solid #d97706;color:#92400e}.full{background:#dcfce7;border:2px solid #16a34a;color:#14532d}
.bad{background:#fee2e2;border:2px solid #dc2626;color:#7f1d1d}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.3em 1.2em}dl.facts dt{font-weight:bold}dl.facts dd{margin:0}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #d1d5db;padding:.3em .7em;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.failed td{background:#fef2f2}
figure{margin:1.2em 0;padding:.6em;border:1px solid #e5e7eb;border-radius:6px}figure img{max-width:100%;height:auto;display:block}
figcaption{color:#4b5563;font-size:.9em;margin-top:.4em}
pre{background:#f9fafb;border:1px solid #e5e7eb;padding:.6em;overflow-x:auto;font-size:.85em;white-space:pre-wrap}
.total{font-size:1.3em;font-weight:bold}code{font-size:.9em}`;

/** The report's HTML. */
export function reportHtml(d: ReportData, opts: { notebook?: string; command?: string } = {}): string {
  const pct = d.possible > 0 ? ((100 * d.earned) / d.possible).toFixed(1) : "0.0";
  const out: string[] = [];
  out.push(
    `<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
  );
  out.push(`<title>Laboratorio 4 — reporte (${esc(d.profile)})</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>Laboratorio 4 — reporte de ejecución</h1>`);
  const broken = d.errors.filter((e) => !e.failedCheck);
  if (d.profile === "quick")
    out.push(
      `<div class="banner quick" id="profile">Perfil REDUCIDO (quick): menos datos y épocas en la Parte 2, solo para una revisión ` +
        `rápida. Los resultados y puntos NO son los de una corrida completa.</div>`,
    );
  else if (d.profile === "full")
    out.push(`<div class="banner full" id="profile">Perfil completo (full): el laboratorio tal como está escrito.</div>`);
  else out.push(`<div class="banner quick" id="profile">Perfil: ${esc(d.profile)}</div>`);
  if (broken.length)
    out.push(
      `<div class="banner bad">La ejecución falló en ${broken.length} celda(s) (no son verificaciones): ver <a ` +
        `href="#errors">Errores</a>.</div>`,
    );
  out.push(`<dl class="facts">`);
  const fact = (k: string, v: string) => out.push(`<dt>${k}</dt><dd>${v}</dd>`);
  fact("Puntos", `<span class="total" id="total">${d.earned} / ${d.possible} (${pct}%)</span>`);
  fact("Perfil", `<code>${esc(d.profile)}</code>`);
  fact("Backend", esc(d.backend));
  fact("Tiempo total", esc(duration(d.totalSeconds)));
  if (d.peakRssBytes !== null) fact("Memoria máxima del kernel", `<span id="peak-rss">${(d.peakRssBytes / 2 ** 30).toFixed(2)} GiB</span>`);
  if (d.started)
    fact(
      "Inicio",
      esc(
        d.started
          .toISOString()
          .replace("T", " ")
          .replace(/\.\d+Z$/, " UTC"),
      ),
    );
  if (opts.notebook) fact("Notebook", `<code>${esc(opts.notebook)}</code>`);
  if (opts.command) fact("Comando", `<code>${esc(opts.command)}</code>`);
  out.push(`</dl>`);

  out.push(`<section id="marks"><h2>Puntos por parte</h2>`);
  const withMarks = d.parts.filter((p) => p.possible > 0);
  try {
    const r = renderPng(marksSummarySpec(d.parts));
    out.push(
      `<figure class="chart" data-chart="marks"><img alt="${esc(`Puntos por parte: ${d.earned} / ${d.possible}`)}" ` +
        `width="${Math.round(r.width)}" height="${Math.round(r.height)}" src="data:image/png;base64,${r.png.toString("base64")}"></figure>`,
    );
  } catch (e) {
    out.push(`<p>(No se pudo dibujar la gráfica de puntos: ${esc(e instanceof Error ? e.message : String(e))})</p>`);
  }
  out.push(
    `<table id="marks-table"><thead><tr><th>Parte</th><th class="num">Obtenidos</th><th class="num">Posibles</th><th ` +
      `class="num">Verificaciones</th><th class="num">Fallidas</th></tr></thead><tbody>`,
  );
  for (const p of d.parts)
    out.push(
      `<tr${p.failed ? ' class="failed"' : ""}><td>${esc(p.name)}</td><td class="num">${p.earned}</td><td ` +
        `class="num">${p.possible}</td><td class="num">${p.checks}</td><td class="num">${p.failed}</td></tr>`,
    );
  out.push(
    `<tr><th>Total</th><th class="num">${d.earned}</th><th class="num">${d.possible}</th><th ` +
      `class="num">${d.parts.reduce((s, p) => s + p.checks, 0)}</th><th ` +
      `class="num">${d.parts.reduce((s, p) => s + p.failed, 0)}</th></tr></tbody></table>`,
  );
  if (withMarks.length === 0) out.push(`<p>No se encontró ninguna verificación con puntos en el notebook.</p>`);
  if (d.failed.length) {
    out.push(
      `<h3>Verificaciones fallidas</h3><table id="failed"><thead><tr><th>Celda</th><th>Parte</th><th ` +
        `class="num">Puntos</th><th>Error</th></tr></thead><tbody>`,
    );
    for (const f of d.failed)
      out.push(
        `<tr class="failed"><td><code>${esc(f.cellId)}</code></td><td>${esc(f.part)}</td><td ` +
          `class="num">${f.marks}</td><td>${esc(f.error)}</td></tr>`,
      );
    out.push(`</tbody></table>`);
  }
  out.push(`</section>`);

  if (d.errors.length) {
    out.push(
      `<section id="errors"><h2>Errores</h2><p>Lo que el kernel escribió en stderr (tslab informa así los errores de una celda).</p>`,
    );
    for (const e of d.errors) {
      const lines = e.text.split("\n");
      const shown = lines.length > 40 ? [...lines.slice(0, 40), `… (${lines.length - 40} líneas más)`] : lines;
      out.push(
        `<h3><code>${esc(e.cellId)}</code>${e.failedCheck ? " (verificación fallida)" : ""}</h3><pre>${esc(shown.join("\n"))}</pre>`,
      );
    }
    out.push(`</section>`);
  }

  out.push(`<section id="charts"><h2>Gráficos</h2>`);
  if (d.charts.length === 0) out.push(`<p>El notebook no produjo gráficos.</p>`);
  for (const c of d.charts) {
    const size = c.width && c.height ? ` width="${c.width}" height="${c.height}"` : "";
    const caption = c.alt.split("\n")[0];
    out.push(
      `<figure class="chart" data-chart="${esc(c.cellId)}"><img alt="${esc(c.alt)}"${size} src="data:image/png;base64,${c.png}">` +
        `<figcaption>${esc(c.section)} · celda <code>${esc(c.cellId)}</code>${caption ? ` · ${esc(caption)}` : ""}</figcaption></figure>`,
    );
  }
  out.push(`</section>`);

  out.push(
    `<section id="timings"><h2>Tiempos por celda</h2><table><thead><tr><th>Celda</th><th>Primera línea</th><th ` +
      `class="num">Tiempo</th></tr></thead><tbody>`,
  );
  for (const t of d.times)
    out.push(
      `<tr><td><code>${esc(t.cellId)}</code></td><td><code>${esc(t.firstLine.slice(0, 90))}</code></td><td ` +
        `class="num">${t.seconds === null ? "—" : esc(duration(t.seconds))}</td></tr>`,
    );
  out.push(`</tbody></table></section>`);
  out.push(
    `<footer><p style="color:#6b7280;font-size:.85em">Generado por scripts/report.ts a partir del notebook ` +
      `ejecutado.</p></footer></body></html>`,
  );
  return out.join("\n");
}

/** Reads the executed notebook and writes the report; returns what it wrote. */
export function writeReport(opts: ReportOptions): ReportSummary {
  const nb = readNotebook(opts.notebook);
  const d = collectReport(nb, opts);
  const html = reportHtml(d, { notebook: path.basename(opts.notebook), command: opts.command });
  fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  fs.writeFileSync(opts.out, html);
  return {
    out: path.resolve(opts.out),
    bytes: Buffer.byteLength(html),
    charts: d.charts.length,
    earned: d.earned,
    possible: d.possible,
    errors: d.errors.filter((e) => !e.failedCheck).length,
    failedChecks: d.failed.length,
    profile: d.profile,
    backend: d.backend,
    peakRssBytes: d.peakRssBytes,
  };
}

function main(argv: string[]): void {
  const args = [...argv];
  const take = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    args.splice(i, 2);
    return v;
  };
  const out = take("--out");
  const profile = take("--profile");
  const secs = take("--seconds");
  const [notebook, ...rest] = args;
  if (!notebook || rest.length)
    throw new Error("usage: tsx scripts/report.ts <executed.ipynb> [--out report.html] [--profile full|quick] [--seconds N]");
  const s = writeReport({
    notebook,
    out: out ?? path.join(path.dirname(notebook), "report.html"),
    profile,
    seconds: secs === undefined ? undefined : Number(secs),
  });
  console.log(`report: ${s.out} (${(s.bytes / 1024).toFixed(0)} KiB, ${s.charts} gráficos, ${s.earned}/${s.possible} puntos)`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
