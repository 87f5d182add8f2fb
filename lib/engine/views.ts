import * as tf from "@tensorflow/tfjs-core";
import { PINNED_TFJS_WASM } from "./wasm-threads";

/*
 * Views on the wasm heap: tensors that share another tensor's memory at an offset.
 *
 * Why: the original lab writes `torch.stack(outputs)` and `output[1:]`. On tfjs-backend-wasm 4.22
 * `tf.stack` leaves every per-step output alive next to its copy in the stack, and `tf.slice` copies
 * (after reading its whole input out of the heap): on the longest Multi30k batch, two more copies of
 * a ~90 MB [trg len, batch, vocab] tensor per training step. With views:
 *   - a Slice that is contiguous in row-major order (e.g. any range of the first axis) is a new
 *     tensor at an offset into its input's memory, zero copy;
 *   - Pack copies its parts into one buffer, then re-points each part to its rows of that buffer and
 *     frees the part's own memory (tensors are immutable: the contents are equal), so only one copy
 *     is left;
 *   - Unpack's pieces along a leading axis are views (the gradient of Pack).
 * A view is an ordinary tensor of the backend (its own data id and C++ tensor id registered at its
 * offset), so `readSync`, `typedArrayFromHeap` and the C++ kernels read it as any other. A buffer
 * shared this way is a `Block`; it is freed when the last tensor data on it is disposed (the backend's
 * `disposeData` is patched on the instance for data in a block). Offsets survive heap growth.
 *
 * It relies on internals of the pinned tfjs-backend-wasm; `viewSupportProblem` checks them and the
 * kernels stay stock (with a one-line notice) when they differ.
 */

/** One entry of the wasm backend's dataIdMap (backend_wasm.ts TensorData). */
interface TensorData {
  id: number;
  memoryOffset: number | null;
  shape: number[];
  dtype: tf.DataType;
  refCount: number;
}

/** The parts of BackendWasm used here. */
interface WasmInternals {
  wasm: {
    HEAPU8: Uint8Array;
    _free(ptr: number): void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdMap: { get(d: tf.DataId): TensorData | undefined; has(d: tf.DataId): boolean; delete(d: tf.DataId): boolean };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** Memory shared by several tensor data: freed when `holders` drops to 0. */
interface Block {
  ptr: number;
  holders: number;
}

/** Source markers of the internals relied on (method -> text it must contain). */
const MARKERS: Array<[string, string]> = [
  ["disposeData", "this.wasm._free(data.memoryOffset);"],
  ["disposeData", "this.wasm.tfjs.disposeData(data.id);"],
  ["disposeData", "this.dataIdMap.delete(dataId);"],
  ["makeOutput", "this.wasm.tfjs.registerTensor(id, size, memoryOffset);"],
  ["typedArrayFromHeap", "this.dataIdMap.get(dataId).memoryOffset"],
  ["readSync", "memoryOffset + start * bytesPerElement"],
  ["incRef", "data.refCount++"],
];

/**
 * Why views cannot be used on this backend object (version or internals differ), or undefined when
 * they can. Pure: tests call it with other versions and altered backends.
 */
export function viewSupportProblem(backend: unknown, version: string | undefined): string | undefined {
  if (version !== PINNED_TFJS_WASM) return `tfjs-backend-wasm ${version ?? "(unknown version)"} is not the pinned ${PINNED_TFJS_WASM}`;
  const b = backend as Partial<WasmInternals> | null;
  if (typeof b !== "object" || b === null) return "no wasm backend";
  // The class's methods (installViews puts its own disposeData on the instance).
  const proto = Object.getPrototypeOf(b) as Record<string, unknown> | null;
  for (const [method, text] of MARKERS) {
    const f = proto?.[method];
    if (typeof f !== "function" || !Function.prototype.toString.call(f).includes(text))
      return `tfjs-backend-wasm ${version}: ${method} is not as expected`;
  }
  const map = b.dataIdMap as unknown as Record<string, unknown> | undefined;
  if (!map || typeof map.get !== "function" || typeof map.has !== "function" || typeof map.delete !== "function")
    return `tfjs-backend-wasm ${version}: dataIdMap is not as expected`;
  if (typeof b.dataIdNextNumber !== "number") return `tfjs-backend-wasm ${version}: dataIdNextNumber is not as expected`;
  const w = b.wasm;
  if (!w || typeof w._free !== "function" || typeof w.tfjs?.registerTensor !== "function" || typeof w.tfjs.disposeData !== "function")
    return `tfjs-backend-wasm ${version}: the module's _free / registerTensor / disposeData are missing`;
  return undefined;
}

/** The installed tfjs-backend-wasm's version (undefined when it is not installed). */
export function wasmBackendVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the wasm backend runs
    return (require("@tensorflow/tfjs-backend-wasm") as { version_wasm?: string }).version_wasm;
  } catch {
    return undefined;
  }
}

/** Data ids on a shared block (owners and views alike), per backend. */
const blocks = new WeakMap<object, WeakMap<tf.DataId, Block>>();

