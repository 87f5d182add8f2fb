import * as tf from "@tensorflow/tfjs-core";
import { defineKernel, numAttr } from "../engine/kernels";

/*
 * Row slices, row stacks and 2-D transposes without wasm's quadratic copies.
 *
 * Why our own kernels: on tfjs-backend-wasm 4.22, `Slice` copies its whole input out of the heap
 * (`readSync`) on every call, and `SplitV`/`Unpack`/`tf.split`/`tf.unstack` call it once per piece,
 * so taking the rows of a [T, B, H] tensor one step at a time is quadratic. These kernels copy only
 * the rows asked for. Registered for wasm and cpu; other backends use the plain tf ops.
 */

/** Rows [start, start + count) of x (any rank, rows = first axis), copied contiguously. */
const rowSliceKernel = defineKernel({
  name: "Lab4RowSlice",
  run: (ctx, a) => {
    const x = a.inputs.x as tf.TensorInfo;
    const start = numAttr(a, "start");
    const count = numAttr(a, "count");
    const inner = x.shape.slice(1).reduce((p, c) => p * c, 1);
    if (start < 0 || start + count > x.shape[0]) throw new Error(`rowSlice: rows [${start}, ${start + count}) outside [0, ${x.shape[0]})`);
    if (x.dtype !== "float32" && x.dtype !== "int32") throw new Error(`rowSlice: unsupported dtype ${x.dtype}`);
    const out = ctx.alloc([count, ...x.shape.slice(1)], x.dtype);
    // Same-dtype typed arrays: a plain element copy.
    const xv = ctx.view(x) as Float32Array;
    (ctx.view(out) as Float32Array).set(xv.subarray(start * inner, (start + count) * inner));
    return out;
  },
  // rowSlice is used on taped tensors too (module outputs, the loss slice): its gradient pads.
  // x is not saved (only its row count, as an attribute): keeping it would hold the whole sliced
  // tensor (the original lab's [trg len, batch, vocab] outputs) alive until this gradient runs.
  gradient: (dy, saved, attrs) => {
    const { start, count, rows } = attrs as unknown as { start: number; count: number; rows: number };
    const pads: Array<[number, number]> = (dy as tf.Tensor).shape.map(() => [0, 0] as [number, number]);
    pads[0] = [start, rows - start - count];
    return { x: () => tf.pad(dy as tf.Tensor, pads) };
  },
});

/** Each row of x (first axis) as its own tensor, copied; its gradient stacks the rows' gradients. */
const unstackRowsKernel = defineKernel({
  name: "Lab4UnstackRows",
  run: (ctx, a) => {
    const x = a.inputs.x as tf.TensorInfo;
    if (x.dtype !== "float32") throw new Error(`unstackRows: unsupported dtype ${x.dtype}`);
    const shape = x.shape.slice(1);
    const inner = shape.reduce((p, c) => p * c, 1);
    const outs = Array.from({ length: x.shape[0] }, () => ctx.alloc(shape));
    const xv = ctx.view(x) as Float32Array;
    outs.forEach((o, i) => (ctx.view(o) as Float32Array).set(xv.subarray(i * inner, (i + 1) * inner)));
    return outs;
  },
  // tfjs hands a one-output kernel's gradient a tensor, not a list (why not tf.unstack, see unstackRows).
  gradient: (dy) => ({ x: () => tf.stack(Array.isArray(dy) ? dy : [dy]) }),
});

/** 2-D transpose, cache-blocked (faster than wasm's Transpose kernel). */
const transposeKernel = defineKernel({
  name: "Lab4Transpose2D",
  run: (ctx, a) => {
    const x = a.inputs.x as tf.TensorInfo;
    const [R, C] = x.shape;
    const out = ctx.alloc([C, R]);
    const xv = ctx.view(x);
    const ov = ctx.view(out);
    const BS = 32;
    for (let i0 = 0; i0 < R; i0 += BS) {
      const i1 = Math.min(R, i0 + BS);
      for (let j0 = 0; j0 < C; j0 += BS) {
        const j1 = Math.min(C, j0 + BS);
        for (let i = i0; i < i1; i++) {
          const ri = i * C;
          for (let j = j0; j < j1; j++) ov[j * R + i] = xv[ri + j];
        }
      }
    }
    return out;
  },
});

let enabled = true;

/** Turns these kernels off (plain tf ops everywhere), e.g. to test the fallback. */
export function useRowKernels(on: boolean): void {
  enabled = on;
}

/** Rows [start, start + count) along the first axis (a contiguous copy, no full-input read). */
export function rowSlice<T extends tf.Tensor>(x: T, start: number, count: number): T {
  if (start === 0 && count === x.shape[0]) return x;
  if (!enabled || !rowSliceKernel.available() || (x.dtype !== "float32" && x.dtype !== "int32"))
    return tf.slice(x, [start, ...x.shape.slice(1).map(() => 0)], [count, ...x.shape.slice(1)]) as T;
  return rowSliceKernel.run({ x }, { start, count, rows: x.shape[0] })[0] as T;
}

/**
 * `tf.unstack(x)` along the first axis, differentiable for any number of rows (tfjs 4.22's Unpack
 * gradient breaks on a single piece) and in one step both ways: a copy per row forward, one stack
 * of the rows' gradients backward.
 */
export function unstackRows<T extends tf.Tensor>(x: tf.Tensor): T[] {
  if (!enabled || !unstackRowsKernel.available() || x.dtype !== "float32") {
    const shape = x.shape.slice(1);
    return Array.from({ length: x.shape[0] }, (_, i) => tf.reshape(rowSlice(x, i, 1), shape) as T);
  }
  return unstackRowsKernel.run({ x }) as T[];
}

/**
 * `tf.stack(parts)` (axis 0) whose gradient hands each part its rows of dy with `rowSlice`. tfjs's
 * Pack gradient is Unpack, which on wasm copies the whole dy once per part (quadratic).
 */
export function stackRows<T extends tf.Tensor>(parts: tf.Tensor[]): T {
  if (parts.length === 0) throw new Error("stackRows: nothing to stack");
  const shape = parts[0].shape;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xs = args.slice(0, parts.length) as tf.Tensor[];
    return {
      value: tf.stack(xs),
      gradFunc: (dy: tf.Tensor) => xs.map((_, i) => tf.reshape(rowSlice(dy, i, 1), shape)),
    };
  });
  return op(...parts) as T;
}

/** xᵀ for a 2-D float32 tensor (not differentiable: for use inside hand-written backwards). */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  if (!enabled || !transposeKernel.available() || x.dtype !== "float32") return tf.transpose(x);
  return transposeKernel.run({ x })[0] as tf.Tensor2D;
}
