import * as tf from "@tensorflow/tfjs-core";

/*
 * Bytes that tensor data holds on the wasm heap, counted at the allocator: the backend's `_malloc`
 * and `_free` calls, wrapped on its module object while a meter runs. Why not `tf.memory()`: it
 * counts each tensor data apart, so memory shared by views (./views.ts) would count several times,
 * and the heap's size only grows. Allocations made inside the C++ kernels are not seen.
 */

interface WasmAllocator {
  _malloc(n: number): number;
  _free(ptr: number): void;
}

export interface HeapMeter {
  /** Bytes allocated through the meter and not freed yet. */
  readonly live: number;
  /** Highest `live` since the start or the last `resetPeak`. */
  readonly peak: number;
  /** Frees of memory the meter did not see allocated (before it started) or already freed. */
  readonly unknownFrees: number;
  resetPeak(): void;
  /** Unwraps the allocator. */
  stop(): void;
}

/** Starts counting the wasm backend's tensor allocations (throws if the backend is not wasm). */
export function startHeapMeter(backend: unknown = tf.findBackend("wasm")): HeapMeter {
  const wasm = (backend as { wasm?: WasmAllocator } | null)?.wasm;
  if (!wasm || typeof wasm._malloc !== "function" || typeof wasm._free !== "function")
    throw new Error("heap meter: the wasm backend's module (_malloc/_free) is not there");
  const malloc = wasm._malloc;
  const free = wasm._free;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  let unknownFrees = 0;
  wasm._malloc = (n: number) => {
    const p = malloc.call(wasm, n) >>> 0;
    sizes.set(p, n);
    live += n;
    if (live > peak) peak = live;
    return p;
  };
  wasm._free = (p: number) => {
    const n = sizes.get(p >>> 0);
    if (n === undefined) unknownFrees++;
    else {
      sizes.delete(p >>> 0);
      live -= n;
    }
    free.call(wasm, p);
  };
  return {
    get live() {
      return live;
    },
    get peak() {
      return peak;
    },
    get unknownFrees() {
      return unknownFrees;
    },
    resetPeak() {
      peak = live;
    },
    stop() {
      wasm._malloc = malloc;
      wasm._free = free;
    },
  };
}
