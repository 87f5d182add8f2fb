import * as tf from "@tensorflow/tfjs-core";
import { asCpuBackend, asWasmBackend, onActiveBackend } from "./backend-access";
import { defineKernel } from "./define";
import type { KernelArgs, KernelFunc } from "./registry";

/**
 * `UnsortedSegmentSum` — the gradient of `tf.gather`, i.e. of every embedding lookup.
 *
 * Why our own: tfjs-backend-wasm 4.22 has no such kernel (tfjs issue #8082), and the cpu
 * backend's builds one masked sum per segment (O(numSegments · size): 19 s for a 3085-row
 * embedding gradient). This is the obvious single pass: out[ids[i], :] += x[i, :].
 *
 * Semantics (TensorFlow's): `segmentIds` (int32) has a prefix of `x`'s shape; the output is
 * `[numSegments, ...x.shape.slice(segmentIds.rank)]`; ids outside [0, numSegments) are dropped.
 * Sums accumulate in float64 and are rounded once to the output dtype.
 */

interface Plan {
  outShape: number[];
  numIds: number;
  inner: number;
  numSegments: number;
}

function plan(x: tf.TensorInfo, segmentIds: tf.TensorInfo, numSegments: unknown): Plan {
  if (typeof numSegments !== "number" || !Number.isInteger(numSegments) || numSegments < 0)
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${String(numSegments)}`);
  if (segmentIds.dtype !== "int32") throw new Error(`UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  if (x.dtype !== "float32" && x.dtype !== "int32") throw new Error(`UnsortedSegmentSum: x must be float32 or int32, got ${x.dtype}`);
  const r = segmentIds.shape.length;
  const prefixOk = r <= x.shape.length && segmentIds.shape.every((d, i) => d === x.shape[i]);
  if (!prefixOk)
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape.join(", ")}] must be a prefix of x shape [${x.shape.join(", ")}]`,
    );
  const tail = x.shape.slice(r);
  const inner = tail.reduce((a, b) => a * b, 1);
  const numIds = segmentIds.shape.reduce((a, b) => a * b, 1);
  return { outShape: [numSegments, ...tail], numIds, inner, numSegments };
}

// Scratch kept between calls. The embedding gradient is taken at every training step, and a fresh
// float64 accumulator for the whole table per call (8 bytes × 7853 × 256 for Seq2Seq's encoder
// embedding, once per decoder step in the original lab's step-by-step decoder) made V8 collect
// garbage again and again ("external memory pressure") and the kernel zero fresh pages. Only the rows the ids touch need one.
let slotOf = new Int32Array(0); // segment -> its row in `acc`; -1 when not touched (reset after use)
let touched = new Int32Array(0); // the touched segments, in first-seen order
let acc = new Float64Array(0);

/**
 * Sums x's rows per segment in float64 into `acc` (touched segments in first-seen order, see
 * `touched`); returns how many segments were touched. `slotOf` is left set for them: the caller
 * writes the sums out and resets it.
 */
function sumTouched(x: ArrayLike<number>, ids: ArrayLike<number>, p: Pick<Plan, "numIds" | "inner" | "numSegments">): number {
  const { numIds, inner, numSegments } = p;
  if (slotOf.length < numSegments) slotOf = new Int32Array(numSegments).fill(-1);
  if (touched.length < Math.min(numIds, numSegments)) touched = new Int32Array(Math.min(numIds, numSegments));
  let nt = 0;
  for (let i = 0; i < numIds; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments || slotOf[s] >= 0) continue;
    slotOf[s] = nt;
    touched[nt++] = s;
  }
  if (acc.length < nt * inner) acc = new Float64Array(nt * inner);
  acc.fill(0, 0, nt * inner);
  for (let i = 0; i < numIds; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const o = slotOf[s] * inner;
    const xi = i * inner;
    for (let j = 0; j < inner; j++) acc[o + j] += x[xi + j];
  }
  return nt;
}

/** out[ids[i]*inner + j] = Σ x[i*inner + j]; `out` is fully overwritten. */
export function segmentSum(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  p: Pick<Plan, "numIds" | "inner" | "numSegments">,
  out: Float32Array | Int32Array,
): void {
  const { inner } = p;
  const nt = sumTouched(x, ids, p);
  out.fill(0);
  // Each sum is rounded once to the output dtype, as when the whole table was accumulated.
  for (let t = 0; t < nt; t++) {
    const s = touched[t];
    out.set(acc.subarray(t * inner, (t + 1) * inner), s * inner);
    slotOf[s] = -1;
  }
}

/**
 * c += unsortedSegmentSum(x, ids, c.shape[0]) in place, touching only the rows the ids name (an
 * embedding's gradient from one lookup of 128 ids: 128 rows, not the whole [5893, 256] table). The
 * same bits as `tf.add(c, tf.unsortedSegmentSum(x, ids, n))`: each segment's sum is rounded to
 * float32 once as there, then added (a float32 store of the double sum of two float32 values is
 * their correctly rounded float32 sum). float32 tensors on the wasm or cpu backend; `x` is
 * [ids.length, ...c.shape.slice(1)]. False (c unchanged) when that does not hold. The caller must
 * own c's data exclusively.
 */
export function addRowSumsInPlace(c: tf.Tensor, x: tf.Tensor, ids: ArrayLike<number>): boolean {
  if (c.dtype !== "float32" || x.dtype !== "float32" || c.rank < 1) return false;
  const inner = c.shape.slice(1).reduce((a, b) => a * b, 1);
  if (x.size !== ids.length * inner) return false;
  if (!onActiveBackend(c, x)) return false;
  const name = tf.getBackend();
  let cv: Float32Array;
  let xv: Float32Array;
  if (name === "wasm") {
    const w = asWasmBackend(tf.backend());
    cv = w.typedArrayFromHeap(c) as Float32Array;
    xv = w.typedArrayFromHeap(x) as Float32Array;
  } else if (name === "cpu") {
    const b = asCpuBackend(tf.backend());
    cv = b.data.get(c.dataId).values as Float32Array;
    xv = b.data.get(x.dataId).values as Float32Array;
  } else return false;
  const nt = sumTouched(xv, ids, { numIds: ids.length, inner, numSegments: c.shape[0] });
  for (let t = 0; t < nt; t++) {
    const s = touched[t];
    const o = s * inner;
    const a = t * inner;
    for (let j = 0; j < inner; j++) cv[o + j] = cv[o + j] + Math.fround(acc[a + j]);
    slotOf[s] = -1;
  }
  return true;
}

function args(a: KernelArgs): { x: tf.TensorInfo; ids: tf.TensorInfo; numSegments: unknown } {
  const { x, segmentIds } = a.inputs;
  if (!x || !segmentIds) throw new Error("UnsortedSegmentSum: inputs x and segmentIds are required");
  return { x, ids: segmentIds, numSegments: a.attrs?.numSegments };
}

/** Reads and writes the backend's arrays in place (the wasm heap: no copies). */
const kernel = defineKernel({
  name: "UnsortedSegmentSum",
  run: (ctx, a) => {
    const { x, ids, numSegments } = args(a);
    const p = plan(x, ids, numSegments);
    const out = ctx.alloc(p.outShape, x.dtype as "float32" | "int32");
    // Views are taken after alloc: allocating may grow (and move) the wasm heap.
    segmentSum(ctx.view(x), ctx.view(ids), p, ctx.view(out) as Float32Array | Int32Array);
    return out;
  },
});

/** For the wasm backend (which has none). */
export const wasmUnsortedSegmentSum: KernelFunc = kernel.kernelFunc("wasm");

/** For the cpu backend (replaces its O(numSegments · size) kernel). */
export const cpuUnsortedSegmentSum: KernelFunc = kernel.kernelFunc("cpu");
