import { asWasmBackend, ensureOnWasm } from "./backend-access";
import { aroundAxis } from "./axis";
import type { KernelArgs, KernelFunc } from "./registry";

/**
 * `PadV2` (tf.pad; the gradient of tf.slice) for wasm as block fills and copies when a single axis
 * is padded: x seen as [outer, dim, inner] around that axis, each outer block is `before·inner`
 * constants, x's block, then `after·inner` constants.
 * Why: the stock kernel walks every element through its generic strided index, which costs more
 * than the copy it amounts to (the loss slice's gradient pads the whole [trg len, batch, vocab]).
 * Any other padding, dtype or empty x goes to the stock kernel.
 */
export function fastPad(original: KernelFunc | undefined): KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x;
    if (!x) throw new Error("PadV2: input x is required");
    const paddings = (args.attrs?.paddings ?? []) as Array<[number, number]>;
    const padded = paddings.map((p, i) => (p[0] !== 0 || p[1] !== 0 ? i : -1)).filter((i) => i >= 0);
    const size = x.shape.reduce((a, b) => a * b, 1);
    const simple = (x.dtype === "float32" || x.dtype === "int32") && paddings.length === x.shape.length && size > 0;
    if (!simple || padded.length !== 1 || paddings[padded[0]].some((p) => !(Number.isInteger(p) && p >= 0))) {
      if (!original) throw new Error("wasm PadV2 kernel is not registered");
      return original(args);
    }
    const { axis, outer, dim, inner } = aroundAxis("PadV2", x.shape, padded[0]);
    const [before, after] = paddings[axis];
    const value = Number(args.attrs?.constantValue ?? 0);
    const w = asWasmBackend(args.backend);
    ensureOnWasm(w, x);
    const out = w.makeOutput(
      x.shape.map((d, i) => (i === axis ? before + d + after : d)),
      x.dtype,
    );
    // Views only after makeOutput: allocating may grow (and so detach) the heap.
    const src = w.typedArrayFromHeap(x);
    const dst = w.typedArrayFromHeap(out);
    const block = (before + dim + after) * inner;
    for (let o = 0; o < outer; o++) {
      const at = o * block;
      dst.fill(value, at, at + before * inner);
      dst.set(src.subarray(o * dim * inner, (o + 1) * dim * inner), at + before * inner);
      dst.fill(value, at + (before + dim) * inner, at + block);
    }
    return out;
  };
}
