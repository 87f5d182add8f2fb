import * as tf from "@tensorflow/tfjs-core";
import { asCpuBackend, asWasmBackend, ensureOnWasm } from "./backend-access";
import type { KernelArgs, KernelFunc } from "./registry";
import { heapLoops } from "./heap-loops";
import type { HeapLoops } from "./wasm-loops";

/**
 * The one way lab4 defines a JS kernel for the wasm and cpu backends.
 *
 *   const k = defineKernel({ name: "Lab4Thing", run: (ctx, args) => { ... } });
 *   if (k.available()) out = k.run({ x }, { axis: 0 });
 *
 * A body reads inputs and writes outputs through a `KernelContext` (typed arrays on the wasm heap or
 * the cpu backend's arrays), so nothing outside lib/engine touches backend internals. Give `run` for
 * one body on both backends, or `wasm` and `cpu` when they must differ (e.g. a native loop on wasm).
 * Registration is lazy (first `available`/`run`) and idempotent.
 */

export type KernelBackend = "wasm" | "cpu";
export type KernelOutput = tf.TensorInfo | tf.TensorInfo[];

/** What a kernel body sees of its backend. */
export interface KernelContext {
  readonly backend: KernelBackend;
  /**
   * The data of `t` as a typed array, read and written in place. On wasm a view into the heap: take
   * views only after the last `alloc` (allocating may grow, and so detach, the heap).
   */
  view(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  /** A new output tensor (float32 unless said); its contents are unset until written. */
  alloc(shape: number[], dtype?: "float32" | "int32"): tf.TensorInfo;
  /**
   * The C loops (Adam, softmax cross-entropy) on this backend's views: native or WebAssembly on
   * wasm (./heap-loops.ts), undefined on cpu or when neither loads (the kernel's JS loop runs).
   */
  loops(): HeapLoops | undefined;
}

export type KernelBody = (ctx: KernelContext, args: KernelArgs) => KernelOutput;

export interface KernelDefinition {
  /** The tfjs kernel name (ours start with "Lab4"). */
  name: string;
  /** The body for both backends, unless `wasm`/`cpu` give one each. */
  run?: KernelBody;
  wasm?: KernelBody;
  cpu?: KernelBody;
  /** Its gradient, when it is used on taped tensors. */
  gradient?: tf.GradConfig["gradFunc"];
}

export interface DefinedKernel {
  readonly name: string;
  /** Registers it for wasm and cpu now (idempotent; `available` and `run` do it on first use). */
  register(): void;
  /** The tfjs kernel function for one backend (e.g. to `overrideKernel` a stock one). */
  kernelFunc(backend: KernelBackend): KernelFunc;
  /** True when the active backend runs this kernel (wasm or cpu); registers it on first use. */
  available(): boolean;
  /** Runs it on the active backend (check `available()` first); always a list of outputs. */
  run(inputs: tf.NamedTensorMap, attrs?: Record<string, unknown>): tf.Tensor[];
}

function context(backend: KernelBackend, raw: unknown, inputs: KernelArgs["inputs"]): KernelContext {
  if (backend === "wasm") {
    const w = asWasmBackend(raw);
    // Inputs still on another backend move on first access: do it before any allocation.
    ensureOnWasm(w, ...Object.values(inputs).filter((t): t is tf.TensorInfo => t !== undefined));
    return {
      backend,
      view: (t) => w.typedArrayFromHeap(t),
      alloc: (shape, dtype = "float32") => w.makeOutput(shape, dtype),
      loops: () => heapLoops(raw)?.loops,
    };
  }
  const b = asCpuBackend(raw);
  const made = new Map<tf.DataId, Float32Array | Int32Array>();
  return {
    backend,
    view: (t) => made.get(t.dataId) ?? (b.data.get(t.dataId).values as Float32Array | Int32Array | Uint8Array),
    alloc: (shape, dtype = "float32") => {
      const n = shape.reduce((a, c) => a * c, 1);
      const values = dtype === "int32" ? new Int32Array(n) : new Float32Array(n);
      const info = b.makeTensorInfo(shape, dtype, values);
      made.set(info.dataId, values);
      return info;
    },
    loops: () => undefined,
  };
}

export function defineKernel(def: KernelDefinition): DefinedKernel {
  const bodies: Record<KernelBackend, KernelBody | undefined> = { wasm: def.wasm ?? def.run, cpu: def.cpu ?? def.run };
  const kernelFunc = (backend: KernelBackend): KernelFunc => {
    const body = bodies[backend];
    if (!body) throw new Error(`kernel ${def.name} has no ${backend} body`);
    return (args) => body(context(backend, args.backend, args.inputs), args);
  };
  let registered = false;
  const register = (): void => {
    if (registered) return;
    registered = true;
    for (const backend of ["wasm", "cpu"] as const)
      if (bodies[backend] && !tf.getKernel(def.name, backend))
        tf.registerKernel({ kernelName: def.name, backendName: backend, kernelFunc: kernelFunc(backend) });
    if (def.gradient && !tf.getGradient(def.name)) tf.registerGradient({ kernelName: def.name, gradFunc: def.gradient });
  };
  return {
    name: def.name,
    register,
    kernelFunc,
    available() {
      register();
      const b = tf.getBackend();
      return (b === "wasm" || b === "cpu") && tf.getKernel(def.name, b) !== undefined;
    },
    run(inputs, attrs = {}) {
      register();
      const out = tf.engine().runKernel(def.name, inputs, attrs as tf.NamedAttrMap);
      return Array.isArray(out) ? out : [out as tf.Tensor];
    },
  };
}

/** A numeric attribute of a kernel call (`dflt` when absent; required when no default is given). */
export function numAttr(args: KernelArgs, name: string, dflt?: number): number {
  const v = (args.attrs as Record<string, unknown> | undefined)?.[name];
  if (typeof v === "number") return v;
  if (dflt === undefined) throw new Error(`kernel attribute ${name} is required`);
  return dflt;
}
