import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, ensureOnWasm, onActiveBackend } from "./backend-access";
import { callKernel, type KernelArgs, type KernelFunc } from "./registry";
import type { NativeBlas } from "./native-blas";

/**
 * Fast matrix products on the wasm backend.
 *
 * tfjs-backend-wasm 4.22 hands `BatchMatMul` / `_FusedMatMul` to XNNPACK only when neither
 * operand is transposed and the batch is 1 (`src/cc/batch_mat_mul_impl.cc`); everything else
 * runs a naive triple loop. Every matmul gradient uses a transposed operand, so training hits
 * the slow path constantly: a transposed product is several times slower than an explicit
 * transpose followed by the fast path, and so is a batched product than its 2-D products one by one.
 *
 * The wrappers below transpose explicitly with the wasm `Transpose` kernel, run batches as
 * separate 2-D products, call the stock kernel only on its fast path, and free the temporaries.
 * When the native OpenBLAS binding is loaded (native-blas.ts), float32 products go to it instead,
 * on the wasm heap in place: transposes are free there, and it is several times faster.
 */

function swapLastTwo(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

const size = (t: tf.TensorInfo) => prod(t.shape);
const twoD = (a: tf.TensorInfo, b: tf.TensorInfo) => prod(a.shape.slice(0, -2)) <= 1 && prod(b.shape.slice(0, -2)) <= 1;

/**
 * For a 2-D product C = op(A)·op(B), transposing operands explicitly costs |A|·[tA] + |B|·[tB]
 * copied elements; computing Cᵀ = op(B)ᵀ·op(A)ᵀ instead costs |B|·[!tB] + |A|·[!tA] + |C|. When the
 * second is cheaper (e.g. a weight gradient dLogitsᵀ·h with a large dLogits [U, V] and small
 * h [U, E]: transpose h and the small [E, V] result, not dLogits), do that. Returns undefined
 * otherwise (the caller transposes operands directly).
 */
function swappedProduct(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  tA: boolean,
  tB: boolean,
  backend: object,
  original: KernelFunc,
): tf.TensorInfo | undefined {
  const m = tA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const n = tB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const direct = (tA ? size(a) : 0) + (tB ? size(b) : 0);
  const viaT = (tB ? 0 : size(b)) + (tA ? 0 : size(a)) + m * n;
  if (viaT >= direct) return undefined;
  const w = asWasmBackend(backend);
  const temps: tf.TensorInfo[] = [];
  try {
    // Cᵀ = X·Y with X = op(B)ᵀ (materialised unless B is stored transposed), Y = op(A)ᵀ likewise.
    const x = tB ? b : transposeInner(b, backend);
    if (x !== b) temps.push(x);
    const y = tA ? a : transposeInner(a, backend);
    if (y !== a) temps.push(y);
    const ct = original({ inputs: { a: x, b: y }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    temps.push(ct);
    const c = transposeInner(ct, backend);
    const rank = Math.max(a.shape.length, b.shape.length);
    return rank === c.shape.length ? c : { ...c, shape: [...Array(rank - 2).fill(1), m, n] };
  } finally {
    for (const t of temps) w.disposeData(t.dataId);
  }
}

/** Explicit transpose of the two innermost dims with the registered wasm Transpose kernel. */
function transposeInner(x: tf.TensorInfo, backend: object): tf.TensorInfo {
  return callKernel("Transpose", { inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }, "wasm");
}

/**
 * a: [...batchA, m, k] and b: [...batchB, k, n], both untransposed, batch > 1 after
 * broadcasting one of them: one fast 2-D product per batch entry, copied into the output.
 * Returns undefined when the batch shapes need general broadcasting (the caller falls back).
 */
function batchedAsSeparate2D(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  outShape: number[],
  backend: object,
  original: KernelFunc,
): tf.TensorInfo | undefined {
  const w = asWasmBackend(backend);
  const batchA = prod(a.shape.slice(0, -2));
  const batchB = prod(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = Math.max(batchA, batchB);
  ensureOnWasm(w, a, b);
  const out = w.makeOutput(outShape, "float32");
  for (let i = 0; i < batch; i++) {
    const ai = batchA === 1 ? 0 : i;
    const bi = batchB === 1 ? 0 : i;
    // Slices are copied into fresh 2-D tensors (O(size), negligible next to the product).
    const a2 = w.makeOutput([m, k], "float32");
    const b2 = w.makeOutput([k, n], "float32");
    (w.typedArrayFromHeap(a2) as Float32Array).set((w.typedArrayFromHeap(a) as Float32Array).subarray(ai * m * k, (ai + 1) * m * k));
    (w.typedArrayFromHeap(b2) as Float32Array).set((w.typedArrayFromHeap(b) as Float32Array).subarray(bi * k * n, (bi + 1) * k * n));
    const r = original({ inputs: { a: a2, b: b2 }, backend, attrs: { transposeA: false, transposeB: false } });
    const r2 = r as tf.TensorInfo;
    (w.typedArrayFromHeap(out) as Float32Array).set(w.typedArrayFromHeap(r2) as Float32Array, i * m * n);
    w.disposeData(a2.dataId);
    w.disposeData(b2.dataId);
    w.disposeData(r2.dataId);
  }
  return out;
}

/**
 * op(a)·op(b) with OpenBLAS on the wasm heap: a [...batchA, m, k] (or [..., k, m] if transposed),
 * b likewise; batches equal or one of them 1. `fill(out)` may pre-fill the output (then beta = 1).
 * Returns undefined for shapes it does not handle (general batch broadcasting), so the caller
 * falls back to the wasm kernels.
 */
function nativeProduct(
  blas: NativeBlas,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  tA: boolean,
  tB: boolean,
  backend: object,
  fill?: (out: Float32Array, m: number, n: number) => void,
): tf.TensorInfo | undefined {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = tB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb)
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
        `and transposeA=${tA} and transposeB=${tB} must match.`,
    );
  const batchA = prod(a.shape.slice(0, -2));
  const batchB = prod(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  if (prod(outer) !== batch) return undefined;
  const w = asWasmBackend(backend);
  ensureOnWasm(w, a, b);
  const out = w.makeOutput([...outer, m, n], "float32");
  // Views only after makeOutput: allocating may grow (and so detach) the heap.
  const va = w.typedArrayFromHeap(a) as Float32Array;
  const vb = w.typedArrayFromHeap(b) as Float32Array;
  const vc = w.typedArrayFromHeap(out) as Float32Array;
  if (fill) fill(vc, batch * m, n);
  for (let i = 0; i < batch; i++) {
    const ai = batchA === 1 ? 0 : i;
    const bi = batchB === 1 ? 0 : i;
    blas.sgemm(
      batch === 1 ? va : va.subarray(ai * m * k, (ai + 1) * m * k),
      batch === 1 ? vb : vb.subarray(bi * k * n, (bi + 1) * k * n),
      batch === 1 ? vc : vc.subarray(i * m * n, (i + 1) * m * n),
      m,
      n,
      k,
      tA,
      tB,
      fill ? 1 : 0,
    );
  }
  return out;
}

/** Wrapper for the wasm `BatchMatMul` kernel (`blas`: the native GEMM to use, if any). */
export function fastBatchMatMul(original: KernelFunc | undefined, blas?: NativeBlas): KernelFunc {
  if (!original) throw new Error("wasm BatchMatMul kernel is not registered");
  return (args: KernelArgs) => {
    const { a, b } = args.inputs;
    if (!a || !b) throw new Error("BatchMatMul: inputs a and b are required");
    const transposeA = args.attrs?.transposeA === true;
    const transposeB = args.attrs?.transposeB === true;
    if (blas && a.dtype === "float32" && b.dtype === "float32") {
      const r = nativeProduct(blas, a, b, transposeA, transposeB, args.backend);
      if (r) return r;
    }
    const w = asWasmBackend(args.backend);
    const temps: tf.TensorInfo[] = [];
    try {
      const swapped =
        twoD(a, b) && a.dtype === "float32" && b.dtype === "float32"
          ? swappedProduct(a, b, transposeA, transposeB, args.backend, original)
          : undefined;
      if (swapped) return swapped;
      let a2 = a;
      let b2 = b;
      if (transposeA && a.dtype === "float32") temps.push((a2 = transposeInner(a, args.backend)));
      if (transposeB && b.dtype === "float32") temps.push((b2 = transposeInner(b, args.backend)));
      const tA = transposeA && a2 === a;
      const tB = transposeB && b2 === b;
      const batched = prod(a2.shape.slice(0, -2)) > 1 || prod(b2.shape.slice(0, -2)) > 1;
      if (batched && !tA && !tB && a2.dtype === "float32" && b2.dtype === "float32") {
        const outer = tf.broadcast_util.assertAndGetBroadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
        const outShape = [...outer, a2.shape[a2.shape.length - 2], b2.shape[b2.shape.length - 1]];
        if (a2.shape[a2.shape.length - 1] !== b2.shape[b2.shape.length - 2])
          throw new Error(
            `Error in matMul: inner shapes of [${a.shape}] and [${b.shape}] ` +
              `(transposeA=${transposeA}, transposeB=${transposeB}) must match`,
          );
        const r = batchedAsSeparate2D(a2, b2, outShape, args.backend, original);
        if (r) return r;
      }
      return original({ inputs: { a: a2, b: b2 }, backend: args.backend, attrs: { ...args.attrs, transposeA: tA, transposeB: tB } });
    } finally {
      for (const t of temps) w.disposeData(t.dataId);
    }
  };
}

/** Wrapper for the wasm `_FusedMatMul` kernel (used by `tf.fused.matMul`). */
export function fastFusedMatMul(original: KernelFunc | undefined, blas?: NativeBlas): KernelFunc {
  if (!original) throw new Error("wasm _FusedMatMul kernel is not registered");
  return (args: KernelArgs) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    if (!a || !b) throw new Error("_FusedMatMul: inputs a and b are required");
    const transposeA = args.attrs?.transposeA === true;
    const transposeB = args.attrs?.transposeB === true;
    const w = asWasmBackend(args.backend);
    const activation = args.attrs?.activation;
    // Native: a product plus an optional per-column bias (the LSTM's gates); activations go to wasm.
    const linear = activation === undefined || activation === "linear";
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const rowBias =
      bias === undefined ||
      (bias.dtype === "float32" && size(bias) === n && bias.shape.every((d, i) => i === bias.shape.length - 1 || d === 1));
    if (blas && linear && !preluActivationWeights && rowBias && a.dtype === "float32" && b.dtype === "float32") {
      if (bias) ensureOnWasm(w, bias);
      const fill = bias
        ? (out: Float32Array, rows: number, cols: number) => {
            const vb = w.typedArrayFromHeap(bias) as Float32Array;
            for (let r = 0; r < rows; r++) out.set(vb, r * cols);
          }
        : undefined;
      const r = nativeProduct(blas, a, b, transposeA, transposeB, args.backend, fill);
      if (r) return r;
    }
    const temps: tf.TensorInfo[] = [];
    try {
      const inputs = { ...args.inputs };
      if (transposeA) temps.push((inputs.a = transposeInner(a, args.backend)));
      if (transposeB) temps.push((inputs.b = transposeInner(b, args.backend)));
      return original({ inputs, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of temps) w.disposeData(t.dataId);
    }
  };
}

/**
 * K up to which `addProductInPlace` runs: OpenBLAS then sums the whole K of each element in one
 * block (the least x86-64 sgemm block depth, GEMM_Q, is 168),
 * so c + op(a)·op(b) in one GEMM with beta = 1 rounds exactly like the product computed apart and
 * then added (the block's sum is added to c once, alpha = 1). Past it the sums would be grouped
 * differently: still correct, but other bits than `tf.add(c, tf.matMul(...))`.
 */
export const IN_PLACE_MAX_K = 128;

/**
 * c += op(a)·op(b) in place on the wasm heap with the native GEMM, for 2-D float32 tensors with
 * K <= IN_PLACE_MAX_K. Returns false (and leaves c alone) when it does not apply: no binding,
 * another backend, other shapes or dtypes. The caller must own c's data exclusively.
 */
export function addProductInPlace(blas: NativeBlas, c: tf.Tensor, a: tf.Tensor, b: tf.Tensor, tA: boolean, tB: boolean): boolean {
  if (tf.getBackend() !== "wasm") return false;
  if (a.rank !== 2 || b.rank !== 2 || c.rank !== 2) return false;
  if (a.dtype !== "float32" || b.dtype !== "float32" || c.dtype !== "float32") return false;
  const [a0, a1] = a.shape as [number, number];
  const [b0, b1] = b.shape as [number, number];
  const [m, k] = tA ? [a1, a0] : [a0, a1];
  const [kb, n] = tB ? [b1, b0] : [b0, b1];
  if (k !== kb || k > IN_PLACE_MAX_K || c.shape[0] !== m || c.shape[1] !== n) return false;
  if (!onActiveBackend(a, b, c)) return false;
  const w = asWasmBackend(tf.backend());
  blas.sgemm(
    w.typedArrayFromHeap(a) as Float32Array,
    w.typedArrayFromHeap(b) as Float32Array,
    w.typedArrayFromHeap(c) as Float32Array,
    m,
    n,
    k,
    tA,
    tB,
    1,
  );
  return true;
}
