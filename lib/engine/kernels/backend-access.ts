import * as tf from "@tensorflow/tfjs-core";

/**
 * The few backend internals our JS kernels use, typed (tfjs passes kernels `backend: {}`).
 * These are internals of tfjs-backend-wasm / tfjs-backend-cpu 4.22.0 (pinned in package.json);
 * each accessor checks the methods exist so a version change fails loudly, not silently wrong.
 */

type HeapArray = Float32Array | Int32Array | Uint8Array;

/** BackendWasm (tfjs-backend-wasm/dist/backend_wasm.js). */
export interface WasmBackendInternals {
  /** A view into the wasm heap (invalidated when the heap grows, e.g. after `makeOutput`). */
  typedArrayFromHeap(t: tf.TensorInfo): HeapArray;
  /** Allocates an output tensor on the heap (uninitialised memory unless `values` is given). */
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.BackendValues): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  incRef(dataId: tf.DataId): void;
}

/** MathBackendCPU (tfjs-backend-cpu/dist/backend_cpu.js). */
export interface CpuBackendInternals {
  data: { get(dataId: tf.DataId): { values: tf.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.BackendValues): tf.TensorInfo;
}

function hasMethods(b: unknown, names: string[]): boolean {
  if (typeof b !== "object" || b === null) return false;
  const o = b as Record<string, unknown>;
  return names.every((n) => typeof o[n] === "function");
}

export function asWasmBackend(b: unknown): WasmBackendInternals {
  if (!hasMethods(b, ["typedArrayFromHeap", "makeOutput", "disposeData", "incRef"]))
    throw new Error("lab4 engine: the wasm backend lacks the internals our kernels use (tfjs-backend-wasm version changed?)");
  return b as WasmBackendInternals;
}

export function asCpuBackend(b: unknown): CpuBackendInternals {
  const ok = hasMethods(b, ["makeTensorInfo"]) && typeof (b as { data?: { get?: unknown } }).data?.get === "function";
  if (!ok) throw new Error("lab4 engine: the cpu backend lacks the internals our kernels use (tfjs-backend-cpu version changed?)");
  return b as CpuBackendInternals;
}

/**
 * Makes sure each tensor's data is on this wasm backend. tfjs moves a tensor created on another
 * backend (e.g. before `initBackend()`) lazily, on the first lookup of its data, and that move
 * allocates on the heap: done after `makeOutput`, it would grow (detach) the heap under views
 * already taken. Call this before allocating outputs, then take the views.
 */
export function ensureOnWasm(w: WasmBackendInternals, ...tensors: tf.TensorInfo[]): void {
  for (const t of tensors) w.typedArrayFromHeap(t);
}

/**
 * True when every tensor's data already lives on the active backend (for code outside a kernel,
 * where tfjs has not moved inputs over: a tensor made before `initBackend()` may still be elsewhere).
 */
export function onActiveBackend(...tensors: tf.TensorInfo[]): boolean {
  const eng = tf.engine() as unknown as {
    backend: unknown;
    state: { tensorInfo: { get(d: tf.DataId): { backend: unknown } | undefined } };
  };
  return tensors.every((t) => eng.state.tensorInfo.get(t.dataId)?.backend === eng.backend);
}
