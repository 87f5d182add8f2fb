import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";
import { inspect } from "node:util";
import { Module } from "../nn/module";
import { Embedding } from "../nn/embedding";
import { Linear } from "../nn/linear";
import type { Random } from "../random";

/**
 * The original lab's `Word2Vec(vocab_size, embedding_size)`: `embed` (Embedding) → `expand` (Linear, no
 * bias). `forward(ids)` maps (context) word ids of any shape to logits [..., vocab_size]; the
 * softmax is left to the loss, as in the original lab. Parameters: `embed.weight` [V, E],
 * `expand.weight` [V, E] (PyTorch's [out, in]).
 */
export class Word2Vec extends Module {
  readonly vocabSize: number;
  readonly embeddingSize: number;
  readonly embed: Embedding;
  readonly expand: Linear;

  constructor(vocabSize: number, embeddingSize: number, opts: { rng?: Random } = {}) {
    super();
    this.vocabSize = vocabSize;
    this.embeddingSize = embeddingSize;
    this.embed = this.registerModule("embed", new Embedding(vocabSize, embeddingSize, opts));
    this.expand = this.registerModule("expand", new Linear(embeddingSize, vocabSize, { bias: false, ...opts }));
  }

  /** ids (int32) → logits [...ids.shape, vocabSize]. */
  forward(input: tf.Tensor | number | number[]): tf.Tensor {
    return tf.tidy(() => this.expand.forward(this.embed.forward(input)));
  }

  override toString(): string {
    return `Word2Vec(\n  (embed): ${this.embed}\n  (expand): ${this.expand}\n)`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
