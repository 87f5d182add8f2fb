/**
 * The Word2Vec loss on mini-batches of (center, context) pairs, as the original lab intends (its cell runs
 * a per-pair Python loop: 42 min on CUDA). The model sees the context word and predicts the center
 * word: `logits = model(context)`, `loss = CrossEntropy(logits, center)`.
 *
 * The batch loss is computed exactly but cheaply by grouping pairs by context word: a batch of B
 * pairs has only U ≤ V distinct contexts, and Σ_pairs CE(logits[context], center) / B
 * = Σ_u Σ_c N[u, c]·CE(logits_u, c) / B with N the (context, center) count matrix — one [U, V]
 * logits block instead of [B, V] (B = 65536, V = 3085: 0.8 GB of logits per batch otherwise);
 * `pairedCrossEntropy` (lib/nn/losses.ts) evaluates it without materialising N.
 * test/word2vec/grouped-loss.test.ts proves loss and gradients equal the per-pair computation.
 *
 * The notebook writes the same computation as the original's two lines: the DataLoader groups each
 * batch (lib/word2vec/batch.ts), `logits = model.forward(batch.context)` and
 * `crossEntropy(logits, batch.center)`. `groupedPairLoss` does both from raw pairs (tests, benches).
 */
import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";
import { crossEntropy, pairedCrossEntropy } from "../nn/losses";
import { groupByContext, type PairBatch } from "./batch";

/**
 * What the losses (and reference/word2vec/train.ts's loop) need from a model: the lab's `Word2Vec`
 * or the class the notebook defines the same way (embed -> expand), so a cell-defined model trains
 * with the same code.
 */
export interface Word2VecLike {
  readonly expand: { readonly outFeatures: number };
  forward(input: tf.Tensor): tf.Tensor;
  parameters(): tf.Variable[];
}

function checkBatch(b: PairBatch, vocabSize: number): void {
  if (b.center.length !== b.context.length) throw new Error(`batch has ${b.center.length} centers but ${b.context.length} contexts`);
  if (b.center.length === 0) throw new Error("empty batch");
  for (const arr of [b.center, b.context])
    for (let i = 0; i < arr.length; i++)
      if (!(arr[i] >= 0 && arr[i] < vocabSize)) throw new Error(`word id ${arr[i]} in the batch is outside [0, ${vocabSize})`);
}

/**
 * Mean cross-entropy of predicting `center[i]` from `context[i]` over the batch, with one logits
 * row per distinct context (see the file header). Differentiable w.r.t. the model's variables.
 */
export function groupedPairLoss(model: Word2VecLike, batch: PairBatch, opts: { fused?: boolean } = {}): tf.Scalar {
  const V = model.expand.outFeatures;
  checkBatch(batch, V);
  const { contexts, rows } = groupByContext(batch.context, V);
  return tf.tidy(() => {
    const logits = model.forward(tf.tensor1d(contexts, "int32")) as tf.Tensor2D;
    return pairedCrossEntropy(logits, rows, batch.center, opts);
  });
}

/** The textbook per-pair loss: logits for every pair ([B, V]); equal to `groupedPairLoss`. */
export function perPairLoss(model: Word2VecLike, batch: PairBatch): tf.Scalar {
  checkBatch(batch, model.expand.outFeatures);
  return tf.tidy(() => {
    const logits = model.forward(tf.tensor1d(batch.context, "int32")) as tf.Tensor2D;
    return crossEntropy(logits, tf.tensor1d(batch.center, "int32"));
  });
}