/** The blocks of `backend` if views are installed on it. */
function blocksOf(backend: unknown): WeakMap<tf.DataId, Block> | undefined {
  return typeof backend === "object" && backend !== null ? blocks.get(backend) : undefined;
}

/** True when this tensor data shares its memory with other data (a view, or viewed). */
export function sharesMemory(dataId: tf.DataId, backend: unknown = tf.backend()): boolean {
  const block = blocksOf(backend)?.get(dataId);
  return block !== undefined && block.holders > 1;
}

/**
 * Patches `backend.disposeData` (own property: the instance only) so that data on a block frees the
 * block's memory with its last holder. Returns false if already installed.
 */
export function installViews(backend: unknown): boolean {
  const b = backend as WasmInternals;
  if (blocks.has(b)) return false;
  const map = new WeakMap<tf.DataId, Block>();
  blocks.set(b, map);
  const stock = Object.getPrototypeOf(b).disposeData as WasmInternals["disposeData"];
  Object.defineProperty(b, "disposeData", {
    configurable: true,
    writable: true,
    value(this: WasmInternals, dataId: tf.DataId, force = false): boolean {
      const block = map.get(dataId);
      if (block === undefined) return stock.call(this, dataId, force);
      const data = this.dataIdMap.get(dataId);
      if (data === undefined) return true;
      data.refCount--;
      if (!force && data.refCount > 0) return false;
      this.wasm.tfjs.disposeData(data.id);
      this.dataIdMap.delete(dataId);
      map.delete(dataId);
      release(this, block);
      return true;
    },
  });
  return true;
}

/** Whether views are installed on this backend (the kernels below fall back to copies otherwise). */
export function viewsInstalled(backend: unknown): boolean {
  return blocksOf(backend) !== undefined;
}

function release(b: WasmInternals, block: Block): void {
  if (--block.holders === 0) b.wasm._free(block.ptr);
}

/** The block `dataId` is on, making one (held by it alone) if it has none yet. */
function blockOf(b: WasmInternals, map: WeakMap<tf.DataId, Block>, dataId: tf.DataId, data: TensorData): Block {
  let block = map.get(dataId);
  if (block === undefined) {
    block = { ptr: data.memoryOffset as number, holders: 1 };
    map.set(dataId, block);
  }
  return block;
}

function dataOf(b: WasmInternals, dataId: tf.DataId): TensorData {
  const data = b.dataIdMap.get(dataId);
  if (data === undefined || data.memoryOffset === null) throw new Error("lab4 engine views: tensor data is not on the wasm heap");
  return data;
}

/**
 * A new tensor of `shape` reading `src`'s memory from `byteOffset` on (no copy). `src` must already
 * be on this backend (ensureOnWasm) and views installed on it.
 */
export function makeView(backend: unknown, src: tf.TensorInfo, byteOffset: number, shape: number[], dtype: tf.DataType): tf.TensorInfo {
  const b = backend as WasmInternals;
  const map = blocksOf(b);
  if (!map) throw new Error("lab4 engine views: not installed on this backend");
  const data = dataOf(b, src.dataId);
  const block = blockOf(b, map, src.dataId, data);
  const out = b.makeOutput(shape, dtype, (data.memoryOffset as number) + byteOffset);
  block.holders++;
  map.set(out.dataId, block);
  return out;
}

/**
 * Moves each part's data onto `out` (a fresh tensor holding the parts' contents one after the
 * other, `partBytes` each): the part's own memory is freed and it reads its rows of `out` from then
 * on. Variables are left alone (they may outlive `out` by far: they would keep all of it).
 */
export function adoptParts(backend: unknown, out: tf.TensorInfo, parts: tf.TensorInfo[], partBytes: number): void {
  const b = backend as WasmInternals;
  const map = blocksOf(b);
  if (!map || partBytes === 0) return;
  const variables = variableDataIds();
  const outData = dataOf(b, out.dataId);
  const block = blockOf(b, map, out.dataId, outData);
  const seen = new Set<tf.DataId>();
  parts.forEach((p, i) => {
    if (seen.has(p.dataId) || variables.has(p.dataId)) return;
    seen.add(p.dataId);
    const data = dataOf(b, p.dataId);
    const old = map.get(p.dataId);
    if (old === block) return; // (already on it)
    if (old !== undefined) release(b, old);
    else b.wasm._free(data.memoryOffset as number);
    // A new C++ tensor id: anything cached under the old one (XNNPACK operators) is dropped with it.
    b.wasm.tfjs.disposeData(data.id);
    data.id = b.dataIdNextNumber++;
    data.memoryOffset = (outData.memoryOffset as number) + i * partBytes;
    b.wasm.tfjs.registerTensor(data.id, tf.util.sizeFromShape(data.shape), data.memoryOffset);
    block.holders++;
    map.set(p.dataId, block);
  });
}

function variableDataIds(): Set<tf.DataId> {
  const vars = (tf.engine() as unknown as { state: { registeredVariables: Record<string, tf.Variable> } }).state.registeredVariables;
  return new Set(Object.values(vars).map((v) => v.dataId));
}
