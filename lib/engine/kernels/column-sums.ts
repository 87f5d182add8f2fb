import * as tf from "@tensorflow/tfjs-core";
import { defineKernel } from "./define";

/**
 * Column sums, one helper: `columnSums(x)` is `tf.sum(x, 0)` of a 2-D float32 tensor with the very
 * bits of the backend's own `Sum`, in one pass; `columnSums(x, "matmul")` is ones·x, the GEMM's bits.
 *
 * Why a kernel: a Linear layer's bias gradient is the column sums of dy, and wasm's `Sum` over axis
 * 0 first transposes the whole [rows, cols] tensor and then sums each (now contiguous) column, once
 * per layer and step on the decoder's large logits. Summing the rows in place of the transpose
 * reads x once. The order and rounding of each backend's Sum are kept
 * (tfjs-backend-wasm src/cc/kernels/Sum.cc: a float32 running sum from 0 per output; the cpu
 * backend: a JS double running sum rounded once), so the results are identical, not just close.
 */
const KERNEL = "Lab4ColumnSums";

function shapeOf(x: tf.TensorInfo): [number, number] {
  if (x.shape.length !== 2 || x.dtype !== "float32")
    throw new Error(`columnSums: expected a 2-D float32 tensor, got ${x.dtype} [${x.shape.join(", ")}]`);
  return x.shape as [number, number];
}

const kernel = defineKernel({
  name: KERNEL,
  wasm: (ctx, a) => {
    const x = a.inputs.x;
    if (!x) throw new Error(`${KERNEL}: input x is required`);
    const [rows, cols] = shapeOf(x);
    const out = ctx.alloc([cols]);
    const xv = ctx.view(x) as Float32Array; // views after alloc
    const ov = ctx.view(out) as Float32Array;
    const loops = ctx.loops();
    if (loops) {
      loops.columnSums(xv, rows, cols, ov);
      return out;
    }
    ov.fill(0); // from +0 as Sum.cc does (0 + -0 is +0: copying the first row would keep -0)
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) ov[j] = ov[j]! + xv[o + j]!; // a float32 store rounds like Sum.cc's float sum
    }
    return out;
  },
  cpu: (ctx, a) => {
    const x = a.inputs.x;
    if (!x) throw new Error(`${KERNEL}: input x is required`);
    const [rows, cols] = shapeOf(x);
    const xv = ctx.view(x) as Float32Array;
    const acc = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) acc[j] += xv[o + j]!;
    }
    const out = ctx.alloc([cols]);
    (ctx.view(out) as Float32Array).set(acc);
    return out;
  },
});

/**
 * Whose rounding the sums reproduce (the sums are the same numbers added in another order):
 * - "sum": tf.sum(x, 0)'s bits on this backend, in one pass over x (the kernel above);
 * - "matmul": tf.matMul(ones[1, R], x)'s bits, the GEMM's order: several times faster for a tall x
 *   on the native GEMM (the LSTM layers' bias gradients, one per step).
 */
export type ColumnSumsRounding = "sum" | "matmul";

/**
 * Column sums of a 2-D float32 x [R, C] -> [C], rounded as `rounding` says (default "sum").
 * Not differentiable: it is for hand-written gradients (a layer's bias gradient is dy's column sums).
 */
export function columnSums(x: tf.Tensor2D, rounding: ColumnSumsRounding = "sum"): tf.Tensor1D {
  shapeOf(x);
  if (rounding === "matmul") return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]) as tf.Tensor1D);
  if (rounding !== "sum") throw new Error(`columnSums: rounding must be "sum" or "matmul", not ${JSON.stringify(rounding)}`);
  if (!kernel.available()) return tf.sum(x, 0);
  return kernel.run({ x })[0] as tf.Tensor1D;
}
