import * as tf from "@tensorflow/tfjs-core";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as wt from "worker_threads";

/*
 * Multi-threaded XNNPACK for tfjs-backend-wasm in Node: the wasm backend's matrix products on a
 * pthread pool when the native GEMM is not loaded (lib/engine/backends.ts decides).
 *
 * Why: the matmuls are ~85% of a Seq2Seq training step and stock tfjs runs them on one core in
 * Node: it disables threads there (flags_wasm.ts, tfjs #3830), and forcing the flag fails because
 * Emscripten's pthread workers are handed `blob:` URLs, which worker_threads cannot load. Here,
 * for the duration of the backend's initialisation only:
 *   - `WASM_HAS_MULTITHREAD_SUPPORT` is forced true and `setThreadsCount(n)` requested;
 *   - Blobs built by the backend are written to temporary .cjs files, and the URLs handed out for
 *     them are those file paths (the worker script; the main script, prefixed with the bundle's
 *     top-level names its factory refers to: `require$$N` aliases, tslib helpers, commonjsGlobal);
 *   - backend.cc caps the pool at logical cores / 2: while the module instantiates, os.cpus()
 *     reports 2n entries.
 * Afterwards `finishWasmThreads()` restores the globals and unrefs the pthread workers (and makes
 * Emscripten's later `ref()` on them a no-op), so they never keep Node from exiting.
 *
 * XNNPACK splits a product by output tiles, never along K, so every element is the same sum in the
 * same order whatever the thread count (test/engine/wasm-threads.test.ts checks it bit for bit).
 *
 * It relies on internals of the pinned bundle; `threadSupportProblem` checks the version and every
 * internal it uses beforehand, and anything unexpected leaves the backend on one thread.
 */

/** The tfjs-backend-wasm release whose internals this file was written against. */
export const PINNED_TFJS_WASM = "4.22.0";
/** Threads for the wasm products: a whole number; 1 turns the pool off. */
export const WASM_THREADS_ENV = "LAB4_WASM_THREADS";
/** Default cap: the pinned bundle preallocates 8 pthread workers (Emscripten's pool). */
export const MAX_DEFAULT_WASM_THREADS = 8;

interface WasmBackendModule {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  version_wasm?: string;
}

interface TextBlobLike {
  lab4Text: string;
  lab4Path?: string;
}

/** Markers of the internals used here, each with what it stands for (for the notice). */
const MARKERS: Array<[string, string]> = [
  ["registerFlag('WASM_HAS_MULTITHREAD_SUPPORT'", "the WASM_HAS_MULTITHREAD_SUPPORT flag"],
  ['factoryConfig.mainScriptUrlOrBlob = new Blob(["var WasmBackendModuleThreadedSimd = "', "the threaded main-script Blob"],
  ["var blob = new Blob([response], { type: 'application/javascript' });", "the worker-script Blob"],
  ['"urlOrBlob": Module["mainScriptUrlOrBlob"]', "the workers' load message"],
  ["return require$$4.cpus().length;", "the logical-core count via os.cpus()"],
  ["var PThread = { unusedWorkers: [], runningWorkers: []", "Emscripten's PThread worker lists"],
];

const FACTORY_START = "var WasmBackendModuleThreadedSimd = (function () {";
const FACTORY_END = "module.exports = WasmBackendModuleThreadedSimd;";

/**
 * Why threads cannot be arranged for this tfjs-backend-wasm (`version`, its Node bundle's text),
 * or undefined when they can. Pure: tests call it with other versions and texts.
 */
export function threadSupportProblem(version: string | undefined, bundle: string | undefined): string | undefined {
  if (version !== PINNED_TFJS_WASM) return `tfjs-backend-wasm ${version ?? "(unknown version)"} is not the pinned ${PINNED_TFJS_WASM}`;
  if (bundle === undefined) return `tfjs-backend-wasm ${version}: its Node bundle cannot be read`;
  for (const [marker, what] of MARKERS) if (!bundle.includes(marker)) return `tfjs-backend-wasm ${version}: ${what} is not where expected`;
  const p = factoryPrelude(bundle);
  return "problem" in p ? `tfjs-backend-wasm ${version}: ${p.problem}` : undefined;
}

