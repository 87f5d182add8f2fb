import * as tf from "@tensorflow/tfjs-core";
import { Module } from "../nn/module";
import { readSafetensors, writeSafetensors } from "./safetensors";

export * from "./safetensors";

/**
 * `torch.save(model.state_dict(), path)` in the safetensors format, with PyTorch's parameter names
 * (so the file loads into the seed's PyTorch model with `safetensors.torch.load_file`). Atomic.
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
 */
export function loadCheckpoint(model: Module, file: string): Record<string, string> {
  const { tensors, metadata } = readSafetensors(file);
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(`checkpoint ${file} does not fit this model: ${(e as Error).message}`);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return metadata;
}

/** Tensors of a checkpoint without a model (caller disposes them). */
export function readCheckpoint(file: string): Map<string, tf.Tensor> {
  return readSafetensors(file).tensors;
}
