/**
 * torchtext legacy's `BucketIterator` and `Batch` (torchtext 0.9, legacy/data/iterator.py,
 * batch.py): batches of `batchSize` sentence pairs as int32 tensors `batch.src` / `batch.trg`
 * shaped [len, batch], each sentence wrapped in `<sos>` ... `<eos>` and padded with `<pad>`.
 *
 * Training split (the first dataset given to `splits`), per epoch:
 *   shuffle all examples (seeded) -> cut into pools of batchSize*100 -> sort each pool by the
 *   dataset's sort key (interleave_keys(len(src), len(trg))) -> cut into batches -> shuffle the
 *   batches of the pool -> sort each batch by the key, longest first.
 * Other splits: sort everything by the key, cut into batches in order, longest first inside each
 * batch; no shuffling. That is torchtext's `pool`/`batch` with `sort_within_batch=True`.
 *
 * Deliberate difference: torchtext only sorts the pools when `sort_within_batch=True`, and the
 * original lab (like the tutorial) leaves it at the default False, so its training batches were in fact
 * NOT grouped by length (pytorch/text issues #536, #1097). We bucket by default because the lab
 * text promises length-grouped batches and they cut the padding, hence the CPU time, a lot;
 * `sortWithinBatch: false` gives torchtext's default behaviour.
 *
 * Tensors: each batch's tensors belong to the iteration. With `autoDispose` (default) a batch's
 * tensors are disposed when the next batch is requested and when the loop ends (also on `break`),
 * so a training loop leaks nothing; call `batch.keep()` to hold on to one.
 */
import * as tf from "@tensorflow/tfjs-core";
import { globalRandom, Random } from "../random";
import { profileDatasets } from "../profile";
import type { Example, TranslationDataset } from "./dataset";

export interface BucketIteratorOptions {
  batchSize?: number;
  batch_size?: number;
  /** Seed of the shuffles; default: drawn from the global generator (`manualSeed`). */
  seed?: number;
  /** Training iterator: shuffled pools and batches, a fresh shuffle every epoch. */
  train?: boolean;
  /** Sort each pool by length before batching (bucketing). Default true; see the file header. */
  sortWithinBatch?: boolean;
  sort_within_batch?: boolean;
  /** Sort key of an example; default the dataset's `sortKey` (interleaved src/trg lengths). */
  sortKey?: (ex: Example) => number;
  sort_key?: (ex: Example) => number;
  /** Dispose each batch's tensors when the next batch is requested (default true). */
  autoDispose?: boolean;
  /** Accepted for the original lab's `device = device`; tensors live on the active tfjs backend. */
  device?: unknown;
}

/** One minibatch: `src`, `trg` int32 [len, batch] plus the raw indices behind them. */
export class Batch {
  /** Int32 [srcLen, batchSize]: `<sos>` src... `<eos>` `<pad>`... per column. */
  readonly src: tf.Tensor2D;
  /** Int32 [trgLen, batchSize]. */
  readonly trg: tf.Tensor2D;
  private kept = false;

  constructor(
    /** Indices (into the dataset's examples) of the batch's columns, in column order. */
    readonly indices: Int32Array,
    /** `src` values, row-major [srcLen, batchSize]. */
    readonly srcData: Int32Array,
    readonly srcShape: [number, number],
    readonly trgData: Int32Array,
    readonly trgShape: [number, number],
  ) {
    this.src = tf.tensor2d(srcData, srcShape, "int32");
    this.trg = tf.tensor2d(trgData, trgShape, "int32");
  }

  /** Number of sentence pairs (Python `len(batch)` / `batch.batch_size`). */
  get batchSize(): number {
    return this.indices.length;
  }
  get batch_size(): number {
    return this.indices.length;
  }

  /** Exempts this batch from the iterator's automatic disposal; dispose it yourself. */
  keep(): this {
    this.kept = true;
    return this;
  }

  get isKept(): boolean {
    return this.kept;
  }

  dispose(): void {
    if (!this.src.isDisposed) this.src.dispose();
    if (!this.trg.isDisposed) this.trg.dispose();
  }
}

export class BucketIterator implements Iterable<Batch> {
  readonly batchSize: number;
  readonly train: boolean;
  readonly sortWithinBatch: boolean;
  readonly seed: number;
  private readonly rng: Random;
  private readonly sortKey: (ex: Example) => number;
  private readonly autoDispose: boolean;
  private epochCount = 0;

