import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../../data/files";

/**
 * The optional native GEMM (native/sgemm: a thin N-API binding to Debian's OpenBLAS).
 *
 * Why: on tfjs-wasm a Seq2Seq step is ~85% matrix products, and WebAssembly SIMD on one thread
 * reaches ~30 GFLOP/s here, while OpenBLAS (AVX-512, both cores) reaches 150–300 GFLOP/s on the same
 * shapes. tfjs-node, which would bring TensorFlow's own kernels, cannot be installed offline. The
 * binding works directly on views of the wasm heap, so nothing is copied.
 *
 * It is built by `npm run build:native` (scripts/setup.sh does it; needs libopenblas-dev,
 * pkg-config and a C compiler). Without it everything still runs on the wasm kernels.
 * LAB4_NATIVE_BLAS=0 turns it off; LAB4_BLAS_THREADS=n sets its thread count (OpenBLAS's own
 * OPENBLAS_NUM_THREADS is honoured too). The results do not depend on the thread count.
 */
export interface NativeBlas {
  /** c[m,n] = op(a)[m,k]·op(b)[k,n] + beta·c, row-major; sizes checked against the arrays. */
  sgemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, beta?: number): void;
  /** The Adam update of lib/optim/adam.ts (same arithmetic and rounding). vmax/vmaxOut: null unless amsgrad. */
  adam(
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null,
    pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, vmaxOut: Float32Array | null,
    beta1: number, beta2: number, eps: number, stepSize: number, bc2Sqrt: number, decay: number, l2: number,
  ): void;
  /** The paired softmax cross-entropy of lib/nn/losses.ts: returns the loss, fills `grad` unless null. */
  pairedSoftmaxCE(z: Float32Array, numRows: number, numClasses: number, rows: Int32Array, targets: Int32Array, grad: Float32Array | null): number;
  /** The binding's threads for a product (the caller's included); OpenBLAS itself runs on one. */
  setThreads(n: number): void;
  threads(): number;
  /** OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 … SkylakeX MAX_THREADS=64". */
  config(): string;
}

export type NativeBlasStatus =
  | { loaded: true; blas: NativeBlas; file: string; description: string }
  | { loaded: false; reason: string };

let status: NativeBlasStatus | undefined;

/** `<repo>/native/sgemm/build/Release/lab4_sgemm.node`, or undefined outside a lab4 checkout. */
export function nativeBlasFile(): string | undefined {
  try {
    return path.join(repoRoot(), "native", "sgemm", "build", "Release", "lab4_sgemm.node");
  } catch {
    return undefined;
  }
}

function isNativeBlas(x: unknown): x is NativeBlas {
  const o = x as Record<string, unknown> | null;
  return typeof o === "object" && o !== null && ["sgemm", "adam", "pairedSoftmaxCE", "setThreads", "threads", "config"].every((k) => typeof o[k] === "function");
}

/** Loads the binding once (or not, with the reason). */
export function nativeBlasStatus(): NativeBlasStatus {
  if (status) return status;
  const off = process.env.LAB4_NATIVE_BLAS?.trim();
  if (off === "0" || off === "false") return (status = { loaded: false, reason: `LAB4_NATIVE_BLAS=${off}` });
  const file = nativeBlasFile();
  if (!file || !fs.existsSync(file)) return (status = { loaded: false, reason: "not built (npm run build:native)" });
  let mod: unknown;
  // OpenBLAS starts its own threads when it loads; the binding runs OpenBLAS single-threaded (it
  // threads products itself, see native/sgemm/sgemm.c), so they never get work, but each first spins
  // for 2^28 cycles (~0.1 s) before it sleeps; 20 makes that 2^20 cycles (~0.4 ms). OpenBLAS reads the
  // variable once, when it loads; a value the user set wins, and the environment is restored.
  const userTimeout = process.env.OPENBLAS_THREAD_TIMEOUT;
  const timeoutSet = userTimeout !== undefined && userTimeout !== ""; // (OpenBLAS ignores an empty one)
  if (!timeoutSet) process.env.OPENBLAS_THREAD_TIMEOUT = "20";
  try {
    mod = require(file);
  } catch (e) {
    return (status = { loaded: false, reason: `cannot load ${file}: ${(e as Error).message.split("\n")[0]}` });
  } finally {
    if (userTimeout === undefined) delete process.env.OPENBLAS_THREAD_TIMEOUT;
    else process.env.OPENBLAS_THREAD_TIMEOUT = userTimeout;
  }
  if (!isNativeBlas(mod)) return (status = { loaded: false, reason: `${file} is not the lab4_sgemm binding` });
  const want = Number(process.env.LAB4_BLAS_THREADS);
  if (Number.isInteger(want) && want >= 1) mod.setThreads(want);
  const version = /OpenBLAS\s+\S+/.exec(mod.config())?.[0] ?? "BLAS";
  const t = mod.threads();
  return (status = { loaded: true, blas: mod, file, description: `${version} GEMM, ${t} thread${t === 1 ? "" : "s"}` });
}

/** The binding if loaded, else undefined. */
export function nativeBlas(): NativeBlas | undefined {
  const s = nativeBlasStatus();
  return s.loaded ? s.blas : undefined;
}
