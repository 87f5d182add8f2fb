import { fastBatchMatMul, fastFusedMatMul } from "./matmul";
import { zeroCopyIdentity } from "./identity";
import { overrideKernel, restoreKernel } from "./registry";
import { cpuUnsortedSegmentSum, wasmUnsortedSegmentSum } from "./segment-sum";

export { overrideKernel, restoreKernel, originalKernel, overriddenKernels, callKernel } from "./registry";
export type { KernelArgs, KernelFunc } from "./registry";
export { asWasmBackend, asCpuBackend } from "./backend-access";
export type { WasmBackendInternals, CpuBackendInternals } from "./backend-access";
export { segmentSum, wasmUnsortedSegmentSum, cpuUnsortedSegmentSum } from "./segment-sum";
export { fastBatchMatMul, fastFusedMatMul } from "./matmul";
export { zeroCopyIdentity } from "./identity";

/** Which wasm fixes to install; all default to true. */
export interface WasmKernelFixes {
  /** JS `UnsortedSegmentSum` (missing on wasm: the gradient of gather / embeddings). */
  segmentSum?: boolean;
  /** `BatchMatMul` / `_FusedMatMul` with transposes or batches routed to the fast 2-D kernel. */
  matMul?: boolean;
  /** `Identity` shares data instead of copying (the tape clones every saved tensor). */
  zeroCopyIdentity?: boolean;
}

/**
 * Installs the wasm kernel fixes (tfjs-backend-wasm must already be loaded, so its kernels are
 * registered). Idempotent. Returns the kernels now overridden.
 */
export function installWasmKernelFixes(fixes: WasmKernelFixes = {}): string[] {
  const { segmentSum = true, matMul = true, zeroCopyIdentity: zci = true } = fixes;
  const installed: string[] = [];
  if (segmentSum) {
    overrideKernel("UnsortedSegmentSum", "wasm", "JS single-pass segment sum", () => wasmUnsortedSegmentSum);
    installed.push("UnsortedSegmentSum");
  } else restoreKernel("UnsortedSegmentSum", "wasm");
  if (matMul) {
    overrideKernel("BatchMatMul", "wasm", "explicit transpose + 2-D XNNPACK", fastBatchMatMul);
    overrideKernel("_FusedMatMul", "wasm", "explicit transpose + XNNPACK", fastFusedMatMul);
    installed.push("BatchMatMul", "_FusedMatMul");
  } else {
    restoreKernel("BatchMatMul", "wasm");
    restoreKernel("_FusedMatMul", "wasm");
  }
  if (zci) {
    overrideKernel("Identity", "wasm", "zero-copy", zeroCopyIdentity);
    installed.push("Identity");
  } else restoreKernel("Identity", "wasm");
  return installed;
}

/** Restores every stock wasm kernel (UnsortedSegmentSum becomes unregistered again). */
export function removeWasmKernelFixes(): void {
  installWasmKernelFixes({ segmentSum: false, matMul: false, zeroCopyIdentity: false });
}

/** Replaces the cpu backend's quadratic UnsortedSegmentSum. Idempotent. */
export function installCpuKernelFixes(): string[] {
  overrideKernel("UnsortedSegmentSum", "cpu", "JS single-pass segment sum", () => cpuUnsortedSegmentSum);
  return ["UnsortedSegmentSum"];
}
