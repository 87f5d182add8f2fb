// Instructor's reference implementation (answers to lab tasks): used by tests and benchmarks, never
// shipped to students. lib/ and grading/ must not import reference/ (test/api/exports.test.ts).
import * as tf from "@tensorflow/tfjs-core";
import { Module } from "../../lib/nn/module";
import { Embedding } from "../../lib/nn/embedding";
import { Linear } from "../../lib/nn/linear";
import { LSTM } from "../../lib/nn/lstm";
import { Dropout } from "../../lib/nn/dropout";
import { uniform_ } from "../../lib/nn/init";
import { Random, globalRandom } from "../../lib/random";
import { decodeSequence } from "./fused";
import { stackRows } from "../../lib/nn/rows";

/**
 * The original lab's Part 2 model (Sutskever et al. 2014 as in Ben Trevett's pytorch-seq2seq notebook 1),
 * with PyTorch's module and parameter names: `encoder.embedding.weight`, `encoder.rnn.weight_ih_l0`,
 * …, `decoder.fc_out.weight`, `decoder.fc_out.bias`.
 */

/** `Encoder(input_dim, emb_dim, hid_dim, n_layers, dropout)`: embedding → dropout → LSTM. */
export class Encoder extends Module {
  readonly inputDim: number;
  readonly embDim: number;
  readonly hidDim: number;
  readonly nLayers: number;
  readonly embedding: Embedding;
  readonly rnn: LSTM;
  readonly dropout: Dropout;

  constructor(inputDim: number, embDim: number, hidDim: number, nLayers: number, dropout: number) {
    super();
    this.inputDim = inputDim;
    this.embDim = embDim;
    this.hidDim = hidDim;
    this.nLayers = nLayers;
    this.embedding = this.registerModule("embedding", new Embedding(inputDim, embDim));
    this.rnn = this.registerModule("rnn", new LSTM(embDim, hidDim, nLayers, { dropout }));
    this.dropout = this.registerModule("dropout", new Dropout(dropout));
  }

  /** src [src len, batch] int32 → [hidden, cell], each [n layers, batch, hid dim]. */
  forward(src: tf.Tensor2D): [tf.Tensor3D, tf.Tensor3D] {
    checkTokens(src, this.inputDim, "src");
    return tf.tidy(() => {
      const embedded = this.dropout.forward(this.embedding.forward(src) as tf.Tensor3D);
      const [, [hidden, cell]] = this.rnn.forward(embedded);
      return [hidden, cell] as [tf.Tensor3D, tf.Tensor3D];
    });
  }
}

/** `Decoder(output_dim, emb_dim, hid_dim, n_layers, dropout)`: one decoding step. */
export class Decoder extends Module {
  readonly outputDim: number;
  readonly embDim: number;
  readonly hidDim: number;
  readonly nLayers: number;
  readonly dropoutP: number;
  readonly embedding: Embedding;
  readonly rnn: LSTM;
  readonly fcOut: Linear;
  readonly dropout: Dropout;

  constructor(outputDim: number, embDim: number, hidDim: number, nLayers: number, dropout: number) {
    super();
    this.outputDim = outputDim;
    this.embDim = embDim;
    this.hidDim = hidDim;
    this.nLayers = nLayers;
    this.dropoutP = dropout;
    this.embedding = this.registerModule("embedding", new Embedding(outputDim, embDim));
    this.rnn = this.registerModule("rnn", new LSTM(embDim, hidDim, nLayers, { dropout }));
    this.fcOut = this.registerModule("fc_out", new Linear(hidDim, outputDim));
    this.dropout = this.registerModule("dropout", new Dropout(dropout));
  }

  /**
   * input [batch] int32, hidden/cell [n layers, batch, hid dim] →
   * [prediction [batch, output dim], hidden, cell].
   */
  forward(input: tf.Tensor1D, hidden: tf.Tensor3D, cell: tf.Tensor3D): [tf.Tensor2D, tf.Tensor3D, tf.Tensor3D] {
    checkTokens(input, this.outputDim, "decoder input");
    return tf.tidy(() => {
      const embedded = this.dropout.forward(this.embedding.forward(tf.expandDims(input, 0)) as tf.Tensor3D);
      const [output, [h, c]] = this.rnn.forward(embedded, [hidden, cell]);
      const prediction = this.fcOut.forward(tf.squeeze(output, [0])) as tf.Tensor2D;
      return [prediction, h, c] as [tf.Tensor2D, tf.Tensor3D, tf.Tensor3D];
    });
  }
}

