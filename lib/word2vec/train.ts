/**
 * Word2Vec training on mini-batches of (center, context) pairs, as the seed intends (its cell runs
 * a per-pair Python loop: 42 min on CUDA). The model sees the context word and predicts the center
 * word: `logits = model(context)`, `loss = CrossEntropy(logits, center)`.
 *
 * The batch loss is computed exactly but cheaply by grouping pairs by context word: a batch of B
 * pairs has only U ≤ V distinct contexts, and Σ_pairs CE(logits[context], center) / B
 * = Σ_u Σ_c N[u, c]·CE(logits_u, c) / B with N the (context, center) count matrix — one [U, V]
 * logits block instead of [B, V] (B = 65536, V = 3085: 0.8 GB of logits per batch otherwise);
 * `pairedCrossEntropy` (lib/nn/losses.ts) evaluates it without materialising N.
 * test/word2vec/grouped-loss.test.ts proves loss and gradients equal the per-pair computation.
 */
import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";
import { crossEntropy, pairedCrossEntropy } from "../nn/losses";

/**
 * What the losses and the loop need from a model: the lab's `Word2Vec` or the class the notebook
 * defines the same way (embed -> expand), so a cell-defined model trains with the same code.
 */
export interface Word2VecLike {
  readonly expand: { readonly outFeatures: number };
  forward(input: tf.Tensor): tf.Tensor;
  parameters(): tf.Variable[];
}
import type { PairBatch } from "./data";

/**
 * Hyperparameters for the notebook: the seed's batch (2**16), embedding size (50), epochs (3) and
 * optimizer (AdamW, default weight decay), with a learning rate that learns in 3 epochs. The seed's
 * LR = 3e-4 barely moves at this batch size (PyTorch: 8.19 after one epoch; lr 0.01 gives
 * 7.88 → 7.26 → 6.80). Measured here with lr 0.05 (3 shuffling seeds, wasm):
 * 7.27–7.31 → 6.39–6.40 → 6.209–6.212; lr 0.1 reaches 6.17 but lr 0.3 is already worse (6.46).
 */
export const WORD2VEC_HYPERPARAMETERS = { batchSize: 2 ** 16, embedSize: 50, epochs: 3, lr: 0.05 } as const;

/** What the loop needs from an optimizer (`Adam`, `AdamW`). */
export interface GradientOptimizer {
  zeroGrad(): void;
  step(grads: tf.NamedTensorMap): void;
}

export interface BatchProgress {
  /** 0-based epoch and batch, as the seed's `epoch` and `ix`. */
  epoch: number;
  batch: number;
  /** Batches in this epoch (`len(dataloader)`). */
  batches: number;
  /** This batch's mean loss over its pairs. */
  loss: number;
  pairs: number;
  /** Seconds since the epoch started. */
  seconds: number;
}

export interface EpochProgress {
  epoch: number;
  /** Mean loss over the epoch's pairs (the seed's `np.mean(losses)` over per-pair losses). */
  loss: number;
  seconds: number;
  pairs: number;
}

export interface TrainWord2VecOptions {
  epochs: number;
  optimizer: GradientOptimizer;
  /** Called after every batch (e.g. to print "Working with batch 3"). */
  onBatch?: (p: BatchProgress) => void;
  /** Called after every epoch (e.g. to print `Epoca 0, loss: ...`). */
  onEpoch?: (p: EpochProgress) => void;
  /**
   * "grouped" (default): exact batch loss with one logits row per distinct context.
   * "perPair": logits for every pair (the textbook form; [B, V] memory — small batches only).
   */
  loss?: "grouped" | "perPair";
  /** Yield to the event loop after each batch so notebook output appears live (default true). */
  yieldEveryBatch?: boolean;
}

export interface TrainWord2VecResult {
  /** Mean loss per epoch (the seed's `running_loss`). */
  runningLoss: number[];
  /** Loss of every batch, per epoch. */
  batchLosses: number[][];
  /** Wall time per epoch in seconds. */
  epochSeconds: number[];
}

/** Any iterable of batches with a length, e.g. lib/word2vec/data.ts's DataLoader. */
export type PairLoader = Iterable<PairBatch> & { readonly length: number };

function checkBatch(b: PairBatch, vocabSize: number): void {
  if (b.center.length !== b.context.length)
    throw new Error(`batch has ${b.center.length} centers but ${b.context.length} contexts`);
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
  const { center, context } = batch;
  const V = model.expand.outFeatures;
  const B = center.length;
  checkBatch(batch, V);
  const slot = new Int32Array(V).fill(-1);
  const uniq: number[] = [];
  const rows = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    const c = context[i];
    if (slot[c] < 0) {
      slot[c] = uniq.length;
      uniq.push(c);
    }
    rows[i] = slot[c];
  }
  return tf.tidy(() => {
    const logits = model.forward(tf.tensor1d(Int32Array.from(uniq), "int32")) as tf.Tensor2D;
    return pairedCrossEntropy(logits, rows, center, opts);
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

/**
 * Trains for `epochs` passes over `loader`, like the seed's training cell, and returns the per-epoch
 * mean losses (`running_loss`). A NaN or infinite batch loss stops training with an Error naming
 * the epoch and batch, before the optimizer applies that batch's update.
 */
export async function trainWord2Vec(
  model: Word2VecLike,
  loader: PairLoader,
  opts: TrainWord2VecOptions,
): Promise<TrainWord2VecResult> {
  const { epochs, optimizer, onBatch, onEpoch, yieldEveryBatch = true } = opts;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be a positive integer, got ${epochs}`);
  const lossFn = (opts.loss ?? "grouped") === "grouped" ? groupedPairLoss : perPairLoss;
  const vars = model.parameters();
  const result: TrainWord2VecResult = { runningLoss: [], batchLosses: [], epochSeconds: [] };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = performance.now();
    const losses: number[] = [];
    let weighted = 0;
    let pairs = 0;
    let batch = 0;
    for (const b of loader) {
      optimizer.zeroGrad();
      const { value, grads } = tf.variableGrads(() => lossFn(model, b), vars);
      const loss = value.dataSync()[0];
      value.dispose();
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new Error(
          `Word2Vec training diverged: loss is ${loss} at epoch ${epoch}, batch ${batch} (0-based); ` +
            "try a smaller learning rate",
        );
      }
      optimizer.step(grads);
      tf.dispose(grads);
      losses.push(loss);
      weighted += loss * b.center.length;
      pairs += b.center.length;
      onBatch?.({ epoch, batch, batches: loader.length, loss, pairs: b.center.length, seconds: (performance.now() - t0) / 1000 });
      batch++;
      if (yieldEveryBatch) await new Promise((r) => setImmediate(r));
    }
    if (pairs === 0) throw new Error("the data loader produced no batches");
    const seconds = (performance.now() - t0) / 1000;
    const mean = weighted / pairs;
    result.runningLoss.push(mean);
    result.batchLosses.push(losses);
    result.epochSeconds.push(seconds);
    onEpoch?.({ epoch, loss: mean, seconds, pairs });
  }
  return result;
}
