import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../repo-root";

/**
 * The optional native GEMM (native/sgemm: a thin N-API binding to Debian's OpenBLAS).
 *
 * Why: on tfjs-wasm a Seq2Seq step is mostly matrix products, and OpenBLAS (AVX2/AVX-512, every
 * core) runs them several times faster than WebAssembly SIMD (docs/performance.md). tfjs-node,
 * which would bring TensorFlow's own kernels, cannot be installed offline. The binding works
 * directly on views of the wasm heap, so nothing is copied.
 *
 * Which binding loads, first found: a source build in native/sgemm/build/Release (`npm run
 * build:native`, a developer's machine: needs libopenblas-dev, pkg-config and a C compiler), else
 * the prebuild for this platform in native/sgemm/prebuilds/ (the student kit ships linux-x64's,
 * OpenBLAS linked in), else none: everything still runs on the wasm kernels. PREBUILDS_ONLY=1
 * (node-gyp-build's) skips the source build, to run the tests on the prebuild.
 * LAB4_NATIVE_BLAS=0 turns it off; LAB4_BLAS_THREADS=n sets its thread count (OpenBLAS's own
 * OPENBLAS_NUM_THREADS is honoured too). The results do not depend on the thread count.
 */
export interface NativeBlas {
  /** c[m,n] = op(a)[m,k]·op(b)[k,n] + beta·c, row-major; sizes checked against the arrays. */
  sgemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    beta?: number,
  ): void;
  /** The Adam update of lib/optim/adam.ts (same arithmetic and rounding). vmax/vmaxOut: null unless amsgrad. */
  adam(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array | null,
    pOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    vmaxOut: Float32Array | null,
    beta1: number,
    beta2: number,
    eps: number,
    stepSize: number,
    bc2Sqrt: number,
    decay: number,
    l2: number,
  ): void;
  /** The paired softmax cross-entropy of lib/nn/losses.ts: returns the loss, fills `grad` unless null. */
  pairedSoftmaxCE(
    z: Float32Array,
    numRows: number,
    numClasses: number,
    rows: Int32Array,
    targets: Int32Array,
    grad: Float32Array | null,
  ): number;
  /** lib/nn/lstm-kernels.ts's forward cell: c, c2 [B, H] from s [B, 4H] and cPrev (from cPrevOff). Same bits. */
  lstmFwdCell(B: number, H: number, s: Float32Array, cPrev: Float32Array, cPrevOff: number, c: Float32Array, c2: Float32Array): void;
  /** lib/nn/lstm-kernels.ts's forward output: h, tc [B, H] from s [B, 4H] and u [B, H]. Same bits. */
  lstmFwdOut(B: number, H: number, s: Float32Array, u: Float32Array, h: Float32Array, tc: Float32Array): void;
  /** lib/nn/lstm-kernels.ts's backward cell (offsets in elements; optional inputs null). Same bits. */
  lstmBwdCell(
    B: number,
    H: number,
    s: Float32Array,
    sOff: number,
    cPrev: Float32Array,
    cPrevOff: number,
    tc: Float32Array,
    tcOff: number,
    dA: Float32Array | null,
    dAOff: number,
    dAStride: number,
    mask: Float32Array | null,
    maskOff: number,
    dhRec: Float32Array | null,
    dhRecOff: number,
    dhRecStride: number,
    dcRec: Float32Array | null,
    dcRecOff: number,
    dG: Float32Array,
    dcPrev: Float32Array,
  ): void;
  /** out[j] = the float32 running sum of column j of x [rows, cols]: ./column-sums.ts's wasm bits. */
  columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** The binding's threads for a product (the caller's included); OpenBLAS itself runs on one. */
  setThreads(n: number): void;
  threads(): number;
  /** OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 … SkylakeX MAX_THREADS=64". */
  config(): string;
}

/** Where the loaded binding came from: a source build or a shipped prebuild. */
export type NativeBlasSource = "source build" | "prebuilt";

export type NativeBlasStatus =
  { loaded: true; blas: NativeBlas; file: string; source: NativeBlasSource; description: string } | { loaded: false; reason: string };

let status: NativeBlasStatus | undefined;

/** `<repo>/native/sgemm`, where the source build and the prebuilds live, or undefined outside lab4. */
function bindingDir(): string | undefined {
  try {
    return path.join(repoRoot(), "native", "sgemm");
  } catch {
    return undefined;
  }
}

