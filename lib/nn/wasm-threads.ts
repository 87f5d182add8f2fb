import * as tf from "@tensorflow/tfjs-core";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as wt from "worker_threads";

/*
 * Multi-threaded XNNPACK for tfjs-backend-wasm 4.22 in Node (opt-in, experimental).
 *
 * Why: the matmuls are ~85% of a Seq2Seq training step and wasm runs them on one core; XNNPACK can
 * split them over a pthread pool. tfjs disables threads in Node (flags_wasm.ts, tfjs #3830), and
 * forcing the flag fails because Emscripten's pthread workers are handed `blob:` URLs, which
 * worker_threads cannot load. Here, for the duration of the backend's initialisation:
 *   - `WASM_HAS_MULTITHREAD_SUPPORT` is forced true and `setThreadsCount(n)` requested;
 *   - Blobs built by the backend are written to temporary .cjs files, and the URLs handed out for
 *     them are those file paths (the worker script; the main script, prefixed with the bundler's
 *     `require$$N` aliases the factory body refers to);
 *   - backend.cc caps the pool at logical cores / 2 (1 on a 2-vCPU machine, cf. tfjs #8513): while
 *     the module instantiates, os.cpus() reports 2n entries.
 * After initialisation `finishWasmThreads()` restores the globals and unrefs the pthread workers
 * so Node can still exit when the program ends.
 *
 * It depends on internals of the pinned 4.22 bundle (checked: the factory's aliases, PThread's
 * worker lists); anything unexpected makes it a no-op or leaves one thread. This belongs with the
 * backend selection (lib/engine): it is here, self-contained, for the engine to call (see
 * bench/seq2seq.ts --threads).
 */

interface WasmBackendModule {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

interface TextBlobLike {
  lab4Text: string;
  lab4Path?: string;
}

let restore: (() => void) | null = null;

/**
 * Call BEFORE the wasm backend initialises (before `initBackend()`). Returns false (changing
 * nothing) if threads cannot be arranged (no SharedArrayBuffer, no wasm package, n < 2, backend
 * already initialised).
 */
export function enableWasmThreads(n = 2): boolean {
  if (!(n >= 2) || typeof SharedArrayBuffer === "undefined" || restore) return false;
  let wasm: WasmBackendModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when threads are wanted
    wasm = require("@tensorflow/tfjs-backend-wasm") as WasmBackendModule;
  } catch {
    return false;
  }
  // Already initialised (or initialising): too late. (tf.findBackend would itself start the init.)
  const engine = tf.engine() as unknown as { registry?: Record<string, unknown>; pendingBackendInit?: unknown };
  if (engine.registry?.wasm || engine.pendingBackendInit) return false;
  wasm.setThreadsCount(n);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-wasm-threads-"));
  const written = new Map<string, string>();
  let k = 0;
  const fileFor = (b: TextBlobLike): string => {
    if (b.lab4Path) return b.lab4Path;
    let text = b.lab4Text;
    if (text.startsWith("var WasmBackendModuleThreadedSimd"))
      text =
        "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), " +
        "require$$4 = require('os'), commonjsGlobal = globalThis;\n" +
        text;
    let file = written.get(text);
    if (!file) {
      file = path.join(dir, `part${k++}.cjs`);
      fs.writeFileSync(file, text);
      written.set(text, file);
    }
    b.lab4Path = file;
    return file;
  };

  const OrigBlob = globalThis.Blob;
  class TextBlob extends OrigBlob implements TextBlobLike {
    lab4Text: string;
    lab4Path?: string;
    constructor(parts?: Array<string | ArrayBuffer | Blob>, opts?: { type?: string }) {
      super(parts ?? [], opts);
      this.lab4Text = (parts ?? []).map((p) => (typeof p === "string" ? p : "")).join("");
    }
  }
  const isText = (b: unknown): b is TextBlobLike => b instanceof TextBlob;
  const origCreate = URL.createObjectURL;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to patch cpus (an import gives a copy)
  const osMod = require("os") as { cpus: typeof os.cpus };
  const origCpus = osMod.cpus;
  const origPost = wt.Worker.prototype.postMessage;

  (globalThis as { Blob: typeof Blob }).Blob = TextBlob as unknown as typeof Blob;
  URL.createObjectURL = (b: Blob): string => (isText(b) ? fileFor(b) : origCreate(b));
  osMod.cpus = () => {
    const c = origCpus();
    return Array.from({ length: 2 * n }, (_, i) => c[i % c.length]);
  };
  // Emscripten posts {cmd: "load", urlOrBlob: <main script Blob>} to each worker; give it the path.
  wt.Worker.prototype.postMessage = function (this: wt.Worker, msg: unknown, transfer?: readonly wt.TransferListItem[]) {
    const m = msg as { cmd?: string; urlOrBlob?: unknown } | null;
    if (m && m.cmd === "load" && isText(m.urlOrBlob)) m.urlOrBlob = fileFor(m.urlOrBlob);
    return origPost.call(this, msg, transfer as wt.TransferListItem[]);
  };
  restore = () => {
    (globalThis as { Blob: typeof Blob }).Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    osMod.cpus = origCpus;
    // postMessage stays wrapped (inert for anything but our marked blobs): workers may be loaded late.
  };
  return true;
}

/**
 * Call after the wasm backend is up: restores the patched globals and unrefs the pthread workers.
 * Returns the number of threads XNNPACK uses (1 if threads were not enabled or did not start).
 */
export function finishWasmThreads(): number {
  if (restore) {
    restore();
    restore = () => undefined; // enabling twice stays refused
  }
  const b = tf.findBackend("wasm") as unknown as
    | { wasm?: { PThread?: { unusedWorkers?: wt.Worker[]; runningWorkers?: wt.Worker[] } } }
    | null;
  const p = b?.wasm?.PThread;
  for (const w of [...(p?.unusedWorkers ?? []), ...(p?.runningWorkers ?? [])]) w.unref?.();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when threads are wanted
    return (require("@tensorflow/tfjs-backend-wasm") as WasmBackendModule).getThreadsCount();
  } catch {
    return 1;
  }
}
