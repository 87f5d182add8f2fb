import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (PyTorch's `ignore_index`, default -100). */
  ignoreIndex?: number;
}

/**
 * `nn.CrossEntropyLoss()(logits, targets)`: mean over the non-ignored rows of
 * −log softmax(logits[i])[targets[i]]. logits [N, C] float, targets [N] int32 in [0, C) or
 * `ignoreIndex`. If every target is ignored the result is NaN, as in PyTorch.
 *
 * Built on tf.losses.softmaxCrossEntropy with 0/1 weights (reduction SUM_BY_NONZERO_WEIGHTS): its
 * custom gradient is one fused softmax − labels, cheap on wasm, unlike a hand-written logSumExp
 * whose max-gradient runs a broadcasting Equal (slow on wasm).
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, opts: CrossEntropyOptions = {}): tf.Scalar {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (logits.rank !== 2) throw new Error(`crossEntropy: logits must be [N, C], got [${logits.shape.join(", ")}]`);
  if (targets.rank !== 1 || targets.shape[0] !== logits.shape[0])
    throw new Error(`crossEntropy: targets must be [${logits.shape[0]}] to match logits [${logits.shape.join(", ")}], got [${targets.shape.join(", ")}]`);
  if (targets.dtype !== "int32") throw new Error(`crossEntropy: targets must be int32 class ids, got ${targets.dtype}`);
  const c = logits.shape[1];
  const t = targets.dataSync();
  const safe = new Int32Array(t.length);
  const weight = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    if (t[i] === ignoreIndex) continue;
    if (t[i] < 0 || t[i] >= c) throw new Error(`crossEntropy: target ${t[i]} at row ${i} is out of range [0, ${c})`);
    safe[i] = t[i];
    weight[i] = 1;
  }
  return tf.tidy(() =>
    tf.losses.softmaxCrossEntropy(
      tf.oneHot(tf.tensor1d(safe, "int32"), c),
      logits,
      tf.tensor1d(weight),
      0,
      tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
    ),
  ) as tf.Scalar;
}

/**
 * Mean cross-entropy over pairs summarised by counts: with `counts[u][c]` = how many pairs have
 * input row u and target class c, returns Σ_u Σ_c counts[u][c]·(−log softmax(logits[u])[c]) / total
 * — exactly the mean `crossEntropy` over those pairs (and the same gradient) with one logits row per
 * distinct input instead of one per pair. `total` defaults to Σ counts.
 *
 * Implemented as softmaxCrossEntropy with soft labels counts[u]/n_u weighted by n_u/total: the fused
 * gradient (softmax − labels)·weight needs rows of labels that sum to 1.
 */
export function countsCrossEntropy(logits: tf.Tensor2D, counts: tf.Tensor2D | Float32Array, total?: number): tf.Scalar {
  if (logits.rank !== 2) throw new Error(`countsCrossEntropy: logits must be [U, C], got [${logits.shape.join(", ")}]`);
  const [u, c] = logits.shape;
  const cnt = counts instanceof Float32Array ? counts : (counts.dataSync() as Float32Array);
  if (cnt.length !== u * c) throw new Error(`countsCrossEntropy: counts must have ${u}×${c} entries, got ${cnt.length}`);
  const rowSum = new Float32Array(u);
  const labels = new Float32Array(u * c);
  let sum = 0;
  for (let r = 0; r < u; r++) {
    let s = 0;
    for (let k = r * c; k < (r + 1) * c; k++) {
      const v = cnt[k];
      if (!(v >= 0)) throw new Error(`countsCrossEntropy: counts must be non-negative, got ${v} at row ${r}`);
      s += v;
    }
    rowSum[r] = s;
    sum += s;
    if (s > 0) for (let k = r * c; k < (r + 1) * c; k++) labels[k] = cnt[k] / s;
  }
  const n = total ?? sum;
  if (!(n > 0)) throw new Error("countsCrossEntropy: the counts are all zero (no pairs)");
  return tf.tidy(() => {
    const w = tf.tensor1d(rowSum.map((s) => s / n));
    return tf.losses.softmaxCrossEntropy(tf.tensor2d(labels, [u, c]), logits, w, 0, tf.Reduction.SUM);
  }) as tf.Scalar;
}