/**
 * The binding file that would load: the source build if present, else this platform's prebuild
 * (node-gyp-build's lookup: prebuilds/<platform>-<arch>/, N-API and libc tags), else undefined.
 */
export function nativeBlasFile(): string | undefined {
  const dir = bindingDir();
  if (dir === undefined) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- node-gyp-build ships no types; one function is used
    const ngb = require("node-gyp-build") as { path(dir: string): string };
    return ngb.path(dir);
  } catch {
    return undefined; // "No native build was found for platform=…"
  }
}

const FUNCTIONS = ["sgemm", "adam", "pairedSoftmaxCE", "setThreads", "threads", "config"] as const;
const LATER_FUNCTIONS = ["lstmFwdCell", "lstmFwdOut", "lstmBwdCell", "columnSums"] as const;

/** Whether `x` has the functions of the binding (`all`: also those added since its first release). */
function isNativeBlas(x: unknown, all: boolean): x is NativeBlas {
  const o = x as Record<string, unknown> | null;
  const names: readonly string[] = all ? [...FUNCTIONS, ...LATER_FUNCTIONS] : FUNCTIONS;
  return typeof o === "object" && o !== null && names.every((k) => typeof o[k] === "function");
}

/** Loads the binding once (or not, with the reason). */
export function nativeBlasStatus(): NativeBlasStatus {
  if (status) return status;
  const off = process.env.LAB4_NATIVE_BLAS?.trim();
  if (off === "0" || off === "false") return (status = { loaded: false, reason: `LAB4_NATIVE_BLAS=${off}` });
  const file = nativeBlasFile();
  if (!file || !fs.existsSync(file))
    return (status = { loaded: false, reason: `not built (npm run build:native), no prebuild for ${process.platform}-${process.arch}` });
  const source: NativeBlasSource = file.split(path.sep).includes("prebuilds") ? "prebuilt" : "source build";
  let mod: unknown;
  // The binding threads products itself and runs OpenBLAS on one thread (native/sgemm/sgemm.c), so
  // OpenBLAS is loaded with OPENBLAS_NUM_THREADS=1: it then starts no threads of its own, which would
  // never get work yet spin when they start. The user's value (or the cores) sizes the binding's pool.
  const userThreads = process.env.OPENBLAS_NUM_THREADS;
  const want =
    [process.env.LAB4_BLAS_THREADS, userThreads].map(Number).find((n) => Number.isInteger(n) && n >= 1) ?? os.availableParallelism();
  process.env.OPENBLAS_NUM_THREADS = "1";
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native .node binding loads only through require
    mod = require(file);
  } catch (e) {
    return (status = { loaded: false, reason: `cannot load ${file}: ${(e as Error).message.split("\n")[0]}` });
  } finally {
    if (userThreads === undefined) delete process.env.OPENBLAS_NUM_THREADS;
    else process.env.OPENBLAS_NUM_THREADS = userThreads;
  }
  if (!isNativeBlas(mod, false)) return (status = { loaded: false, reason: `${file} is not the lab4_sgemm binding` });
  if (!isNativeBlas(mod, true))
    return (status = { loaded: false, reason: `${file} is an older build of lab4_sgemm: rebuild it (npm run build:native)` });
  // A plain object over the module's read-only exports, so a profiler (bench --profile) can wrap one.
  const { sgemm, adam, pairedSoftmaxCE, setThreads, threads, config, lstmFwdCell, lstmFwdOut, lstmBwdCell, columnSums } = mod;
  const blas: NativeBlas = { sgemm, adam, pairedSoftmaxCE, setThreads, threads, config, lstmFwdCell, lstmFwdOut, lstmBwdCell, columnSums };
  blas.setThreads(want);
  const version = /OpenBLAS\s+\S+/.exec(blas.config())?.[0] ?? "BLAS";
  const t = blas.threads();
  const description = `${version} GEMM${source === "prebuilt" ? " (prebuilt)" : ""}, ${t} thread${t === 1 ? "" : "s"}`;
  return (status = { loaded: true, blas, file, source, description });
}

/** The binding if loaded, else undefined. */
export function nativeBlas(): NativeBlas | undefined {
  const s = nativeBlasStatus();
  return s.loaded ? s.blas : undefined;
}
