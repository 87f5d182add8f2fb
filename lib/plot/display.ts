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
    jupyter.lastWriteDisplayData(msg, update);
    return;
  }
  const pub = tslabPublic();
  if (pub !== null && sendPublic(pub, bundle, opts.displayId)) return;
  if (!update) process.stdout.write(textOf(bundle) + "\n");
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
