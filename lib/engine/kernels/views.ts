import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, ensureOnWasm } from "./backend-access";
import { adoptParts, makeView, viewsInstalled } from "../views";
import type { KernelArgs, KernelFunc } from "./registry";

/*
 * `Slice` and `Pack` (tf.slice, tf.stack) on wasm with views (../views.ts): a contiguous slice
 * shares its input's memory; a stack leaves one copy of its parts. Anything else goes to the stock
 * kernel.
 */

const viewable = (dtype: tf.DataType) => dtype === "float32" || dtype === "int32" || dtype === "bool";

/** `Slice` as a view when the slice is contiguous in row-major order (e.g. rows of the first axis). */
export function sliceView(original: KernelFunc | undefined): KernelFunc {
  return (args: KernelArgs) => {
    if (!original) throw new Error("wasm Slice kernel is not registered");
    const x = args.inputs.x;
    if (!x) throw new Error("Slice: input x is required");
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const n = tf.util.sizeFromShape(size_);
    if (!viewsInstalled(args.backend) || !viewable(x.dtype) || n === 0 || !tf.slice_util.isSliceContinous(x.shape, begin_, size_))
      return original(args);
    const w = asWasmBackend(args.backend);
    ensureOnWasm(w, x);
    const offset = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape));
    return makeView(args.backend, x, offset * tf.util.bytesPerElement(x.dtype), size_, x.dtype);
  };
}

/**
 * `Pack` (tf.stack) as one copy of the parts that the parts then share, when each part's elements
 * stay together in the result (every axis before `axis` has size 1, e.g. axis 0).
 */
export function packAdopting(original: KernelFunc | undefined): KernelFunc {
  return (args: KernelArgs) => {
    if (!original) throw new Error("wasm Pack kernel is not registered");
    const parts = Object.values(args.inputs).filter((t): t is tf.TensorInfo => t !== undefined);
    if (parts.length < 2 || !viewsInstalled(args.backend)) return original(args);
    const { shape, dtype } = parts[0];
    const rank = shape.length + 1;
    let axis = Number((args.attrs as { axis?: number } | undefined)?.axis ?? 0);
    if (axis < 0) axis += rank;
    if (!viewable(dtype) || !(axis >= 0 && axis < rank) || shape.slice(0, axis).some((d) => d !== 1)) return original(args);
    for (const p of parts)
      if (p.dtype !== dtype || !tf.util.arraysEqual(p.shape, shape))
        throw new Error(`Pack: all tensors must have the same shape and dtype: ${p.shape}/${p.dtype} vs ${shape}/${dtype}`);
    const w = asWasmBackend(args.backend);
    ensureOnWasm(w, ...parts);
    const outShape = [...shape.slice(0, axis), parts.length, ...shape.slice(axis)];
    const out = w.makeOutput(outShape, dtype);
    const bytes = tf.util.sizeFromShape(shape) * tf.util.bytesPerElement(dtype);
    // Views after the allocation (it may grow, and so detach, the heap).
    const dst = w.typedArrayFromHeap(out);
    const heap = new Uint8Array(dst.buffer, dst.byteOffset, parts.length * bytes);
    parts.forEach((p, i) => {
      const src = w.typedArrayFromHeap(p);
      heap.set(new Uint8Array(src.buffer, src.byteOffset, bytes), i * bytes);
    });
    adoptParts(args.backend, out, parts, bytes);
    return out;
  };
}
