/**
 * Word2VecDataset flattening and the seeded DataLoader: every pair exactly once per epoch, last
 * partial batch kept, reproducible from the original lab, a new order every epoch.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Dataset } from "../../lib/data/dataset";
import { manualSeed } from "../../lib/random";
import * as tf from "@tensorflow/tfjs-core";
import { DataLoader, Word2VecDataset, type Word2VecBatch } from "../../lib/word2vec/data";

type Pair = [number, number];

/** Rows whose pairs are (k, k % 7) for k = 0..n-1, so a pair is identified by its center. */
function numbered(n: number, perRow = 4): Dataset<{ moving_window: Pair[] }> {
  const rows: Array<{ moving_window: Pair[] }> = [];
  for (let k = 0; k < n; k += perRow) {
    const mw: Pair[] = [];
    for (let j = k; j < Math.min(n, k + perRow); j++) mw.push([j, j % 7]);
    rows.push({ moving_window: mw });
  }
  rows.splice(1, 0, { moving_window: [] }); // an empty row contributes nothing
  return new Dataset(rows);
}

function epoch(dl: DataLoader): number[] {
  const order: number[] = [];
  for (const { pairs: b } of dl) {
    assert.is(b.center.length, b.context.length);
    for (let k = 0; k < b.center.length; k++) {
      assert.is(b.context[k], b.center[k] % 7); // the pair travels together
      order.push(b.center[k]);
    }
  }
  return order;
}

test("Word2VecDataset flattens moving_window in row order like the original lab's self.data", () => {
  const ds = new Dataset([
    {
      moving_window: [
        [1, 2],
        [2, 1],
      ] as Pair[],
    },
    { moving_window: [] as Pair[] },
    { moving_window: [[0, 3]] as Pair[] },
  ]);
  const w = new Word2VecDataset(ds, 4);
  assert.is(w.length, 3);
  assert.equal([...w.centers], [1, 2, 0]);
  assert.equal([...w.contexts], [2, 1, 3]);
  assert.equal(w.get(2), [0, 3]);
  assert.equal(w.data, [
    [1, 2],
    [2, 1],
    [0, 3],
  ]);
  assert.throws(() => w.get(3), /out of range/);
});

test("Word2VecDataset names bad input: id outside the vocabulary, missing column, bad vocabSize", () => {
  const ds = new Dataset([{ moving_window: [[1, 4]] as Pair[] }]);
  assert.throws(() => new Word2VecDataset(ds, 4), /row 0: pair \(1, 4\) has an id outside the vocabulary \[0, 4\)/);
  // packed (ids are int32): the row is found from the offsets, past an empty row
  const third = new Dataset([
    { moving_window: [[1, 2]] as Pair[] },
    { moving_window: [] as Pair[] },
    {
      moving_window: [
        [0, 1],
        [0, 9],
      ] as Pair[],
    },
  ]);
  assert.ok(third.pairList("moving_window"));
  assert.throws(() => new Word2VecDataset(third, 4), /row 2: pair \(0, 9\) has an id outside the vocabulary \[0, 4\)/);
  // not packable (an unknown token's id is undefined): the same message from the unpacked rows
  const unknown = new Dataset([{ moving_window: [[1, 2]] as Pair[] }, { moving_window: [[3, undefined]] as unknown as Pair[] }]);
  assert.is(unknown.pairList("moving_window"), undefined);
  assert.throws(() => new Word2VecDataset(unknown, 4), /row 1: pair \(3, undefined\) has an id outside the vocabulary \[0, 4\)/);
  const noWindows = new Dataset([{ tokens: ["a"] }]) as unknown as Dataset<{ moving_window: Pair[] }>;
  assert.throws(() => new Word2VecDataset(noWindows, 4), /no column 'moving_window'; available columns: 'tokens'/);
  assert.throws(() => new Word2VecDataset(ds, 0), /vocabSize must be a positive integer/);
});

