/**
 * Rich output for notebooks: one `display_data` message carrying a whole MIME bundle.
 *
 * tslab 1.0.x's public `display.raw` sends one MIME type per message, so a chart would arrive as
 * several outputs. The kernel's own writer (`lastWriteDisplayData` in tslab/dist/jupyter.js, reset
 * for every execute request so outputs land in the running cell) takes a whole bundle. We find the
 * kernel's live copy of that module in `require.cache` (whatever path the kernel was started from;
 * a plain `require("tslab/dist/jupyter")` from this package could load a second, unconnected copy).
 *
 * Fallbacks, in order:
 *   1. kernel writer found          -> one display_data / update_display_data with the whole bundle
 *   2. inside tslab, writer missing -> tslab's public API, one MIME type (PNG if present, it renders
 *      in every front end; else text/plain); warns once on stderr that tslab's internals changed
 *   3. not in a kernel              -> the text/plain part on stdout (updates print nothing)
 * Tests and tools can capture every message with `setDisplaySink`.
 */
import * as path from "node:path";
import { randomBytes } from "node:crypto";

export type MimeBundle = Record<string, unknown>;

/** The content of a Jupyter display_data / update_display_data message. */
export interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/** Receives each message; `update` selects update_display_data. */
export type DisplaySink = (msg: DisplayMessage, update: boolean) => void;

export interface DisplayOptions {
  /** Transient display id: later calls with the same id and `update: true` replace the output. */
  displayId?: string;
  /** Send update_display_data for `displayId` instead of a new display_data. */
  update?: boolean;
  /** Per-MIME metadata, e.g. {"image/png": {width, height}}. */
  metadata?: Record<string, unknown>;
}

interface TslabJupyter {
  lastWriteDisplayData: DisplaySink | null;
}
interface TslabDisplay {
  raw(contentType: string, b: string | Uint8Array): void;
}
interface TslabPublic {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}
interface TslabGlobal {
  require?: (id: string) => unknown;
}

const JUPYTER_SUFFIX = path.join("tslab", "dist", "jupyter.js");
let cachedJupyter: TslabJupyter | null = null;

/** The kernel's live tslab/dist/jupyter module (the one whose writer is set), or null. */
function kernelJupyter(): TslabJupyter | null {
  if (cachedJupyter !== null && typeof cachedJupyter.lastWriteDisplayData === "function") return cachedJupyter;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!file.endsWith(JUPYTER_SUFFIX) || mod === undefined) continue;
    const exp = mod.exports as Partial<TslabJupyter> | undefined;
    if (exp && typeof exp.lastWriteDisplayData === "function") {
      cachedJupyter = exp as TslabJupyter;
      return cachedJupyter;
    }
  }
  return null;
}

/** tslab's public module as the running kernel sees it (its `require("tslab")` hook), or null. */
function tslabPublic(): TslabPublic | null {
  const t = (globalThis as { __tslab__?: TslabGlobal }).__tslab__;
  if (t === undefined || typeof t.require !== "function") return null;
  try {
    const mod = t.require("tslab") as Partial<TslabPublic> | null;
    return mod && mod.display && typeof mod.newDisplay === "function" ? (mod as TslabPublic) : null;
  } catch {
    return null;
  }
}

let sink: DisplaySink | null = null;

/** Capture every display message (tests, tools). Pass null to restore the default. Returns the previous sink. */
export function setDisplaySink(s: DisplaySink | null): DisplaySink | null {
  const prev = sink;
  sink = s;
  return prev;
}

export type DisplayMode = "sink" | "kernel" | "kernel-public" | "text";

/** Where `displayBundle` sends output right now. */
export function displayMode(): DisplayMode {
  if (sink !== null) return "sink";
  if (kernelJupyter() !== null) return "kernel";
  // (tslab's REPL also has a public API, whose display throws "Not ready": displayBundle then prints.)
  return tslabPublic() !== null ? "kernel-public" : "text";
}

/** True when output goes to a notebook (a tslab kernel is executing, or a sink stands in for it). */
export function inKernel(): boolean {
  return displayMode() !== "text";
}

/** A fresh transient display id (hex, like tslab's own). */
export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

let warnedPublic = false;
const publicDisplays = new Map<string, TslabDisplay>();

function textOf(bundle: MimeBundle): string {
  const t = bundle["text/plain"];
  return typeof t === "string" ? t : "";
}

/**
 * Shows `bundle` as ONE output. With `displayId`, later calls with the same id and `update: true`
 * replace that output in place (Jupyter `update_display_data`); a notebook executed by nbconvert
 * keeps the last state.
 */
