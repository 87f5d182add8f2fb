// Instructor's reference implementation (answers to lab tasks): used by tests and benchmarks, never
// shipped to students. lib/ and grading/ must not import reference/ (test/api/exports.test.ts).
import * as tf from "@tensorflow/tfjs-core";
// Registers gradients (through @tensorflow/tfjs, CommonJS): tfjs-core's register_all_gradients is
// ESM-only and fails under tslab's require.
import "../../lib/engine/setup";
import { clipGradNorm } from "../../lib/optim/clip";
import { rowSlice } from "../../lib/nn/rows";
import { crossEntropy } from "../../lib/nn/losses";
import { checkTrainingStep, TrainingDivergedError } from "../../lib/optim/diverged";

/** One batch from a BucketIterator: token ids [len, batch], int32. */
export interface Seq2SeqBatch {
  src: tf.Tensor2D;
  trg: tf.Tensor2D;
}

/** Anything shaped like the original lab's Seq2Seq (our class, or one written in the notebook). */
export interface Seq2SeqLike {
  train(mode?: boolean): unknown;
  eval(): unknown;
  parameters(): tf.Variable[];
  forward(src: tf.Tensor2D, trg: tf.Tensor2D, teacherForcingRatio?: number): tf.Tensor3D;
}

/**
 * `criterion(output [N, vocab], target [N])` → scalar, e.g. cross-entropy with ignoreIndex = pad.
 * A criterion that ignores a target id may say so in `ignoreIndex` (see `crossEntropyLoss`); train()
 * and evaluate() then skip materialising `output[1:]`, which at the original lab's sizes is a
 * [trg len − 1, 128, 5893] copy (up to 120 MB) plus as much again for its gradient.
 */
export type Criterion = ((output: tf.Tensor2D, target: tf.Tensor1D) => tf.Scalar) & { readonly ignoreIndex?: number };

/**
 * The original lab's `nn.CrossEntropyLoss(ignore_index = TRG_PAD_IDX)` as a criterion: mean cross-entropy
 * over the targets that are not `ignoreIndex` (lib/nn/losses crossEntropy), advertising its
 * `ignoreIndex` so the training loop can use the memory-saving path above.
 */
export function crossEntropyLoss(opts: { ignoreIndex?: number } = {}): Criterion {
  const f = (output: tf.Tensor2D, target: tf.Tensor1D): tf.Scalar => crossEntropy(output, target, opts);
  return opts.ignoreIndex === undefined ? f : Object.assign(f, { ignoreIndex: opts.ignoreIndex });
}

/** What `train` needs from an optimizer (lib/optim Adam/AdamW fit). Grads are keyed by variable name. */
export interface Seq2SeqOptimizer {
  zeroGrad?(): void;
  step(grads: tf.NamedTensorMap): void;
}

export interface LoopOptions {
  /** Epoch number (1-based) for error messages. */
  epoch?: number;
  /** A loss above this counts as exploding and stops training (default 1e3; CE of a uniform guess is ln V ≈ 9). */
  maxLoss?: number;
  /** Called after each batch with its 0-based index and loss. */
  onBatch?: (batch: number, loss: number) => void;
}

/**
 * The original lab's `loss = criterion(output[1:].view(-1, output_dim), trg[1:].view(-1))`. When the
 * criterion ignores a target id, the same loss (and gradient) is computed on all rows with row 0's
 * targets set to that id: row 0 then counts for nothing, and no copy of output[1:] is made.
 */
function seedLoss(output: tf.Tensor3D, trg: tf.Tensor2D, criterion: Criterion): tf.Scalar {
  const [len, batch, dim] = output.shape;
  if (trg.shape[0] !== len || trg.shape[1] !== batch) throw new Error(`output [${output.shape}] does not match trg [${trg.shape}]`);
  const ignore = criterion.ignoreIndex;
  if (ignore !== undefined && Number.isInteger(ignore)) {
    const t = (trg.dataSync() as Int32Array).slice();
    t.fill(ignore, 0, batch);
    return criterion(tf.reshape(output, [len * batch, dim]) as tf.Tensor2D, tf.tensor1d(t, "int32"));
  }
  // rowSlice: tf.slice on wasm copies the whole [len, batch, vocab] input first.
  const out = tf.reshape(rowSlice(output, 1, len - 1), [-1, dim]) as tf.Tensor2D;
  const tgt = tf.reshape(rowSlice(trg, 1, len - 1), [-1]) as tf.Tensor1D;
  return criterion(out, tgt);
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * The original lab's `train(model, iterator, optimizer, criterion, clip)`: one epoch with teacher forcing
 * 0.5, gradients clipped to global norm `clip`, one optimizer step per batch. Returns the mean batch
 * loss. Stops with `TrainingDivergedError` (naming epoch and batch) before applying an update whose
 * loss or gradient norm is not finite or whose loss exceeds `maxLoss`.
 */
export async function train(
  model: Seq2SeqLike,
  iterator: Iterable<Seq2SeqBatch>,
  optimizer: Seq2SeqOptimizer,
  criterion: Criterion,
  clip: number,
  opts: LoopOptions = {},
): Promise<number> {
  model.train();
  const params = model.parameters();
  const maxLoss = opts.maxLoss ?? 1e3;
  let epochLoss = 0;
  let n = 0;
  for (const batch of iterator) {
    optimizer.zeroGrad?.();
    const { value, grads } = tf.variableGrads(() => {
      return seedLoss(model.forward(batch.src, batch.trg), batch.trg, criterion);
    }, params);
    const loss = value.dataSync()[0];
    value.dispose();
    try {
      checkTrainingStep({ epoch: opts.epoch, batch: n + 1 }, loss, clipGradNorm(grads, clip), maxLoss);
      optimizer.step(grads);
    } finally {
      tf.dispose(grads);
    }
    epochLoss += loss;
    n++;
    opts.onBatch?.(n - 1, loss);
    await yieldToEventLoop();
  }
  if (n === 0) throw new Error("train: the iterator yielded no batches");
  return epochLoss / n;
}

/**
 * The original lab's `evaluate(model, iterator, criterion)`: eval mode (no dropout), no teacher forcing,
 * no gradients. Returns the mean batch loss; a NaN/Infinity loss throws, naming epoch and batch.
 */
export async function evaluate(
  model: Seq2SeqLike,
  iterator: Iterable<Seq2SeqBatch>,
  criterion: Criterion,
  opts: LoopOptions = {},
): Promise<number> {
  model.eval();
  let epochLoss = 0;
  let n = 0;
  for (const batch of iterator) {
    const loss = tf.tidy(() => {
      const output = model.forward(batch.src, batch.trg, 0); // turn off teacher forcing
      return seedLoss(output, batch.trg, criterion).dataSync()[0];
    });
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(opts.epoch, n + 1, loss, `la pérdida de validación es ${loss}`);
    epochLoss += loss;
    n++;
    opts.onBatch?.(n - 1, loss);
    await yieldToEventLoop();
  }
  if (n === 0) throw new Error("evaluate: the iterator yielded no batches");
  return epochLoss / n;
}

/** The original lab's `epoch_time(start_time, end_time)`, with times in milliseconds (Date.now()). */
export function epochTime(startMs: number, endMs: number): [number, number] {
  const elapsed = (endMs - startMs) / 1000;
  const mins = Math.trunc(elapsed / 60);
  const secs = Math.trunc(elapsed - mins * 60);
  return [mins, secs];
}
