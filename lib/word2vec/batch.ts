/**
 * A Word2Vec batch as the training cell uses it: `model.forward(batch.context)` gives one logits
 * row per distinct context word (U ≤ V rows instead of B = 65536), and `batch.center` carries, for
 * every pair, its row and its center word, so `crossEntropy(logits, batch.center)` is the mean
 * over the pairs (lib/word2vec/loss.ts explains why this equals the per-pair loss).
 */
import "../engine/setup";
import { inspect } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { GroupedTargets, markGroupInput } from "../nn/grouped-targets";

/** One batch of pairs: `center[k]` is the target word id, `context[k]` its context word id. */
export interface PairBatch {
  center: Int32Array;
  context: Int32Array;
}

/**
 * The distinct contexts of `pairs` in order of first appearance ([U]) and, for each pair, the
 * index of its context among them ([B]). Ids must be in [0, vocabSize).
 */
export function groupByContext(context: Int32Array, vocabSize: number): { contexts: Int32Array; rows: Int32Array } {
  const slot = new Int32Array(vocabSize).fill(-1);
  const uniq = new Int32Array(Math.min(vocabSize, context.length));
  let u = 0;
  const rows = new Int32Array(context.length);
  for (let i = 0; i < context.length; i++) {
    const c = context[i];
    if (slot[c] < 0) {
      slot[c] = u;
      uniq[u++] = c;
    }
    rows[i] = slot[c];
  }
  return { contexts: uniq.slice(0, u), rows };
}

/**
 * What Word2Vec's DataLoader yields. `context` is a tensor the loader owns: it is freed when the
 * loader yields the next batch or the loop ends (student cells free nothing); `pairs` stays.
 */
export class Word2VecBatch {
  /** The batch's (center, context) pairs in loader order. */
  readonly pairs: PairBatch;
  /** Centers grouped by context word: the targets of `crossEntropy(model.forward(context), center)`. */
  readonly center: GroupedTargets;
  /** Distinct context ids [U], the rows of the logits. */
  readonly contextIds: Int32Array;
  private tensor: tf.Tensor1D | undefined;
  private disposed = false;

  constructor(pairs: PairBatch, vocabSize: number) {
    if (pairs.center.length !== pairs.context.length)
      throw new Error(`batch has ${pairs.center.length} centers but ${pairs.context.length} contexts`);
    this.pairs = pairs;
    const { contexts, rows } = groupByContext(pairs.context, vocabSize);
    this.contextIds = contexts;
    this.center = new GroupedTargets(rows, pairs.center, contexts.length);
  }

  /** The distinct context words of the batch, int32 [U]: the model's input. */
  get context(): tf.Tensor1D {
    if (this.disposed)
      throw new Error(
        "este lote ya no tiene su tensor context: el DataLoader lo libera al pasar al lote siguiente; " +
          "use el batch dentro de su iteración del for (o batch.pairs, que se conserva)",
      );
    // keep: a first use inside tf.variableGrads/tf.tidy must not free it at the end of that scope
    this.tensor ??= markGroupInput(tf.keep(tf.tensor1d(this.contextIds, "int32")));
    return this.tensor;
  }

  /** Frees the `context` tensor (the loader does this); later reads of `context` are an Error. */
  dispose(): void {
    this.tensor?.dispose();
    this.tensor = undefined;
    this.disposed = true;
  }

  /** E.g. "Word2VecBatch(context=[3001] int32, center=GroupedTargets(65536 objetivos para 3001 filas de logits))". */
  toString(): string {
    return `Word2VecBatch(context=[${this.contextIds.length}] int32, center=${this.center})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
