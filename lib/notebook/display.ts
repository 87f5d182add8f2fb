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
  /**
   * A final state (a bar's or live chart's close()): sent now even while the event loop is blocked,
   * so the cell's output ends complete (messages still queued when a cell ends reach a live front
   * end, but not nbconvert's executed notebook).
   */
  final?: boolean;
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
    guardStreams();
    const write = jupyter.lastWriteDisplayData;
    sendOrQueue(() => write(msg, update), update ? opts.displayId : undefined, !!opts.final);
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
 * the cell is silently abandoned (seen at batch 168 of the original lab's first Seq2Seq epoch). Display
 * messages that hit a busy socket are therefore queued (an update replaces the queued update of the
 * same display) and sent as soon as the event loop runs again; `afterDisplay()` gives loops a way
 * to let it run.
 */
type Send = () => void;
const queue: Array<{ send: Send; displayId?: string }> = [];
let draining = false;
const drained: Array<() => void> = [];

function isBusy(e: unknown): boolean {
  return e instanceof Error && /busy writing/i.test(e.message);
}

/*
 * At most this many messages go out while the event loop is blocked (no macrotask has run since the
 * first of them); later ones wait in the queue (an update replacing the previous update of its
 * display) until the loop turns. Measured here: the socket went busy after ~500 messages, and once
 * busy it could stay so for the rest of the session (no later cell's output arrived).
 */
const MAX_SENDS_PER_TURN = 200;
let sentThisTurn = 0;
let turnPending = false;

function countSend(): void {
  sentThisTurn++;
  if (turnPending) return;
  turnPending = true;
  setImmediate(() => {
    turnPending = false;
    sentThisTurn = 0;
    if (queue.length > 0 && !draining) {
      draining = true;
      drain();
    }
  });
}

/**
 * Sends now, or queues behind earlier messages / a busy socket. `displayId`: an update that later
 * ones replace. `final`: send now (it supersedes any queued update of the same display).
 */
function sendOrQueue(send: Send, displayId?: string, final = false): void {
  if (final && displayId !== undefined) {
    const i = queue.findIndex((q) => q.displayId === displayId);
    if (i >= 0) queue.splice(i, 1);
  }
  if (final || (queue.length === 0 && sentThisTurn < MAX_SENDS_PER_TURN)) {
    try {
      send();
      countSend();
      return;
    } catch (e) {
      if (!isBusy(e)) throw e;
    }
  }
  const i = displayId !== undefined ? queue.findIndex((q) => q.displayId === displayId) : -1;
  if (i >= 0) queue[i] = { send, displayId };
  else queue.push({ send, displayId });
  if (!draining && !turnPending) {
    draining = true;
    setImmediate(drain);
  }
}

function drain(): void {
  while (queue.length > 0) {
    if (sentThisTurn >= MAX_SENDS_PER_TURN) {
      setTimeout(drain, 5);
      sentThisTurn = 0;
      return;
    }
    try {
      queue[0].send();
      sentThisTurn++;
    } catch (e) {
      if (!isBusy(e)) {
        queue.shift(); // not a transport problem: drop it rather than retry forever
        continue;
      }
      setTimeout(drain, 20);
      return;
    }
    queue.shift();
  }
  draining = false;
  for (const resolve of drained.splice(0)) resolve();
}

const GUARD = Symbol("lab4.streamGuard");
type Write = typeof process.stdout.write & { [GUARD]?: true };

/**
 * tslab installs its own process.stdout/stderr.write for each cell; a console.log that meets the busy
 * socket would throw inside the student's loop. Wrap the current writers so text waits in the same
 * queue (in order with the displays). Re-applied whenever a display is sent (new cell, new writer).
 */
function guardStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write as Write;
    if (write[GUARD]) continue;
    const guarded = function (this: unknown, ...args: Parameters<typeof process.stdout.write>): boolean {
      let result = true;
      sendOrQueue(() => {
        result = (write as (...a: unknown[]) => boolean).apply(stream, args);
      });
      return result;
    } as Write;
    guarded[GUARD] = true;
    stream.write = guarded;
  }
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
