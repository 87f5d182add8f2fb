/**
 * Word2Vec training pairs and their batch loader (the original lab's `Word2VecDataset`, `TensorDataset` and
 * `DataLoader(..., batch_size=BATCH_SIZE, shuffle=True)`).
 *
 * Pairs live in two Int32Array columns (8 bytes a pair) instead of an array of tuples (~50 bytes a
 * pair in V8): Part 1 must stay under 1 GiB, and batches are gathered straight into typed arrays
 * that tf.tensor1d takes without conversion.
 */
import type { Dataset, PairListColumn } from "../data/dataset";
import { Random, globalRandom } from "../random";
import { Word2VecBatch, type PairBatch } from "./batch";

export { Word2VecBatch, type PairBatch } from "./batch";

/** A row after the windowizer: its (target, context) id pairs. */
export interface WindowRow {
  // Optional so the lab's tweet rows (whose columns appear as cells add them) are accepted;
  // a row without it is an error naming the row.
  moving_window?: ReadonlyArray<readonly [number, number]>;
}

type Pairs = { centers: Int32Array; contexts: Int32Array };

function checkPair(r: number, c: number, x: number, vocabSize: number): void {
  if (!(Number.isInteger(c) && c >= 0 && c < vocabSize && Number.isInteger(x) && x >= 0 && x < vocabSize)) {
    throw new Error(`row ${r}: pair (${c}, ${x}) has an id outside the vocabulary [0, ${vocabSize})`);
  }
}

/** The pairs of a packed column (the Dataset keeps them as target, context, target, ...): no arrays built. */
function splitPacked({ offsets, values }: PairListColumn, vocabSize: number): Pairs {
  const total = values.length / 2;
  const centers = new Int32Array(total);
  const contexts = new Int32Array(total);
  for (let r = 0; r + 1 < offsets.length; r++) {
    for (let k = offsets[r]!; k < offsets[r + 1]!; k++) {
      checkPair(r, values[2 * k]!, values[2 * k + 1]!, vocabSize);
      centers[k] = values[2 * k]!;
      contexts[k] = values[2 * k + 1]!;
    }
  }
  return { centers, contexts };
}

/** The pairs of rows that hold them as arrays (a column the Dataset could not pack). */
function flattenRows(windows: ReadonlyArray<WindowRow["moving_window"]>, vocabSize: number): Pairs {
  let total = 0;
  for (const [r, w] of windows.entries()) {
    if (!Array.isArray(w)) throw new Error(`row ${r} has no "moving_window" pairs: run the windowizer first`);
    total += w.length;
  }
  const centers = new Int32Array(total);
  const contexts = new Int32Array(total);
  let k = 0;
  for (let r = 0; r < windows.length; r++) {
    for (const [c, x] of windows[r]!) {
      checkPair(r, c, x, vocabSize);
      centers[k] = c;
      contexts[k] = x;
      k++;
    }
  }
  return { centers, contexts };
}

export class Word2VecDataset {
  /** Target ids, one per pair, in the original lab's order (rows in order, each row's pairs in order). */
  readonly centers: Int32Array;
  /** Context ids, aligned with `centers`. */
  readonly contexts: Int32Array;
  /** Number of pairs (`len(word2vec_dataset)`). */
  readonly length: number;
  readonly vocabSize: number;
  private cachedData: Array<[number, number]> | undefined;

  /**
   * Flattens the `moving_window` column of `ds` (the train split), like the original lab's
   * `[i for s in dataset['moving_window'] for i in s]`. An id outside [0, vocabSize) -> Error.
   */
  constructor(ds: Dataset<WindowRow>, vocabSize: number) {
    if (!Number.isInteger(vocabSize) || vocabSize <= 0) {
      throw new Error(`vocabSize must be a positive integer, got ${vocabSize}`);
    }
    const packed = ds.pairList("moving_window");
    const { centers, contexts } = packed ? splitPacked(packed, vocabSize) : flattenRows(ds.column("moving_window"), vocabSize);
    this.centers = centers;
    this.contexts = contexts;
    this.length = centers.length;
    this.vocabSize = vocabSize;
  }

  /** Pair `i` as `[target, context]` (`dataset[i]`). */
  get(i: number): [number, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`pair index ${i} out of range for ${this.length} pairs`);
    }
    return [this.centers[i], this.contexts[i]];
  }

  /** All pairs as tuples (the original lab's `self.data`); built on first use, ~50 bytes a pair. */
  get data(): Array<[number, number]> {
    if (this.cachedData === undefined) {
      const out = new Array<[number, number]>(this.length);
      for (let i = 0; i < this.length; i++) out[i] = [this.centers[i], this.contexts[i]];
      this.cachedData = out;
    }
    return this.cachedData;
  }
}

export interface DataLoaderOptions {
  batchSize: number;
  /** Reshuffle the pairs at the start of every epoch (PyTorch's default is false). */
  shuffle?: boolean;
  /** Seed of the loader's own generator; default: drawn from `globalRandom` (see `manualSeed`). */
  seed?: number;
}

/**
 * Iterates a Word2VecDataset in batches of `batchSize` pairs; the last, partial batch is kept
 * (PyTorch's `drop_last=False`). Each iteration is one epoch; with `shuffle`, every epoch draws a
 * new Fisher–Yates permutation from the loader's seeded generator, so epochs differ from each
 * other and the whole sequence is reproducible from `seed`.
 *
 * Each batch is a `Word2VecBatch`: its pairs grouped by context word (`batch.context`, `batch.center`);
 * the loader frees a batch's `context` tensor when it yields the next one or the loop ends.
 */
export class DataLoader implements Iterable<Word2VecBatch> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  /** Batches per epoch (`len(dataloader)`). */
  readonly length: number;
  private readonly ds: Word2VecDataset;
  private readonly rng: Random;

  constructor(ds: Word2VecDataset, opts: DataLoaderOptions) {
    const { batchSize, shuffle = false } = opts;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    }
    this.ds = ds;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.length = Math.ceil(ds.length / batchSize);
    this.rng = new Random(opts.seed ?? globalRandom.nextSeed());
  }

  *[Symbol.iterator](): Iterator<Word2VecBatch> {
    let last: Word2VecBatch | undefined;
    try {
      for (const pairs of this.pairBatches()) {
        last?.dispose();
        last = new Word2VecBatch(pairs, this.ds.vocabSize);
        yield last;
      }
    } finally {
      last?.dispose();
    }
  }

  private *pairBatches(): Generator<PairBatch> {
    const { centers, contexts, length: n } = this.ds;
    const bs = this.batchSize;
    if (!this.shuffle) {
      // Copies, not subarray views: a consumer writing into a batch must not change the dataset.
      for (let start = 0; start < n; start += bs) {
        const end = Math.min(start + bs, n);
        yield { center: centers.slice(start, end), context: contexts.slice(start, end) };
      }
      return;
    }
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    this.rng.shuffle(perm);
    for (let start = 0; start < n; start += bs) {
      const m = Math.min(bs, n - start);
      const center = new Int32Array(m);
      const context = new Int32Array(m);
      for (let k = 0; k < m; k++) {
        const p = perm[start + k];
        center[k] = centers[p];
        context[k] = contexts[p];
      }
      yield { center, context };
    }
  }
}
