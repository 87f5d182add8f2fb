import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";
import { inspect } from "node:util";
import { Module } from "./module";
import { addIntoGradient } from "../engine/tape-memory";
import { addRowSumsInPlace } from "../engine/kernels";
import { Random, globalRandom } from "../random";
import { checkAssigned, formatParameter, variableFrom, variableFromValues } from "./param-display";

/** Standard normal float32 values (Box–Muller) drawn in order from `rng`. */
export function normalValues(n: number, rng: Random): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rng.random(); // (0, 1]: log is finite
    const u2 = rng.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    v[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) v[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return v;
}

/**
 * tf.gather(w, idsTensor) with gather's gradient (the rows of dy summed per id: UnsortedSegmentSum),
 * except that when the backward pass already holds the sum of the table's gradient from later
 * lookups (a decoder called step by step) this lookup's rows are added into it in place: 128 rows
 * per step instead of a dense [num, dim] gradient plus a dense add. Same bits either way.
 */
function lookup(w: tf.Tensor2D, idsTensor: tf.Tensor, ids: Int32Array): tf.Tensor {
  const [num, dim] = w.shape;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const wIn = args[0] as tf.Tensor2D;
    return {
      value: tf.gather(wIn, idsTensor),
      gradFunc: (dy: tf.Tensor) =>
        tf.tidy(() => {
          const rows = tf.reshape(dy, [ids.length, dim]);
          const inPlace = addIntoGradient(wIn, (acc) => addRowSumsInPlace(acc, rows, ids));
          return [inPlace ?? tf.unsortedSegmentSum(rows, tf.tensor1d(ids, "int32"), num)];
        }),
    };
  });
  return op(w);
}

/**
 * `nn.Embedding(num_embeddings, embedding_dim)`: a lookup table `weight` [num, dim], initialised
 * N(0, 1) like PyTorch (from our seeded generator). `forward(ids)` with int32 ids of any shape gives
 * [...ids.shape, dim]; float ids or an id outside [0, num) is an Error in Spanish naming the fix
 * (PyTorch: IndexError). Its gradient is
 * tf.gather's (UnsortedSegmentSum, supplied for wasm by lib/engine; see `lookup`).
 *
 * The weight can be replaced as the original lab does: `layer.weight = tf.range(0, size).reshape([size, 1])`
 * (or `setWeight(t)`); the value is copied into a fresh variable registered as `weight`.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  private w: tf.Variable;

  constructor(numEmbeddings: number, embeddingDim: number, opts: { rng?: Random } = {}) {
    super();
    for (const [n, v] of [
      ["numEmbeddings", numEmbeddings],
      ["embeddingDim", embeddingDim],
    ] as const)
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Embedding: ${n} must be a positive integer, got ${v}`);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const values = normalValues(numEmbeddings * embeddingDim, opts.rng ?? globalRandom);
    this.w = this.registerParameter("weight", variableFromValues(values, [numEmbeddings, embeddingDim]));
  }

  get weight(): tf.Variable {
    return this.w;
  }
  set weight(t: tf.Tensor) {
    this.setWeight(t);
  }

  /** Replaces the table ([num, dim], cast to float32) keeping it registered as `weight`. */
  setWeight(t: tf.Tensor): this {
    checkAssigned("Embedding.weight", t, [this.numEmbeddings, this.embeddingDim]);
    this.w = this.registerParameter("weight", variableFrom(t));
    return this;
  }

  /** ids (int32 tensor of any rank, or a number / nested number array) → [...ids.shape, dim]. */
  forward(ids: tf.Tensor | number | number[] | number[][]): tf.Tensor {
    const t = ids instanceof tf.Tensor ? ids : tf.tensor(ids, undefined, "int32");
    try {
      if (t.dtype !== "int32")
        throw new Error(
          `Embedding: los índices deben ser int32 y son ${t.dtype} [${t.shape.join(", ")}]: la capa recibe índices de palabras ` +
            `(no vectores one-hot ni embeddings); créelos con tf.tensor(ids, undefined, "int32") o use tf.cast(ids, "int32")`,
        );
      const v = t.dataSync();
      for (let i = 0; i < v.length; i++)
        if (v[i] < 0 || v[i] >= this.numEmbeddings)
          throw new Error(
            `Embedding: el índice ${v[i]} está fuera de [0, ${this.numEmbeddings}): la capa se creó para ${this.numEmbeddings} ` +
              "palabras (¿Embedding(...) recibió el tamaño del vocabulario de estos índices?)",
          );
      return lookup(this.w as tf.Tensor2D, t, Int32Array.from(v));
    } finally {
      if (t !== ids) t.dispose();
    }
  }

  /** Like PyTorch's repr: "Embedding(20, 1)". */
  override toString(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  formatWeight(): string {
    return formatParameter(this.w);
  }
}
