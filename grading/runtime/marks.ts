// jhwutils.tick (johnhw/jhwutils, the 2019 version the lab was written against) in TypeScript:
//   marks(n, fn)       runs a check; shows "✓ [n marks]" or "Test failed ✘ [0/n] marks" and
//                      rethrows the failure (like `with tick.marks(n):`); async bodies too
//   resetMarks()       tick.reset_marks()
//   summariseMarks()   tick.summarise_marks(): "a / b marks (p%)"
//
// Output. Inside a tslab kernel the HTML is jhwutils' own, byte for byte, including its
// machine-readable comments <!--{id:"CORRECTMARK", marks:"n"}-->, <!--{id:"WRONGMARK", marks:"n"}-->
// and <!--{id:"TOTALMARK",marks:"a", available:"b"}  -->. Outside a kernel (tsx scripts, tests,
// tslab's REPL) the same result is printed as plain text.
//
// Machine-readable marker (grading/runtime/marker.ts, which also parses it). Every result also
// carries one single-line JSON marker, as the last line of the plain text and as an HTML comment:
//   [lab4-marks] {"id":"CORRECTMARK","marks":3,"total":3,"label":null,"seq":1}
//   [lab4-marks] {"id":"WRONGMARK","marks":0,"total":3,"label":null,"seq":2,"error":"AssertionError"}
//   [lab4-marks] {"id":"TOTALMARK","marks":3,"total":6,"percent":50}
//   in HTML: <!--[lab4-marks] {...}-->
// `marks` is awarded, `total` available, `seq` counts marks() calls since the last reset, `error`
// is the first line of the failure (<= 300 chars). Inside the JSON, '<', '>' and '-' in strings
// are \u-escaped, so the marker never ends an HTML comment early and is still plain JSON.
//
// The registry (totals) is lib/notebook/marks-registry.ts: process-global, shared with the
// library's marks summary chart.

import { formatFixed } from "./pyfloat";
import { formatMarker } from "./marker";
import { getMarks, marksRegistry as registry, type MarkEntry, type MarksOutput } from "../../lib/notebook/marks-registry";

export { formatMarker, MARKER_PREFIX, type Marker } from "./marker";
export { getMarks, type MarkEntry, type MarksOutput, type MarksTotals } from "../../lib/notebook/marks-registry";

// ---------------------------------------------------------------------------------------------
// Output: tslab kernel detection

interface TslabGlobal {
  require?: (id: string) => unknown;
}
interface TslabModule {
  display?: { html?: (s: string) => void };
}

/**
 * tslab's display.html as the running kernel sees it, or null outside tslab.
 * tslab evaluates cells with `globalThis.__tslab__.require`, which hooks require("tslab") to the
 * kernel's own module instance; a plain require("tslab") from this package could load a second
 * copy whose display is not connected ("Not ready").
 */
function tslabHtml(): ((s: string) => void) | null {
  const t = (globalThis as { __tslab__?: TslabGlobal }).__tslab__;
  if (t === undefined || typeof t.require !== "function") return null;
  try {
    const mod = t.require("tslab") as TslabModule;
    const display = mod.display;
    if (display === undefined || typeof display.html !== "function") return null;
    return (s: string) => display.html!(s);
  } catch {
    return null;
  }
}

function emit(html: string, text: string): void {
  const custom = registry().output;
  if (custom !== null) {
    // a custom output gets both forms and picks one
    custom.html(html);
    custom.text(text);
    return;
  }
  const show = tslabHtml();
  if (show !== null) {
    try {
      show(html);
      return;
    } catch {
      // tslab outside a kernel (its REPL) throws "Not ready": fall back to text
    }
  }
  process.stdout.write(text + "\n");
}

/**
 * Send results somewhere else (tests, tools): `output.html` and `output.text` both receive every
 * result. Pass null to restore the default (tslab HTML, else stdout). Returns the previous output.
 */
