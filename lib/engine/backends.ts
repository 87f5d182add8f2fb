import * as tf from "@tensorflow/tfjs-core";
import { installCpuKernelFixes, installWasmKernelFixes, nativeBlasStatus, wasmLoopsFor } from "./kernels";
import { selfTest } from "./self-test";
import { installHeapGrowth, wasmHeapMemory } from "./heap-growth";
import { enableWasmThreads, finishWasmThreads, wantedWasmThreads } from "./wasm-threads";

/** tfjs backend names we select between ("tensorflow" = tfjs-node / tfjs-node-gpu). */
export type BackendName = "tensorflow" | "wasm" | "cpu";
export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];

export interface BackendInfo {
  /** The tfjs backend in use. */
  name: BackendName;
  /** The npm package that provides it. */
  package: string;
  /** Where the arithmetic runs, like the original lab's `torch.device`: "cuda" only for a real GPU. */
  device: "cuda" | "cpu";
  /** Human-readable details (SIMD, threads, GPU check). */
  details: string[];
  /** Threads the wasm backend's own kernels (XNNPACK) run on; absent on other backends. */
  threads?: number;
  /** Kernels we replaced on this backend. */
  kernelFixes: string[];
  /** Candidates tried before this one and why they were not used. */
  skipped: Array<{ package: string; reason: string }>;
  /** Set when LAB4_BACKEND or an explicit option chose the backend. */
  forcedBy?: string;
}

/** One way of getting a backend; `load` makes it the active tfjs backend or throws why not. */
export interface Candidate {
  name: BackendName;
  package: string;
  load(): Promise<Pick<BackendInfo, "device" | "details" | "kernelFixes" | "threads">>;
}

/** `require` that returns undefined when the package is not installed (other errors propagate). */
export function optionalRequire(id: string): unknown {
  try {
    // A computed id keeps TypeScript (and bundlers) from resolving optional packages.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the id is only known at run time
    return require(id) as unknown;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === "MODULE_NOT_FOUND" && String(err.message).includes(`'${id}'`)) return undefined;
    throw e;
  }
}