export interface Seq2SeqOptions {
  /** Generator for the teacher-forcing coin flips; default: the process-wide one at call time. */
  rng?: Random;
  /**
   * Decode with the fused whole-sequence decoder (one differentiable op, same maths, same random
   * draws, ~2× faster to train) instead of calling `decoder.forward` step by step. Default true.
   */
  fused?: boolean;
}

/** `Seq2Seq(encoder, decoder)`: encodes `src`, then decodes `trg.length − 1` steps. */
export class Seq2Seq extends Module {
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  fused: boolean;
  private readonly rng?: Random;

  constructor(encoder: Encoder, decoder: Decoder, opts: Seq2SeqOptions = {}) {
    super();
    if (encoder.hidDim !== decoder.hidDim) throw new Error("Hidden dimensions of encoder and decoder must be equal!");
    if (encoder.nLayers !== decoder.nLayers) throw new Error("Encoder and decoder must have equal number of layers!");
    this.encoder = this.registerModule("encoder", encoder);
    this.decoder = this.registerModule("decoder", decoder);
    this.rng = opts.rng;
    this.fused = opts.fused ?? true;
  }

  /**
   * src [src len, batch], trg [trg len, batch] (int32) → outputs [trg len, batch, output dim] with
   * outputs[0] all zeros. At each step t ≥ 1 the next decoder input is trg[t] with probability
   * `teacherForcingRatio` (one draw per step from the seeded generator, like `random.random()`),
   * else the argmax of the step's prediction.
   */
  forward(src: tf.Tensor2D, trg: tf.Tensor2D, teacherForcingRatio = 0.5): tf.Tensor3D {
    if (src.rank !== 2 || trg.rank !== 2)
      throw new Error(`Seq2Seq: src and trg must be [len, batch], got [${src.shape}] and [${trg.shape}]`);
    if (src.shape[1] !== trg.shape[1]) throw new Error(`Seq2Seq: src and trg batch sizes differ (${src.shape[1]} vs ${trg.shape[1]})`);
    if (src.shape[0] < 1) throw new Error("Seq2Seq: empty source sentence batch (src len 0)");
    if (trg.shape[0] < 2) throw new Error(`Seq2Seq: trg needs at least <sos> and one more token, got length ${trg.shape[0]}`);
    checkTokens(trg, this.decoder.outputDim, "trg");
    const rng = this.rng ?? globalRandom;
    return tf.tidy(() => {
      const [hidden, cell] = this.encoder.forward(src);
      if (this.fused) return decodeSequence(this.decoder, trg, hidden, cell, teacherForcingRatio, rng);
      const [trgLen, batch] = trg.shape;
      const steps: tf.Tensor2D[] = [tf.zeros([batch, this.decoder.outputDim])];
      const trgSteps = tf.unstack(trg) as tf.Tensor1D[];
      let input = trgSteps[0];
      let h = hidden;
      let c = cell;
      for (let t = 1; t < trgLen; t++) {
        const [output, h2, c2] = this.decoder.forward(input, h, c);
        h = h2;
        c = c2;
        steps.push(output);
        const teacherForce = rng.random() < teacherForcingRatio;
        // argmax has no gradient (as in PyTorch): rebuild the ids off the tape, else tfjs would try to
        // differentiate the embedding lookup w.r.t. its integer indices.
        input = teacherForce ? trgSteps[t] : tf.tensor1d(tf.argMax(output, 1).dataSync() as Int32Array, "int32");
      }
      return stackRows<tf.Tensor3D>(steps);
    });
  }
}

/** Throws a clear error for token ids outside [0, vocab) (they would silently read garbage). */
export function checkTokens(ids: tf.Tensor, vocab: number, what: string): void {
  if (ids.dtype !== "int32") throw new Error(`${what}: token ids must be int32, got ${ids.dtype}`);
  const v = ids.dataSync();
  for (let i = 0; i < v.length; i++)
    if (v[i] < 0 || v[i] >= vocab) throw new Error(`${what}: token id ${v[i]} is outside the vocabulary [0, ${vocab})`);
}

/** The original lab's `init_weights`: U(−0.08, 0.08) on every parameter of `m` (use via `model.apply(initWeights)`). */
export function initWeights(m: Module, rng?: Random): void {
  for (const [, p] of m.namedParameters()) uniform_(p, -0.08, 0.08, rng);
}

/** The original lab's `count_parameters`: number of trainable scalars (every parameter is trainable here). */
export function countParameters(model: Module): number {
  return model.parameters().reduce((s, p) => s + (p.trainable ? p.size : 0), 0);
}