test("without shuffle: batches in order, last partial batch kept, length = ceil(n / batchSize)", () => {
  const w = new Word2VecDataset(numbered(10), 10);
  const dl = new DataLoader(w, { batchSize: 4 });
  assert.is(dl.length, 3);
  const sizes = [...dl].map((b) => b.center.length);
  assert.equal(sizes, [4, 4, 2]);
  assert.equal(epoch(dl), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Batches are copies: writing into one does not change the dataset.
  for (const b of dl) b.pairs.center.fill(-1);
  assert.equal(epoch(dl), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("with shuffle: every pair exactly once per epoch, a new order each epoch", () => {
  const n = 1000;
  const dl = new DataLoader(new Word2VecDataset(numbered(n), n), { batchSize: 64, shuffle: true, seed: 7 });
  assert.is(dl.length, 16);
  const epochs = [epoch(dl), epoch(dl), epoch(dl)];
  for (const e of epochs) {
    assert.is(e.length, n);
    assert.equal(
      [...e].sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );
  }
  assert.not.equal(epochs[0], epochs[1]);
  assert.not.equal(epochs[1], epochs[2]);
  assert.not.equal(
    epochs[0],
    Array.from({ length: n }, (_, i) => i),
  );
});

test("with shuffle: the same seed gives the same epochs, another seed a different order", () => {
  const w = new Word2VecDataset(numbered(500), 500);
  const a = new DataLoader(w, { batchSize: 50, shuffle: true, seed: 2023 });
  const b = new DataLoader(w, { batchSize: 50, shuffle: true, seed: 2023 });
  const c = new DataLoader(w, { batchSize: 50, shuffle: true, seed: 2024 });
  const ea = [epoch(a), epoch(a)];
  assert.equal([epoch(b), epoch(b)], ea);
  assert.not.equal(epoch(c), ea[0]);
});

test("without a seed the loader draws one from globalRandom, so manualSeed makes it reproducible", () => {
  const w = new Word2VecDataset(numbered(300), 300);
  manualSeed(11);
  const first = epoch(new DataLoader(w, { batchSize: 32, shuffle: true }));
  manualSeed(11);
  assert.equal(epoch(new DataLoader(w, { batchSize: 32, shuffle: true })), first);
});

test("each batch is grouped by context: distinct contexts in first-appearance order, a row per pair", () => {
  // contexts k % 7 repeat: batch [0..9] has contexts 0..6 then 0, 1, 2 again
  const w = new Word2VecDataset(numbered(10), 10);
  const [first, second] = [...new DataLoader(w, { batchSize: 10 })].concat([...new DataLoader(w, { batchSize: 4 })]);
  assert.equal([...first.contextIds], [0, 1, 2, 3, 4, 5, 6]);
  assert.equal([...first.center.rows], [0, 1, 2, 3, 4, 5, 6, 0, 1, 2]);
  assert.equal([...first.center.centers], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.is(first.center.numGroups, 7);
  assert.is(first.center.length, 10);
  assert.equal([...first.center.counts()], [2, 2, 2, 1, 1, 1, 1]);
  assert.is(String(first.center), "GroupedTargets(10 objetivos para 7 filas de logits)");
  assert.is(String(second), "Word2VecBatch(context=[4] int32, center=GroupedTargets(4 objetivos para 4 filas de logits))");
});

test("shuffled batches: contextIds[rows[k]] is pair k's context, centers are the pairs' centers", () => {
  const n = 700;
  for (const b of new DataLoader(new Word2VecDataset(numbered(n), n), { batchSize: 64, shuffle: true, seed: 5 })) {
    const { rows, centers } = b.center;
    assert.equal([...centers], [...b.pairs.center]);
    for (let k = 0; k < rows.length; k++) assert.is(b.contextIds[rows[k]], b.pairs.context[k]);
    assert.is(new Set(b.contextIds).size, b.contextIds.length);
  }
});

test("the loader owns each batch's context tensor: freed at the next batch and when the loop ends", () => {
  const w = new Word2VecDataset(numbered(20), 20);
  const before = tf.memory().numTensors;
  const seen: Word2VecBatch[] = [];
  for (const b of new DataLoader(w, { batchSize: 8 })) {
    const t = b.context; // created on first use, the same tensor after
    assert.is(b.context, t);
    assert.is(t.dtype, "int32");
    assert.equal([...t.dataSync()], [...b.contextIds]);
    // a first use inside a tidy scope survives the scope
    const inner = new DataLoader(w, { batchSize: 8 })[Symbol.iterator]().next().value!;
    const kept = tf.tidy(() => inner.context);
    assert.not.ok(kept.isDisposed);
    inner.dispose();
    seen.push(b);
  }
  assert.is(tf.memory().numTensors, before);
  assert.throws(() => seen[0].context, /el DataLoader lo libera al pasar al lote siguiente/);
  // break out of the loop: the generator's finally frees the current batch
  for (const b of new DataLoader(w, { batchSize: 8 })) {
    void b.context;
    break;
  }
  assert.is(tf.memory().numTensors, before);
});

test("batchSize must be a positive integer", () => {
  const w = new Word2VecDataset(numbered(3), 3);
  assert.throws(() => new DataLoader(w, { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  assert.throws(() => new DataLoader(w, { batchSize: 2.5 }), /got 2.5/);
});

test.run();
