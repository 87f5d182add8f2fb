import * as tf from "@tensorflow/tfjs-core";

/**
 * Replacing registered tfjs kernels while keeping the originals callable.
 *
 * tfjs looks a kernel up in its global registry on every op call (`engine.runKernelFunc`), so
 * unregistering a kernel and registering a new config takes effect immediately, also for a
 * backend that is already initialised. A wrapper receives the original `KernelFunc` so it can
 * delegate (e.g. transpose explicitly, then call the fast untransposed original). The
 * original's `setupFunc`/`disposeFunc` are carried over: tfjs calls `setupFunc` again on every
 * `tf.setBackend(name)`, and wasm kernels keep their `cwrap`ped C function in module state set
 * up there.
 *
 * The seq2seq code can use the same mechanism for its own kernel fixes (e.g. a faster Tanh).
 */

export type KernelFunc = tf.KernelFunc;
export type KernelArgs = Parameters<tf.KernelFunc>[0];

interface Saved {
  original: tf.KernelConfig | undefined;
  label: string;
}

const saved = new Map<string, Saved>();
const key = (kernelName: string, backendName: string) => `${backendName}/${kernelName}`;

/**
 * Registers `makeKernel(original)` as kernel `kernelName` for `backendName`, remembering the
 * original (if any) for `restoreKernel`. Overriding an already overridden kernel first restores
 * the original, so wrappers never stack. `label` names the fix in `overriddenKernels()`.
 */
export function overrideKernel(
  kernelName: string,
  backendName: string,
  label: string,
  makeKernel: (original: KernelFunc | undefined) => KernelFunc,
): void {
  restoreKernel(kernelName, backendName);
  const original = tf.getKernel(kernelName, backendName) as tf.KernelConfig | undefined;
  if (original) tf.unregisterKernel(kernelName, backendName);
  const config: tf.KernelConfig = {
    kernelName,
    backendName,
    kernelFunc: makeKernel(original?.kernelFunc),
  };
  if (original?.setupFunc) config.setupFunc = original.setupFunc;
  if (original?.disposeFunc) config.disposeFunc = original.disposeFunc;
  tf.registerKernel(config);
  saved.set(key(kernelName, backendName), { original, label });
}

/** Puts back the kernel that `overrideKernel` replaced (or removes ours if there was none). */
export function restoreKernel(kernelName: string, backendName: string): boolean {
  const k = key(kernelName, backendName);
  const s = saved.get(k);
  if (!s) return false;
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  if (s.original) tf.registerKernel(s.original);
  saved.delete(k);
  return true;
}

/** The stock kernel function behind an override, or the registered one if not overridden. */
export function originalKernel(kernelName: string, backendName: string): KernelFunc | undefined {
  const s = saved.get(key(kernelName, backendName));
  if (s) return s.original?.kernelFunc;
  return (tf.getKernel(kernelName, backendName) as tf.KernelConfig | undefined)?.kernelFunc;
}

/** `"backend/Kernel: label"` for every active override (for diagnostics and the bench). */
export function overriddenKernels(): string[] {
  return [...saved].map(([k, s]) => `${k}: ${s.label}`);
}

/** Calls a registered kernel of `backend` directly (inside another kernel). */
export function callKernel(kernelName: string, args: KernelArgs, backendName: string): tf.TensorInfo {
  const k = tf.getKernel(kernelName, backendName) as tf.KernelConfig | undefined;
  if (!k) throw new Error(`kernel '${kernelName}' is not registered for backend '${backendName}'`);
  const out = k.kernelFunc(args);
  if (Array.isArray(out)) throw new Error(`kernel '${kernelName}' returned several outputs`);
  return out;
}
