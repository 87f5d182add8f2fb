/**
 * Compute engine: picks the fastest working TensorFlow.js backend and patches what training
 * needs on it.
 *
 *   const info = await initBackend();   // idempotent; call it from every cell / test
 *   describeDevice();                   // prints "Using: cpu (TensorFlow.js wasm backend, SIMD, 2 threads, …)"
 *
 * Order: @tensorflow/tfjs-node-gpu → @tensorflow/tfjs-node → @tensorflow/tfjs-backend-wasm →
 * cpu; the first that loads and passes a self-test wins. `LAB4_BACKEND=tensorflow|wasm|cpu` (or
 * `initBackend({ backend })`) forces one and fails loudly if it cannot run.
 *
 * Importing this module (every `lab4` import does) runs ./setup: gradients and the cpu backend
 * are registered, so plain `tf` works without `initBackend` (see setup.ts).
 */
import "./setup";
import { installTapeMemoryFix } from "./tape-memory";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAMES, defaultCandidates, selectBackend, type BackendInfo, type BackendName } from "./backends";
import { silenceCpuNodeHint } from "./setup";
import { wantedWasmThreads } from "./wasm-threads";

export type { BackendInfo, BackendName, Candidate } from "./backends";
export { selectBackend, defaultCandidates, optionalRequire, GPU_GFLOPS_THRESHOLD, BACKEND_NAMES } from "./backends";
export { selfTest } from "./self-test";
export * from "./kernels";
export { silenceCpuNodeHint } from "./setup";
export { wantedWasmThreads, threadSupportProblem, WASM_THREADS_ENV, PINNED_TFJS_WASM, MAX_DEFAULT_WASM_THREADS } from "./wasm-threads";

export interface InitBackendOptions {
  /** Force a backend (overrides LAB4_BACKEND). */
  backend?: BackendName;
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

function requested(opts: InitBackendOptions): { only?: BackendName; forcedBy?: string } {
  wantedWasmThreads(); // a LAB4_WASM_THREADS that is not a thread count fails here, loudly
  if (opts.backend) {
    if (!BACKEND_NAMES.includes(opts.backend)) throw new Error(`unknown backend '${opts.backend}': use one of ${BACKEND_NAMES.join(", ")}`);
    return { only: opts.backend, forcedBy: `initBackend({ backend: "${opts.backend}" })` };
  }
  const env = process.env.LAB4_BACKEND?.trim();
  if (env) {
    if (!(BACKEND_NAMES as readonly string[]).includes(env))
      throw new Error(`LAB4_BACKEND=${env} is not a backend: use one of ${BACKEND_NAMES.join(", ")}`);
    return { only: env as BackendName, forcedBy: `LAB4_BACKEND=${env}` };
  }
  return {};
}

/**
 * Selects and initialises the backend once; later calls return the same info (re-activating it if
 * something switched tfjs to another backend). A call forcing a *different* backend switches.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const { only, forcedBy } = requested(opts);
  if (pending) {
    const info = await pending.catch(() => undefined);
    if (info && (!only || only === info.name)) {
      if (tf.getBackend() !== info.name) await tf.setBackend(info.name);
      return info;
    }
  }
  pending = selectBackend(defaultCandidates(), only, forcedBy);
  try {
    current = await pending;
  } catch (e) {
    pending = undefined;
    throw e;
  }
  silenceCpuNodeHint();
  // tfjs 4.22 keeps every intermediate gradient until a backward pass ends (past the lab's memory
  // budget for the original lab's Seq2Seq on the longest Multi30k batches); this frees each when dead.
  // Gradients are unchanged (test/nn/tape-memory.test.ts); false (no-op) if tfjs internals differ.
  installTapeMemoryFix();
  return current;
}

/** The info of the last successful `initBackend`, if any. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/**
 * One line like the original lab's `Using: cuda`, e.g. "Using: cpu (TensorFlow.js wasm backend, SIMD,
 * 2 threads, matmul on wasm (native BLAS: not built …))": the threads are the wasm kernels' own.
 */
export function deviceDescription(info: BackendInfo | undefined = current): string {
  if (!info) return `Using: cpu (TensorFlow.js ${tf.getBackend() ?? "cpu"} backend; initBackend() not called)`;
  const what = info.name === "tensorflow" ? "TensorFlow.js tensorflow backend" : `TensorFlow.js ${info.name} backend`;
  return `Using: ${info.device} (${[what, ...info.details].join(", ")})`;
}

/** Prints `deviceDescription()` (the original lab's `print("Using:", device)`) and returns the line. */
export function describeDevice(info: BackendInfo | undefined = current): string {
  const line = deviceDescription(info);
  console.log(line);
  return line;
}
