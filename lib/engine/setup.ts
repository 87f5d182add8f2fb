/**
 * Side effects every lab4 module that computes with tfjs relies on; import it for effect
 * (`import "../engine/setup"`). Idempotent (module caching).
 *
 * - `@tensorflow/tfjs` registers all gradient functions (tfjs-core alone registers none: its
 *   `register_all_gradients` ships only as ESM), the chained-op methods (`t.transpose()`), and
 *   the cpu backend, so plain `tf` works without `initBackend()`.
 * - The cpu backend's quadratic UnsortedSegmentSum is replaced (see kernels/segment-sum.ts).
 * - The cpu backend's one-time "Hi, looks like you are running TensorFlow.js in Node.js ...
 *   install our node backend" console message is turned off: it is noise in a notebook, and
 *   tfjs-node cannot be installed offline anyway.
 */
import "@tensorflow/tfjs";
import * as tf from "@tensorflow/tfjs-core";
import { installCpuKernelFixes } from "./kernels";

const CPU_PRIORITY = 1; // as registered by tfjs-backend-cpu

function quiet<T>(backend: T): T {
  const b = backend as { firstUse?: boolean } | null;
  if (b && typeof b === "object" && "firstUse" in b) b.firstUse = false;
  return backend;
}

/**
 * MathBackendCPU prints the hint on its first `write` (its `firstUse` flag). tfjs may create the
 * cpu instance later (and anew: `initializeBackend` calls the factory again), so we wrap the
 * factory; an instance that already exists is silenced directly.
 */
export function silenceCpuNodeHint(): void {
  const engine = tf.engine() as unknown as { registry?: Record<string, unknown> };
  const existing = engine.registry?.cpu;
  if (existing) quiet(existing);
  const factory = tf.findBackendFactory("cpu");
  if (!factory || (factory as { lab4Quiet?: boolean }).lab4Quiet) return;
  if (existing) return; // removing the backend would drop its tensors; the instance is silenced
  const wrapped = Object.assign(() => quiet(factory()), { lab4Quiet: true });
  tf.removeBackend("cpu");
  tf.registerBackend("cpu", wrapped as () => tf.KernelBackend, CPU_PRIORITY);
}

silenceCpuNodeHint();
installCpuKernelFixes();
