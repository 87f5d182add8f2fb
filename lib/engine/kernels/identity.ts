import { asWasmBackend } from "./backend-access";
import type { KernelArgs, KernelFunc } from "./registry";

/**
 * Zero-copy `Identity` for wasm: the output shares the input's data (reference counted), as the
 * cpu backend's Identity does. The stock wasm kernel copies, and the engine runs Identity
 * (`tf.clone`) on every tensor a gradient saves, so each use of a weight on the tape copied it.
 * Safe because no tfjs kernel writes into its inputs: tensors are immutable, `Variable.assign`
 * swaps the data id instead of writing.
 */
export function zeroCopyIdentity(original: KernelFunc | undefined): KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x;
    if (!x) throw new Error("Identity: input x is required");
    if (x.dtype === "string") {
      if (!original) throw new Error("wasm Identity kernel is not registered");
      return original(args);
    }
    asWasmBackend(args.backend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