  constructor(
    readonly dataset: TranslationDataset,
    opts: BucketIteratorOptions = {},
  ) {
    const batchSize = opts.batchSize ?? opts.batch_size;
    if (batchSize === undefined || !(Number.isInteger(batchSize) && batchSize >= 1))
      throw new Error(`BucketIterator needs a positive integer batchSize, got ${batchSize}`);
    if (dataset.length === 0) throw new Error("BucketIterator got an empty dataset");
    for (const f of Object.values(dataset.fields)) {
      if (!f.hasVocab) throw new Error("build the Fields' vocabularies (buildVocab) before creating iterators");
    }
    this.batchSize = batchSize;
    this.train = opts.train ?? true;
    this.sortWithinBatch = opts.sortWithinBatch ?? opts.sort_within_batch ?? true;
    this.seed = opts.seed ?? globalRandom.nextSeed();
    this.rng = new Random(this.seed);
    const key = opts.sortKey ?? opts.sort_key;
    this.sortKey = key ?? ((ex: Example) => dataset.sortKey(ex));
    this.autoDispose = opts.autoDispose ?? true;
  }

  /**
   * One iterator per dataset; the first is the training iterator (shuffled), the rest are sorted
   * and unshuffled, like torchtext's `BucketIterator.splits`. Each gets its own seed derived from
   * `seed` so the training order does not depend on how often the others are iterated.
   * A reduced run profile (LAB4_PROFILE, lib/profile.ts) iterates only part of each dataset.
   */
  static splits(datasets: readonly TranslationDataset[], opts: BucketIteratorOptions = {}): BucketIterator[] {
    const base = opts.seed ?? globalRandom.nextSeed();
    return profileDatasets(datasets).map(
      (ds, i) => new BucketIterator(ds, { ...opts, train: i === 0, seed: (base + i * 0x9e3779b1) >>> 0 }),
    );
  }

  /** Batches per epoch (Python `len(iterator)`). */
  get length(): number {
    return Math.ceil(this.dataset.length / this.batchSize);
  }

  /** Epochs started so far. */
  get epochs(): number {
    return this.epochCount;
  }

  /** The example indices of each batch of the next epoch, in order (advances the shuffle). */
  planEpoch(): Int32Array[] {
    this.epochCount += 1;
    const n = this.dataset.length;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = this.sortKey(this.dataset.examples[i]);
    const byKey = (a: number, b: number): number => keys[a] - keys[b];
    const bs = this.batchSize;
    const cut = (order: number[]): number[][] => {
      const out: number[][] = [];
      for (let i = 0; i < order.length; i += bs) out.push(order.slice(i, i + bs));
      return out;
    };
    const batches: number[][] = [];
    if (!this.train) {
      // sort=True: sorted(dataset, key) (stable), batched in order, reversed inside each batch.
      const order = Array.from({ length: n }, (_, i) => i).sort(byKey);
      for (const b of cut(order)) batches.push(b.reverse());
    } else {
      const order = this.rng.shuffle(Array.from({ length: n }, (_, i) => i)) as number[];
      const pool = bs * 100;
      for (let p = 0; p < n; p += pool) {
        const chunk = order.slice(p, p + pool);
        if (this.sortWithinBatch) chunk.sort(byKey);
        const poolBatches = this.rng.shuffle(cut(chunk)) as number[][];
        for (const b of poolBatches) {
          // sort_within_batch: key descending (a stable sort, like Python's reverse=True).
          if (this.sortWithinBatch) b.sort((x, y) => keys[y] - keys[x]);
          batches.push(b);
        }
      }
    }
    return batches.map((b) => Int32Array.from(b));
  }

  /** Pads and numericalises the given examples into a Batch (the dataset's Fields do the work). */
  makeBatch(indices: Int32Array): Batch {
    const { src: srcField, trg: trgField } = this.dataset.fields;
    const ex = Array.from(indices, (i) => this.dataset.get(i));
    const src = srcField.numericalizeToArray(srcField.pad(ex.map((e) => e.src)));
    const trg = trgField.numericalizeToArray(trgField.pad(ex.map((e) => e.trg)));
    return new Batch(indices, src.data, src.shape, trg.data, trg.shape);
  }

  /** One epoch of batches (a new shuffle each time for the training iterator). */
  *[Symbol.iterator](): Iterator<Batch> {
    const plan = this.planEpoch();
    let previous: Batch | undefined;
    const release = (): void => {
      if (this.autoDispose && previous && !previous.isKept) previous.dispose();
    };
    try {
      for (const indices of plan) {
        release();
        previous = this.makeBatch(indices);
        yield previous;
      }
    } finally {
      release();
    }
  }
}