/**
 * The top-level declarations the threaded factory refers to, as a script prelude. The factory
 * runs apart from the bundle in each worker (it is handed to them as text), so the names it uses
 * from the bundle's scope (`require$$N` aliases, tslib helpers, commonjsGlobal) must come with it.
 */
function factoryPrelude(bundle: string): { prelude: string } | { problem: string } {
  const start = bundle.indexOf(FACTORY_START);
  const end = bundle.indexOf(FACTORY_END, start);
  if (start < 0 || end < 0) return { problem: "the threaded factory is not where expected" };
  const body = bundle.slice(start, end);
  const lines: string[] = [];
  const used = new Set(body.match(/\b(require\$\$\d+|__[a-zA-Z]+|commonjsGlobal)\b/g) ?? []);
  for (const name of [...used].sort()) {
    if (name === "commonjsGlobal") lines.push("var commonjsGlobal = globalThis;");
    else if (name.startsWith("require$$")) {
      const alias = new RegExp(`^var ${name.replace(/\$/g, "\\$")} = require\\('([^']+)'\\);$`, "m").exec(bundle);
      if (!alias) return { problem: `the threaded factory uses ${name}, not declared in the bundle` };
      lines.push(`var ${name} = require(${JSON.stringify(alias[1])});`);
    } else {
      // a tslib helper: a top-level `function __x(...) {` closed by a `}` in column 0 (other
      // `__` names are CommonJS's own, like __dirname, or properties)
      const helper = new RegExp(`^function ${name}\\([^)]*\\) \\{\\n[\\s\\S]*?\\n\\}$`, "m").exec(bundle);
      if (helper) lines.push(helper[0]);
    }
  }
  return { prelude: lines.join("\n") + "\n" };
}

/**
 * The thread count asked for: `LAB4_WASM_THREADS` when set (a whole number >= 1), else the logical
 * cores, at most MAX_DEFAULT_WASM_THREADS. Throws on a value that is not a thread count.
 */
export function wantedWasmThreads(env: NodeJS.ProcessEnv = process.env, cores: number = os.availableParallelism()): number {
  const raw = env[WASM_THREADS_ENV]?.trim();
  if (raw) {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !(n >= 1 && n <= 64))
      throw new Error(`${WASM_THREADS_ENV}=${raw} is not a thread count: use a whole number from 1 (off) to 64`);
    return n;
  }
  return Math.max(1, Math.min(cores, MAX_DEFAULT_WASM_THREADS));
}

function wasmModule(): WasmBackendModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when threads are wanted
    return require("@tensorflow/tfjs-backend-wasm") as WasmBackendModule;
  } catch {
    return undefined;
  }
}

function bundleText(): string | undefined {
  try {
    return fs.readFileSync(require.resolve("@tensorflow/tfjs-backend-wasm"), "utf8");
  } catch {
    return undefined;
  }
}

let restore: (() => void) | null = null;
let pending = false;
/** Removes the worker files; undefined once done. */
let removeFiles: (() => void) | undefined;

/**
 * Call BEFORE the wasm backend initialises. Arranges an n-thread pool and returns undefined, or
 * changes nothing and returns why not (n < 2, no SharedArrayBuffer, tfjs internals not the pinned
 * ones, backend already initialised, called before).
 */
