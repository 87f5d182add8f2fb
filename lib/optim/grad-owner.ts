import * as tf from "@tensorflow/tfjs-core";

/*
 * What an optimizer needs to own a training step without the caller freeing anything: the loss a
 * `tf.variableGrads` result came with, and the global norm `clipGradNorm` measured on it. Both are
 * keyed by the gradient map object, which `clipGradNorm` updates in place.
 */
const lossOf = new WeakMap<object, tf.Tensor>();
const normOf = new WeakMap<object, number>();

type VariableGrads = typeof tf.variableGrads;
let installed = false;

/** Wraps `tf.variableGrads` (once) so each result's gradients remember their loss value. */
export function trackVariableGrads(): void {
  if (installed) return;
  installed = true;
  const original: VariableGrads = tf.variableGrads;
  const wrapped: VariableGrads = (f, varList) => {
    const r = original(f, varList);
    lossOf.set(r.grads, r.value);
    return r;
  };
  // The module object itself: a namespace import may be a read-only copy of it (esbuild, tsx).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CJS module object, not the read-only namespace copy
  (require("@tensorflow/tfjs-core") as { variableGrads: VariableGrads }).variableGrads = wrapped;
}

/** The loss tensor `grads` came with, when they came from `tf.variableGrads`. */
export function lossOfGrads(grads: object): tf.Tensor | undefined {
  return lossOf.get(grads);
}

export function recordGradNorm(grads: object, norm: number): void {
  normOf.set(grads, norm);
}

/** The norm `clipGradNorm` measured on `grads`, if it ran. */
export function gradNormOf(grads: object): number | undefined {
  return normOf.get(grads);
}