async function activate(name: BackendName): Promise<void> {
  if (!tf.findBackendFactory(name))
    throw new Error(`backend '${name}' is not registered with this copy of @tensorflow/tfjs-core (version mismatch?)`);
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed`);
}

/**
 * tfjs-node(-gpu): loads libtensorflow. Neither package is a dependency (their installers
 * download binaries, impossible offline); a user who installed one gets it automatically.
 * A successful import does not mean a GPU: tfjs-node-gpu 4.x needs CUDA 11.2 + cuDNN 8.1 and
 * otherwise runs silently on the CPU (tfjs #8269). We trust it as "cuda" only if the native
 * binding reports a GPU device and a timed 2048³ matMul runs faster than any CPU here would.
 */
function nodeCandidate(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node"): Candidate {
  return {
    name: "tensorflow",
    package: pkg,
    async load() {
      if (tf.findBackendFactory("tensorflow") === null || tf.findBackendFactory("tensorflow") === undefined) {
        const mod = optionalRequire(pkg);
        if (mod === undefined) throw new Error("not installed");
      }
      await activate("tensorflow");
      const details = [`libtensorflow via ${pkg}`];
      let device: "cuda" | "cpu" = "cpu";
      if (pkg === "@tensorflow/tfjs-node-gpu") {
        const flag = (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice;
        const gflops = timedMatMulGflops(2048);
        details.push(`matMul ${gflops.toFixed(0)} GFLOP/s`);
        if (flag !== false && gflops >= GPU_GFLOPS_THRESHOLD) device = "cuda";
        else details.push("no usable GPU (CUDA 11.2 + cuDNN 8.1 needed): running on the CPU");
      }
      return { device, details, kernelFixes: [] };
    },
  };
}

/** GFLOP/s above which a 2048³ float32 matMul must have run on a GPU (a 2-core CPU does ~50). */
export const GPU_GFLOPS_THRESHOLD = 400;

function timedMatMulGflops(n: number): number {
  return tf.tidy(() => {
    const a = tf.randomUniform([n, n]);
    tf.matMul(a, a).dataSync(); // warm-up (kernel selection, allocation)
    const reps = 3;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) tf.matMul(a, a).dataSync();
    const s = (performance.now() - t0) / 1000;
    return (reps * 2 * n ** 3) / s / 1e9;
  });
}

/**
 * wasm: the .wasm binaries are found next to `tf-backend-wasm.node.js` (Emscripten uses
 * `__dirname` in Node), so no `setWasmPaths` is needed. Without the native GEMM its matrix
 * products run on an XNNPACK thread pool (wasm-threads.ts; LAB4_WASM_THREADS, 1 = off); with
 * it, on one thread (the GEMM has its own). Emscripten installs process-wide
 * `uncaughtException`/`unhandledRejection` handlers that rethrow from inside its minified
 * one-line bundle (any later uncaught error then prints the whole bundle); we remove them.
 */
function wasmCandidate(): Candidate {
  return {
    name: "wasm",
    package: "@tensorflow/tfjs-backend-wasm",
    async load() {
      const mod = optionalRequire("@tensorflow/tfjs-backend-wasm") as { getThreadsCount?: () => number } | undefined;
      if (mod === undefined) throw new Error("not installed");
      const blas = nativeBlasStatus();
      // Threads are arranged once, before the module starts; a second load only re-activates it.
      const started = (tf.engine() as unknown as { registry?: Record<string, unknown> }).registry?.wasm !== undefined;
      const want = blas.loaded || started ? 1 : wantedWasmThreads();
      const refused = want > 1 ? enableWasmThreads(want) : "not asked";
      if (want > 1 && refused) console.warn(`lab4: wasm matrix products on 1 thread, not ${want}: ${refused}`);
      // Listener arrays are snapshotted before init; anything Emscripten added is removed.
      const beforeExc = new Set(process.listeners("uncaughtException"));
      const beforeRej = new Set(process.listeners("unhandledRejection"));
      try {
        await activate("wasm");
      } finally {
        for (const l of process.listeners("uncaughtException")) if (!beforeExc.has(l)) process.removeListener("uncaughtException", l);
        for (const l of process.listeners("unhandledRejection")) if (!beforeRej.has(l)) process.removeListener("unhandledRejection", l);
        if (!refused) finishWasmThreads();
      }
      const kernelFixes = installWasmKernelFixes();
      // Without the binding, Adam and the cross-entropy run the WebAssembly loops: loaded now, so a
      // notice (if they cannot load) comes with the backend, not in the middle of training; their
      // worker threads (on the threaded heap) have started when the backend is ready.
      if (!blas.loaded) {
        const loops = wasmLoopsFor(tf.backend());
        if (loops.loaded) await loops.ready;
      }
      // Fewer, larger heap growths: each one costs a full GC of the JS heap (heap-growth.ts).
      const heap = wasmHeapMemory();
      if (heap) installHeapGrowth(heap);
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      const threads = mod.getThreadsCount?.() ?? 1;
      return {
        device: "cpu",
        threads,
        details: [
          simd ? "SIMD" : "no SIMD",
          `${threads} thread${threads === 1 ? "" : "s"}`,
          blas.loaded ? `matmul on ${blas.description}` : `matmul on wasm (native BLAS: ${blas.reason})`,
        ],
        kernelFixes,
      };
    },
  };
}

function cpuCandidate(): Candidate {
  return {
    name: "cpu",
    package: "@tensorflow/tfjs-backend-cpu",
    async load() {
      await activate("cpu");
      return { device: "cpu", details: ["plain JavaScript"], kernelFixes: installCpuKernelFixes() };
    },
  };
}

/** The selection order: tfjs-node-gpu → tfjs-node → wasm → cpu. */
export function defaultCandidates(): Candidate[] {
  return [nodeCandidate("@tensorflow/tfjs-node-gpu"), nodeCandidate("@tensorflow/tfjs-node"), wasmCandidate(), cpuCandidate()];
}

/**
 * Tries candidates in order (only those named `only`, when given): the first that loads and
 * passes `selfTest` wins. With `only`, failure throws an Error with every reason; without it,
 * cpu is the last resort and its failure throws too.
 */
export async function selectBackend(
  candidates: Candidate[],
  only?: BackendName,
  forcedBy?: string,
  test: () => void = selfTest,
): Promise<BackendInfo> {
  const skipped: BackendInfo["skipped"] = [];
  for (const c of candidates) {
    if (only && c.name !== only) continue;
    try {
      const r = await c.load();
      test();
      return { name: c.name, package: c.package, ...r, skipped, ...(forcedBy ? { forcedBy } : {}) };
    } catch (e) {
      skipped.push({ package: c.package, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const why = skipped.map((s) => `${s.package}: ${s.reason}`).join("; ");
  throw new Error(
    only ? `backend '${only}'${forcedBy ? ` (${forcedBy})` : ""} is not usable: ${why}` : `no TensorFlow.js backend is usable: ${why}`,
  );
}