export function displayBundle(bundle: MimeBundle, opts: DisplayOptions = {}): void {
  const msg: DisplayMessage = {
    data: bundle,
    metadata: opts.metadata ?? {},
    transient: opts.displayId ? { display_id: opts.displayId } : {},
  };
  const update = !!opts.update && !!opts.displayId;
  if (sink !== null) {
    sink(msg, update);
    return;
  }
  const jupyter = kernelJupyter();
  if (jupyter !== null && jupyter.lastWriteDisplayData !== null) {
    sendOrQueue(jupyter, msg, update);
    return;
  }
  const pub = tslabPublic();
  if (pub !== null && sendPublic(pub, bundle, opts.displayId)) return;
  if (!update) process.stdout.write(textOf(bundle) + "\n");
}

/*
 * tslab sends on its iopub socket without waiting (zeromq.js). While the event loop is blocked — a
 * training loop that never awaits — zeromq cannot finish sends, and after ~500 messages its next
 * send throws "Socket is busy writing"; thrown inside the cell, the error itself cannot be sent and
 * the cell is silently abandoned (seen at batch 168 of the seed's first Seq2Seq epoch). Display
 * messages that hit a busy socket are therefore queued (an update replaces the queued update of the
 * same display) and sent as soon as the event loop runs again; `afterDisplay()` gives loops a way
 * to let it run.
 */
const queue: Array<{ msg: DisplayMessage; update: boolean }> = [];
let draining = false;
let drained: Array<() => void> = [];

function isBusy(e: unknown): boolean {
  return e instanceof Error && /busy writing/i.test(e.message);
}

function sendOrQueue(jupyter: TslabJupyter, msg: DisplayMessage, update: boolean): void {
  if (queue.length === 0) {
    try {
      jupyter.lastWriteDisplayData?.(msg, update);
      return;
    } catch (e) {
      if (!isBusy(e)) throw e;
    }
  }
  const id = msg.transient.display_id;
  const i = update && id !== undefined ? queue.findIndex((q) => q.update && q.msg.transient.display_id === id) : -1;
  if (i >= 0) queue[i] = { msg, update };
  else queue.push({ msg, update });
  if (!draining) {
    draining = true;
    setImmediate(() => drain(jupyter));
  }
}

function drain(jupyter: TslabJupyter): void {
  while (queue.length > 0) {
    try {
      jupyter.lastWriteDisplayData?.(queue[0].msg, queue[0].update);
    } catch (e) {
      if (!isBusy(e)) {
        queue.shift(); // not a transport problem: drop it rather than retry forever
        continue;
      }
      setTimeout(() => drain(jupyter), 20);
      return;
    }
    queue.shift();
  }
  draining = false;
  for (const resolve of drained.splice(0)) resolve();
}

/** Display messages waiting for the kernel's socket (tests). */
export function queuedDisplays(): number {
  return queue.length;
}

/**
 * Resolves after one turn of the event loop when `sent` (a display was just sent; if displays are
 * waiting for a busy socket, once they are all sent), else at once: a
 * training loop that does `await bar.update(...)` lets the kernel deliver its output every
 * `intervalMs` at the cost of one setImmediate.
 */
export function afterDisplay(sent: boolean): Promise<void> {
  if (!sent || !inKernel()) return Promise.resolve();
  // Messages waiting for a busy socket: wait until they are out, so the loop never piles up more.
  if (queue.length > 0) return new Promise((resolve) => drained.push(resolve));
  return new Promise((resolve) => setImmediate(resolve));
}

/** Fallback 2; false when tslab's display is not connected (its REPL throws "Not ready"). */
function sendPublic(pub: TslabPublic, bundle: MimeBundle, displayId: string | undefined): boolean {
  try {
    let target = pub.display;
    if (displayId) {
      // tslab's Display object turns its later calls into updates by itself.
      let d = publicDisplays.get(displayId);
      if (d === undefined) {
        d = pub.newDisplay();
        publicDisplays.set(displayId, d);
      }
      target = d;
    }
    const png = bundle["image/png"];
    if (typeof png === "string") target.raw("image/png", Buffer.from(png, "base64"));
    else target.raw("text/plain", textOf(bundle));
  } catch {
    return false;
  }
  if (!warnedPublic) {
    warnedPublic = true;
    console.warn("lab4: tslab cambió sus funciones internas; los gráficos se muestran con un solo formato (PNG o texto)");
  }
  return true;
}
