import * as tf from "@tensorflow/tfjs-core";
import { initBackend, installWasmKernelFixes, removeWasmKernelFixes } from "../../lib/engine";

/** `f` on tfjs-wasm's stock kernels (every engine fix off), then the fixes back on. */
export function stock<T>(f: () => T): T {
  removeWasmKernelFixes();
  try {
    return f();
  } finally {
    installWasmKernelFixes();
  }
}

/** Runs `f` with `name` as the active backend and returns plain arrays (tensors disposed). */
export async function onBackend<T extends tf.TensorContainer>(name: "wasm" | "cpu", f: () => T): Promise<T> {
  await initBackend({ backend: "wasm" }); // loads wasm + installs fixes once
  await tf.setBackend(name);
  try {
    return tf.tidy(f);
  } finally {
    await tf.setBackend("wasm");
  }
}

/** Deterministic pseudo-random floats in [-1, 1) (no tfjs RNG, identical on both backends). */
export function rand(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The float32 bit patterns of some values (to compare results exactly, -0 and NaN included). */
export function bits(a: ArrayLike<number>): number[] {
  return Array.from(new Uint32Array(Float32Array.from(a).buffer));
}
