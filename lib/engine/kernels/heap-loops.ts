import { nativeBlasStatus } from "./native-blas";
import { wasmLoopsFor, type HeapLoops } from "./wasm-loops";

/**
 * Which loops the Lab4 kernels run on the wasm backend's heap: the native binding's when it is
 * loaded, else the WebAssembly SIMD module's, else none (the kernels' own JS loops). All three
 * give the same bits for Adam; for the cross-entropy the two C builds agree bit for bit and JS
 * to float precision (its exp is a double one).
 */
export type HeapLoopsKind = "native" | "wasm" | "js";

let forced: HeapLoopsKind | undefined;

/** Makes the kernels run one kind of loops (tests, bench); undefined restores the default choice. */
export function forceHeapLoops(kind: HeapLoopsKind | undefined): void {
  forced = kind;
}

/**
 * The loops for a kernel on the wasm backend (`backend`: what tfjs passes a kernel), with their
 * kind, or undefined for the JS loops. A forced kind that is not available throws, naming why.
 */
export function heapLoops(backend: unknown): { kind: "native" | "wasm"; loops: HeapLoops } | undefined {
  if (forced === "js") return undefined;
  if (forced !== "wasm") {
    const n = nativeBlasStatus();
    if (n.loaded) return { kind: "native", loops: n.blas };
    if (forced === "native") throw new Error(`lab4: native loops asked for but not loaded: ${n.reason}`);
  }
  const w = wasmLoopsFor(backend);
  if (w.loaded) return { kind: "wasm", loops: w.loops };
  if (forced === "wasm") throw new Error(`lab4: WebAssembly loops asked for but not loaded: ${w.reason}`);
  return undefined;
}