export function enableWasmThreads(n: number): string | undefined {
  if (!(Number.isInteger(n) && n >= 2)) return `${n} thread${n === 1 ? "" : "s"} asked for`;
  if (restore) return "already arranged once in this process";
  if (typeof SharedArrayBuffer === "undefined") return "no SharedArrayBuffer in this JavaScript runtime";
  const wasm = wasmModule();
  if (!wasm) return "@tensorflow/tfjs-backend-wasm is not installed";
  const bundle = bundleText();
  const problem = threadSupportProblem(wasm.version_wasm, bundle);
  if (problem) return problem;
  if (typeof wasm.setThreadsCount !== "function" || typeof wasm.getThreadsCount !== "function")
    return "tfjs-backend-wasm has no setThreadsCount/getThreadsCount";
  // Already initialised (or initialising): too late. (tf.findBackend would itself start the init.)
  const engine = tf.engine() as unknown as { registry?: Record<string, unknown>; pendingBackendInit?: unknown };
  if (engine.registry?.wasm || engine.pendingBackendInit) return "the wasm backend is already initialised";
  const p = factoryPrelude(bundle as string);
  if ("problem" in p) return p.problem;
  const prelude = p.prelude;

  wasm.setThreadsCount(n);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-wasm-threads-"));
  const written = new Map<string, string>();
  let k = 0;
  const fileFor = (b: TextBlobLike): string => {
    if (b.lab4Path) return b.lab4Path;
    let text = b.lab4Text;
    if (text.startsWith("var WasmBackendModuleThreadedSimd")) text = prelude + text;
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
  // Emscripten posts {cmd: "load", urlOrBlob: <main script Blob>} to each pthread worker, also to
  // one it starts late: give it the file. During initialisation the workers stay referenced (the
  // backend's start awaits their "loaded" messages); one started later never holds the process.
  wt.Worker.prototype.postMessage = function (this: wt.Worker, msg: unknown, transfer?: readonly wt.TransferListItem[]) {
    const m = msg as { cmd?: string; urlOrBlob?: unknown } | null;
    if (m && m.cmd === "load" && isText(m.urlOrBlob)) {
      m.urlOrBlob = fileFor(m.urlOrBlob);
      if (!pending) neverHoldsProcess(this);
    }
    return origPost.call(this, msg, transfer as wt.TransferListItem[]);
  };
  restore = () => {
    (globalThis as { Blob: typeof Blob }).Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    osMod.cpus = origCpus;
    // postMessage stays wrapped (inert for anything but our marked blobs): workers may load late.
  };
  const onExit = () => fs.rmSync(dir, { recursive: true, force: true });
  process.once("exit", onExit);
  removeFiles = () => {
    process.removeListener("exit", onExit);
    onExit();
    removeFiles = undefined;
  };
  pending = true;
  return undefined;
}

/** Unrefs a pthread worker; Emscripten refs one while it runs a thread (XNNPACK's never end). */
function neverHoldsProcess(w: wt.Worker): void {
  w.unref();
  Object.defineProperty(w, "ref", { configurable: true, writable: true, value: () => w });
}

/**
 * Call after the wasm backend's initialisation (successful or not) when `enableWasmThreads`
 * arranged threads: restores the patched globals and unrefs the pthread workers. Returns the
 * number of threads XNNPACK uses (1 if threads were not arranged or did not start). After a
 * failed initialisation the next one is single-threaded.
 */
export function finishWasmThreads(): number {
  if (pending) {
    restore?.();
    pending = false;
  }
  // The registry, not tf.findBackend: that would start another initialisation after a failed one.
  const registry = (tf.engine() as unknown as { registry?: Record<string, unknown> }).registry;
  const b = registry?.wasm as { wasm?: { PThread?: { unusedWorkers?: wt.Worker[]; runningWorkers?: wt.Worker[] } } } | undefined;
  if (!b) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    wasmModule()?.setThreadsCount(1);
    return 1;
  }
  const p = b.wasm?.PThread;
  const workers = [...(p?.unusedWorkers ?? []), ...(p?.runningWorkers ?? [])];
  for (const w of workers) neverHoldsProcess(w);
  // Each worker reads the files when it loads, and the start awaits all of them; XNNPACK starts no
  // thread later, so the files are needed again only if a worker is still loading (else at exit).
  if (workers.length > 0 && workers.every((w) => (w as { loaded?: boolean }).loaded === true)) removeFiles?.();
  try {
    return wasmModule()?.getThreadsCount() ?? 1;
  } catch {
    return 1;
  }
}