export function setMarksOutput(output: MarksOutput | null): MarksOutput | null {
  const r = registry();
  const prev = r.output;
  r.output = output;
  return prev;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** Python's "%d" (truncates a float). */
const pyD = (n: number): string => String(Math.trunc(n));

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function correctHtml(n: number, label: string | null): string {
  const lbl = label === null ? "" : `${escapeHtml(label)} `;
  return `
        <div class="alert alert-box alert-success">
        <h1> <!--{id:"CORRECTMARK", marks:"${pyD(n)}"}--> 
         ${lbl}✓ [${pyD(n)} marks] 
         </h1> </div>`;
}

function wrongHtml(n: number, label: string | null): string {
  const lbl = label === null ? "" : `${escapeHtml(label)} `;
  return `<hr style="height:10px;border:none;color:#f00;background-color:#f00;" />
        <div class="alert alert-box alert-danger">
        <h1> <!--{id:"WRONGMARK", marks:"${pyD(n)}"}--> ${lbl}Test failed ✘ [0/${pyD(n)}] marks  </h1> </div>`;
}

function totalHtml(achieved: number, available: number, percent: string): string {
  return `<!--{id:"TOTALMARK",marks:"${pyD(achieved)}", available:"${pyD(available)}"}  -->
        
        <h1> ${pyD(achieved)} / ${pyD(available)} marks (${percent}%) </h1>
        `;
}

function errorSummary(e: unknown): string {
  let s: string;
  if (e instanceof Error) s = e.message ? `${e.name}: ${e.message}` : e.name;
  else s = String(e);
  const first = s.split("\n", 1)[0]!;
  return first.length > 300 ? first.slice(0, 297) + "..." : first;
}

// ---------------------------------------------------------------------------------------------
// marks

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as { then?: unknown }).then === "function";
}

function succeed(entry: MarkEntry): void {
  entry.awarded = entry.total;
  const marker = formatMarker({ id: "CORRECTMARK", marks: entry.total, total: entry.total, label: entry.label, seq: entry.seq });
  const lbl = entry.label === null ? "" : `${entry.label} `;
  emit(`${correctHtml(entry.total, entry.label)}\n<!--${marker}-->`, `${lbl}✓ [${pyD(entry.total)} marks]\n${marker}`);
  registry().achieved += entry.total;
}

function fail(entry: MarkEntry, e: unknown): void {
  entry.awarded = 0;
  entry.error = errorSummary(e);
  const marker = formatMarker({
    id: "WRONGMARK",
    marks: 0,
    total: entry.total,
    label: entry.label,
    seq: entry.seq,
    error: entry.error,
  });
  const lbl = entry.label === null ? "" : `${entry.label} `;
  emit(`${wrongHtml(entry.total, entry.label)}\n<!--${marker}-->`, `${lbl}Test failed ✘ [0/${pyD(entry.total)}] marks\n${marker}`);
}

/**
 * `with tick.marks(n): ...` — runs `fn`; if it returns (or its promise resolves) the n marks are
 * awarded and "✓ [n marks]" is shown; if it throws (or rejects), "Test failed ✘ [0/n] marks" is
 * shown and the error is rethrown. The n marks count as available as soon as the call starts.
 * Returns fn's result (a Promise when fn returns one: await it).
 * An optional `label` is shown before the mark and recorded in the marker.
 */
export function marks<T>(n: number, fn: () => Promise<T>, label?: string): Promise<T>;
export function marks<T>(n: number, fn: () => T, label?: string): T;
export function marks<T>(n: number, fn: () => T | Promise<T>, label?: string): T | Promise<T> {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    throw new TypeError(`marks(n, fn): n must be a non-negative number of marks, got ${String(n)}`);
  }
  if (typeof fn !== "function") {
    throw new TypeError(`marks(n, fn): fn must be a function (the check to run), got ${typeof fn}`);
  }
  const r = registry();
  r.available += n;
  const entry: MarkEntry = { seq: r.entries.length + 1, label: label ?? null, total: n, awarded: null };
  r.entries.push(entry);
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (e) {
    fail(entry, e);
    throw e;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (v) => {
        succeed(entry);
        return v;
      },
      (e: unknown) => {
        fail(entry, e);
        throw e;
      },
    );
  }
  succeed(entry);
  return result;
}

/** tick.reset_marks(): forget all marks awarded and available so far. */
export function resetMarks(): void {
  const r = registry();
  r.achieved = 0;
  r.available = 0;
  r.entries = [];
}

/** tick.summarise_marks(): shows "a / b marks (p%)" with the TOTALMARK comment. */
export function summariseMarks(): void {
  const { marks: achieved, total, percent } = getMarks();
  const pct = formatFixed(percent, 1);
  const marker = formatMarker({ id: "TOTALMARK", marks: achieved, total, percent: Number(pct) });
  emit(`${totalHtml(achieved, total, pct)}\n<!--${marker}-->`, `${pyD(achieved)} / ${pyD(total)} marks (${pct}%)\n${marker}`);
}

// Snake-case names, as the Python lab calls them.
export { resetMarks as reset_marks, summariseMarks as summarise_marks };
