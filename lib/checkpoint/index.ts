import * as tf from "@tensorflow/tfjs-core";
import { Module } from "../nn/module";
import { DecodedTensor, readSafetensors, SafeDType, SafetensorsFile, writeSafetensors } from "./safetensors";

const FLOAT_DTYPES = new Set<SafeDType>(["F64", "F32", "F16", "BF16"]);

export * from "./safetensors";

/**
 * `torch.save(model.state_dict(), path)` in the safetensors format, with PyTorch's parameter names
 * (so the file loads into the original lab's PyTorch model with `safetensors.torch.load_file`). Atomic.
 */
export function saveCheckpoint(model: Module, file: string, metadata?: Record<string, string>): void {
  const state = model.stateDict();
  try {
    writeSafetensors(file, state, { format: "pt", ...metadata });
  } finally {
    for (const t of state.values()) t.dispose();
  }
}

/**
 * `model.load_state_dict(torch.load(path))`: refuses (changing nothing) a file that is truncated or
 * not safetensors (error names the file and byte counts), or whose tensor names/shapes differ from
 * the model's (error lists every mismatch). Returns the file's metadata.
 *
 * Reads one tensor at a time and assigns it before reading the next, so loading costs one tensor of
 * memory, not a second model (everything that can refuse the file is checked before the first assign).
 */
export function loadCheckpoint(model: Module, file: string): Record<string, string> {
  const f = new SafetensorsFile(file);
  try {
    try {
      model.assertStateFits(new Map([...f.entries].map(([n, e]) => [n, e.shape])));
    } catch (e) {
      throw new Error(`checkpoint ${file} does not fit this model: ${(e as Error).message}`, { cause: e });
    }
    // Integer tensors can fail to convert (int64 beyond int32): decode them all before assigning any.
    const early = new Map<string, DecodedTensor>();
    for (const [n, e] of f.entries) if (!FLOAT_DTYPES.has(e.dtype)) early.set(n, f.read(n));
    for (const [n, p] of model.namedParameters()) {
      const d = early.get(n) ?? f.read(n);
      const t = tf.tensor(d.data, d.shape, d.dtype);
      const v = t.dtype === p.dtype ? t : tf.cast(t, p.dtype);
      p.assign(v); // the variable takes a reference to v's data; disposing v and t frees nothing it uses
      if (v !== t) v.dispose();
      t.dispose();
    }
    return f.metadata;
  } finally {
    f.close();
  }
}

/** Tensors of a checkpoint without a model (caller disposes them). */
export function readCheckpoint(file: string): Map<string, tf.Tensor> {
  return readSafetensors(file).tensors;
}
