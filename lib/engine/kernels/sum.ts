import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, ensureOnWasm } from "./backend-access";
import type { KernelArgs, KernelFunc } from "./registry";

/**
 * `Sum` over leading axes (e.g. a bias gradient: [batch, out] -> [out]) for wasm, as one pass that
 * adds row after row into the output.
 *
 * Why: the stock kernel only reduces innermost axes, so it first transposes the whole input: 5 ms
 * for a [128, 5893] gradient, 27 ms for [512, 5893] (~90 ms of each Seq2Seq step). The stock
 * kernel adds each output's terms one by one in float32 in row order, and so does this loop
 * (a float64 sum of two float32 values rounds to the same float32: 53 >= 2*24 + 2), so the
 * results are the same bits. Other reductions go to the stock kernel.
 */
export function fastSum(original: KernelFunc | undefined): KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x;
    if (!x) throw new Error("Sum: input x is required");
    if (!original) throw new Error("wasm Sum kernel is not registered");
    const rank = x.shape.length;
    const axisAttr = args.attrs?.axis as number | number[] | undefined;
    // Exactly [0, 1, .., k-1] in this order: the stock kernel adds in the order the axes are given.
    const axes = tf.util.parseAxisParam(axisAttr ?? [], x.shape);
    const k = axes.length;
    const leading = k > 0 && k < rank && axes.every((a, i) => a === i);
    if (x.dtype !== "float32" || !leading) return original(args);
    const outer = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(k).reduce((a, b) => a * b, 1);
    if (outer <= 1) return original(args); // no transpose to save
    const outShape = args.attrs?.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const w = asWasmBackend(args.backend);
    ensureOnWasm(w, x);
    const out = w.makeOutput(outShape, "float32");
    // Views only after makeOutput: allocating may grow (and so detach) the heap.
    const src = w.typedArrayFromHeap(x) as Float32Array;
    const dst = w.typedArrayFromHeap(out) as Float32Array;
    dst.fill(0);
    for (let r = 0, base = 0; r < outer; r++, base += inner) for (let j = 0; j < inner; j++) dst[j] += src[base + j];
    return out;
  };
}
