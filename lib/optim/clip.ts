import * as tf from "@tensorflow/tfjs-core";
import { recordGradNorm } from "./grad-owner";

/** Gradients keyed by variable name, as `tf.variableGrads` returns them, or a Map. */
export type GradMap = tf.NamedTensorMap | Map<string, tf.Tensor>;

/**
 * `torch.nn.utils.clip_grad_norm_(parameters, maxNorm)` for tfjs gradients: computes the global
 * L2 norm over all gradients and, when it exceeds `maxNorm`, scales every gradient by
 * maxNorm / (norm + 1e-6). tfjs tensors are immutable, so "in place" means the entries of `grads`
 * are replaced by the scaled tensors (the old ones are disposed). Returns the total norm before
 * clipping (NaN/Infinity when a gradient is not finite, like PyTorch; nothing is scaled then).
 */
export function clipGradNorm(grads: GradMap, maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const entries: Array<[string, tf.Tensor]> = grads instanceof Map ? [...grads] : Object.entries(grads);
  if (entries.length === 0) return 0;
  const sq = tf.tidy(() => tf.addN(entries.map(([, g]) => tf.sum(tf.square(g)))));
  const total = Math.sqrt(sq.dataSync()[0]);
  sq.dispose();
  recordGradNorm(grads, total);
  const coef = maxNorm / (total + 1e-6);
  if (Number.isFinite(total) && coef < 1) {
    const c = tf.scalar(coef);
    for (const [name, g] of entries) {
      const scaled = tf.mul(g, c);
      if (grads instanceof Map) grads.set(name, scaled);
      else grads[name] = scaled;
      g.dispose();
    }
    c.dispose();
  }
  return total;
}
