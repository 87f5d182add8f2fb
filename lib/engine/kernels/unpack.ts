import { asWasmBackend, ensureOnWasm } from "./backend-access";
import { aroundAxis } from "./axis";
import { makeView, viewsInstalled } from "../views";
import type { KernelArgs, KernelFunc } from "./registry";

/**
 * `Unpack` (tf.unstack) for wasm as plain block copies on the heap.
 *
 * Why: the stock kernel slices once per output through the generic strided Slice, and the
 * gradient of the original lab's `tf.stack(outputs)` unstacks the whole [trg_len, batch, vocab] logits
 * gradient: many times the cost of the one block copy it amounts to.
 * When the pieces lie one after the other (every axis before `axis` has size 1, e.g. axis 0) and
 * views are installed (../views.ts), each piece is a view of the input instead: no copy at all.
 */
export function fastUnpack(original: KernelFunc | undefined): KernelFunc {
  return (args: KernelArgs) => {
    const value = args.inputs.value;
    if (!value) throw new Error("Unpack: input value is required");
    if (value.dtype === "string" || value.dtype === "complex64") {
      if (!original) throw new Error("wasm Unpack kernel is not registered");
      return original(args);
    }
    const { axis, outer, dim: num, inner } = aroundAxis("Unpack", value.shape, args.attrs?.axis);
    const shape = value.shape.filter((_, i) => i !== axis);
    const w = asWasmBackend(args.backend);
    ensureOnWasm(w, value);
    if (outer === 1 && viewsInstalled(args.backend) && inner > 0) {
      const bytes = inner * (value.dtype === "bool" ? 1 : 4);
      return Array.from({ length: num }, (_, i) => makeView(args.backend, value, i * bytes, shape, value.dtype));
    }
    const outs = Array.from({ length: num }, () => w.makeOutput(shape, value.dtype));
    // Views only after every makeOutput: allocating may grow (and so detach) the heap.
    const src = w.typedArrayFromHeap(value);
    for (let i = 0; i < num; i++) {
      const dst = w.typedArrayFromHeap(outs[i]);
      for (let o = 0; o < outer; o++) {
        const from = (o * num + i) * inner;
        dst.set(src.subarray(from, from + inner), o * inner);
      }
    }
    return outs;
  };
}
