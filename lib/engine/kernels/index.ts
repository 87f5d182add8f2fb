import * as tf from "@tensorflow/tfjs-core";
import { addProductInPlace, fastBatchMatMul, fastFusedMatMul } from "./matmul";
import { zeroCopyIdentity } from "./identity";
import { fastUnpack } from "./unpack";
import { fastGather } from "./gather";
import { fastPad } from "./pad";
import { packAdopting, sliceView } from "./views";
import { installViews, viewSupportProblem, wasmBackendVersion } from "../views";
import { overrideKernel, restoreKernel } from "./registry";
import { cpuUnsortedSegmentSum, wasmUnsortedSegmentSum } from "./segment-sum";
import { nativeBlas, type NativeBlas } from "./native-blas";

export { overrideKernel, restoreKernel, originalKernel, overriddenKernels, callKernel } from "./registry";
export { defineKernel, numAttr } from "./define";
export type { DefinedKernel, KernelBackend, KernelBody, KernelContext, KernelDefinition, KernelOutput } from "./define";
export type { KernelArgs, KernelFunc } from "./registry";
export { asWasmBackend, asCpuBackend } from "./backend-access";
export type { WasmBackendInternals, CpuBackendInternals } from "./backend-access";
export { segmentSum, wasmUnsortedSegmentSum, cpuUnsortedSegmentSum, addRowSumsInPlace } from "./segment-sum";
export { fastBatchMatMul, fastFusedMatMul, IN_PLACE_MAX_K } from "./matmul";
export { nativeBlas, nativeBlasStatus, nativeBlasFile } from "./native-blas";
export type { NativeBlas, NativeBlasStatus } from "./native-blas";
export { forceHeapLoops, heapLoops, type HeapLoopsKind } from "./heap-loops";
export {
  wasmLoopsFor,
  wasmLoopsFile,
  instantiateLoops,
  singleThreadWasmLoops,
  ADAM_CHUNK,
  type HeapLoops,
  type WasmLoopsStatus,
} from "./wasm-loops";
export { LoopThreads, WORKER_SOURCE, type ElementwiseCall } from "./loop-threads";
export { zeroCopyIdentity } from "./identity";
export { columnSums, type ColumnSumsRounding } from "./column-sums";
export { fastUnpack } from "./unpack";

/** The native GEMM behind the wasm products, when installed (installWasmKernelFixes). */
let installedBlas: NativeBlas | undefined;

/**
 * c += op(a)·op(b) in place, when the native GEMM runs the wasm backend's products (2-D float32,
 * K <= IN_PLACE_MAX_K: same bits as adding the product computed apart). False when it does not
 * apply; c is then unchanged. For gradient accumulation (../tape-memory.ts addIntoGradient).
 */
export function addProductInto(c: tf.Tensor, a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): boolean {
  return installedBlas !== undefined && addProductInPlace(installedBlas, c, a, b, transposeA, transposeB);
}

/**
 * True when a matMul with transposed operands costs no more than an untransposed one on the active
 * backend: everywhere except wasm without the native GEMM (XNNPACK takes only untransposed operands
 * there, so our layers keep cached transposed weights for it).
 */
export function transposedProductsAreFast(): boolean {
  return tf.getBackend() !== "wasm" || installedBlas !== undefined;
}

/** Which wasm fixes to install; all default to true. */
export interface WasmKernelFixes {
  /** JS `UnsortedSegmentSum` (missing on wasm: the gradient of gather / embeddings). */
  segmentSum?: boolean;
  /** `BatchMatMul` / `_FusedMatMul` with transposes or batches routed to the fast 2-D kernel. */
  matMul?: boolean;
  /** Float32 products on the native OpenBLAS binding when it is built (needs `matMul`). */
  nativeBlas?: boolean;
  /** `Identity` shares data instead of copying (the tape clones every saved tensor). */
  zeroCopyIdentity?: boolean;
  /** `Unpack` as block copies (the gradient of `tf.stack`). */
  unpack?: boolean;
  /** `GatherV2` as block copies (embedding lookups). */
  gather?: boolean;
  /** `PadV2` along one axis as block fills and copies (the gradient of tf.slice). */
  pad?: boolean;
  /** `Slice`/`Pack`/`Unpack` share heap memory (views, ../views.ts) when the internals are the pinned ones. */
  views?: boolean;
}

let viewNotice: string | undefined;

type KernelFactory = Parameters<typeof overrideKernel>[3];

/**
 * Installs the wasm kernel fixes (tfjs-backend-wasm must already be loaded, so its kernels are
 * registered). Idempotent. Returns the kernels now overridden.
 */
export function installWasmKernelFixes(fixes: WasmKernelFixes = {}): string[] {
  const on = (k: keyof WasmKernelFixes) => fixes[k] ?? true;
  const blas = on("matMul") && on("nativeBlas") ? nativeBlas() : undefined;
  installedBlas = on("matMul") ? blas : undefined;
  const how = blas ? "native OpenBLAS GEMM on the wasm heap" : "explicit transpose + 2-D XNNPACK";
  const installed: string[] = [];
  const set = (want: boolean, name: string, label: string, make: KernelFactory) => {
    if (!want) return void restoreKernel(name, "wasm");
    overrideKernel(name, "wasm", label, make);
    installed.push(name);
  };
  set(on("segmentSum"), "UnsortedSegmentSum", "JS single-pass segment sum", () => wasmUnsortedSegmentSum);
  set(on("matMul"), "BatchMatMul", how, (o) => fastBatchMatMul(o, blas));
  set(on("matMul"), "_FusedMatMul", how, (o) => fastFusedMatMul(o, blas));
  set(on("zeroCopyIdentity"), "Identity", "zero-copy", zeroCopyIdentity);
  set(on("unpack"), "Unpack", "block copies", fastUnpack);
  set(on("gather"), "GatherV2", "block copies", fastGather);
  set(on("pad"), "PadV2", "block fills and copies along one axis", fastPad);
  const views = on("views") && installWasmViews(tf.findBackend("wasm"));
  set(views, "Slice", "views for contiguous slices", sliceView);
  set(views, "Pack", "one copy shared by the parts", packAdopting);
  return installed;
}

/**
 * Installs views on `backend` when its internals are the pinned ones; otherwise prints why, once
 * per reason, and returns false (Slice and Pack stay stock: they copy).
 */
export function installWasmViews(backend: unknown, version: string | undefined = wasmBackendVersion()): boolean {
  const problem = viewSupportProblem(backend, version);
  if (problem === undefined) {
    installViews(backend);
    return true;
  }
  if (viewNotice !== problem) console.warn(`lab4: tf.slice/tf.stack copy on wasm (no views): ${problem}`);
  viewNotice = problem;
  return false;
}

/** Restores every stock wasm kernel (UnsortedSegmentSum becomes unregistered again). */
export function removeWasmKernelFixes(): void {
  installWasmKernelFixes({
    segmentSum: false,
    matMul: false,
    zeroCopyIdentity: false,
    unpack: false,
    gather: false,
    pad: false,
    views: false,
  });
}

/** Replaces the cpu backend's quadratic UnsortedSegmentSum. Idempotent. */
export function installCpuKernelFixes(): string[] {
  overrideKernel("UnsortedSegmentSum", "cpu", "JS single-pass segment sum", () => cpuUnsortedSegmentSum);
  return ["UnsortedSegmentSum"];
}
