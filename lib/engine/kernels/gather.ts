import { asWasmBackend, ensureOnWasm } from "./backend-access";
import { aroundAxis } from "./axis";
import type { KernelArgs, KernelFunc } from "./registry";

/**
 * `GatherV2` (tf.gather, the embedding lookup) for wasm as block copies on the heap.
 *
 * x seen as [outer, dimSize, inner] around `axis`; out[o, i, :] = x[o, indices[i], :].
 * Why: the stock kernel computes every element's source through its generic strided index, which
 * costs more than the block copies it amounts to. Indices are checked as the stock kernel checks
 * them, with its message. batchDims > 0 and other dtypes go to the stock kernel.
 */
export function fastGather(original: KernelFunc | undefined): KernelFunc {
  return (args: KernelArgs) => {
    const { x, indices } = args.inputs;
    if (!x || !indices) throw new Error("GatherV2: inputs x and indices are required");
    const batchDims = Number(args.attrs?.batchDims ?? 0);
    if (batchDims !== 0 || !(x.dtype === "float32" || x.dtype === "int32") || indices.dtype !== "int32") {
      if (!original) throw new Error("wasm GatherV2 kernel is not registered");
      return original(args);
    }
    const { axis, outer, dim: dimSize, inner } = aroundAxis("GatherV2", x.shape, args.attrs?.axis);
    const w = asWasmBackend(args.backend);
    ensureOnWasm(w, x, indices);
    const ids = w.typedArrayFromHeap(indices).slice() as Int32Array;
    for (const index of ids)
      if (!(index <= dimSize - 1 && index >= 0)) throw new Error(`GatherV2: the index value ${index} is not in [0, ${dimSize - 1}]`);
    const out = w.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
    // Views only after makeOutput: allocating may grow (and so detach) the heap.
    const src = w.typedArrayFromHeap(x);
    const dst = w.typedArrayFromHeap(out);
    const n = ids.length;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < n; i++) {
        const from = (o * dimSize + ids[i]) * inner;
        dst.set(src.subarray(from, from + inner), (o * n + i) * inner);
      }
    return out;
  };
}
