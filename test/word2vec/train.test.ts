import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine";
import { Word2Vec } from "../../lib/word2vec/model";
import { trainWord2Vec, type BatchProgress, type EpochProgress } from "../../reference/word2vec/train";
import { DataLoader, Word2VecDataset } from "../../lib/word2vec/data";
import { Dataset } from "../../lib/data/dataset";
import { AdamW } from "../../lib/optim/adam";
import { Random } from "../../lib/random";
import { windowPairs } from "../../reference/word2vec/vocab";

test.before(async () => {
  await initBackend({ backend: "wasm" });
});

// Sentences from two disjoint "topics": words 0-9 co-occur, words 10-19 co-occur.
function corpus(rows: number, seed: number): Dataset<{ moving_window: Array<[number, number]> }> {
  const r = new Random(seed);
  const out = [];
  for (let s = 0; s < rows; s++) {
    const base = r.random() < 0.5 ? 0 : 10;
    const ids = Array.from({ length: 6 }, () => base + r.int(10));
    out.push({ moving_window: windowPairs(ids, 3) });
  }
  return new Dataset(out);
}

test("the original lab's model: parameter names, shapes, forward shape", () => {
  const m = new Word2Vec(20, 4);
  assert.equal(
    m.namedParameters().map(([n, p]) => [n, p.shape]),
    [
      ["embed.weight", [20, 4]],
      ["expand.weight", [20, 4]],
    ],
  );
  const y = m.forward(
    tf.tensor2d(
      [
        [1, 2],
        [3, 4],
      ],
      [2, 2],
      "int32",
    ),
  );
  assert.equal(y.shape, [2, 2, 20]);
  assert.match(
    String(m),
    /Word2Vec\(\n  \(embed\): Embedding\(20, 4\)\n  \(expand\): Linear\(in_features=4, out_features=20, bias=False\)\n\)/,
  );
  y.dispose();
  m.dispose();
});

test("training on the real DataLoader lowers the loss; running loss is the pair-weighted mean; callbacks fire", async () => {
  const ds = new Word2VecDataset(corpus(200, 1), 20);
  const loader = new DataLoader(ds, { batchSize: 700, shuffle: true, seed: 3 });
  const model = new Word2Vec(20, 8, { rng: new Random(4) });
  const opt = new AdamW(model.parameters(), { lr: 0.05 });
  const batches: BatchProgress[] = [];
  const epochs: EpochProgress[] = [];
  const before = tf.memory().numTensors;
  const r = await trainWord2Vec(model, loader, {
    epochs: 4,
    optimizer: opt,
    onBatch: (b) => batches.push(b),
    onEpoch: (e) => epochs.push(e),
  });
  assert.is(tf.memory().numTensors, before + 4, "only the optimizer's moments (2 per parameter) stay alive");
  assert.is(r.runningLoss.length, 4);
  assert.ok(r.runningLoss[3] < r.runningLoss[0] - 0.3, `loss ${r.runningLoss}`);
  // Within a topic the centre is uniform over 10 words: the loss tends to ln 10 from above.
  assert.ok(r.runningLoss[3] > Math.log(10) - 0.05, `loss ${r.runningLoss[3]} vs ln 10`);
  assert.is(batches.length, 4 * loader.length);
  assert.equal(
    batches.slice(0, loader.length).map((b) => b.batch),
    [...Array(loader.length).keys()],
  );
  for (let e = 0; e < 4; e++) {
    const bs = batches.filter((b) => b.epoch === e);
    const mean = bs.reduce((s, b) => s + b.loss * b.pairs, 0) / bs.reduce((s, b) => s + b.pairs, 0);
    assert.ok(Math.abs(mean - r.runningLoss[e]) < 1e-12);
    assert.is(epochs[e].pairs, ds.length);
    assert.equal(
      r.batchLosses[e],
      bs.map((b) => b.loss),
    );
  }
  opt.dispose();
  model.dispose();
});

test("grouped and per-pair losses train to the same parameters", async () => {
  const ds = new Word2VecDataset(corpus(40, 2), 20);
  const run = async (loss: "grouped" | "perPair") => {
    const model = new Word2Vec(20, 4, { rng: new Random(9) });
    const opt = new AdamW(model.parameters(), { lr: 0.01 });
    await trainWord2Vec(model, new DataLoader(ds, { batchSize: 50, shuffle: true, seed: 1 }), { epochs: 2, optimizer: opt, loss });
    const w = model.parameters().map((p) => Array.from(p.dataSync()));
    opt.dispose();
    model.dispose();
    return w;
  };
  const a = await run("grouped");
  const b = await run("perPair");
  a.forEach((w, k) => w.forEach((v, i) => assert.ok(Math.abs(v - b[k][i]) < 1e-4, `param ${k}[${i}]: ${v} vs ${b[k][i]}`)));
});

test("a NaN loss stops training with an error naming the epoch and batch, before the update", async () => {
  const ds = new Word2VecDataset(corpus(30, 3), 20);
  const model = new Word2Vec(20, 4);
  const opt = new AdamW(model.parameters(), { lr: 0.01 });
  let calls = 0;
  const poisoning = {
    zeroGrad: () => undefined,
    step: (g: tf.NamedTensorMap) => {
      opt.step(g);
      if (++calls === 3) model.expand.weight.assign(tf.fill([20, 4], NaN));
    },
  };
  const loader = new DataLoader(ds, { batchSize: 100, shuffle: false });
  try {
    await trainWord2Vec(model, loader, { epochs: 5, optimizer: poisoning });
    assert.unreachable("should throw");
  } catch (e) {
    const n = loader.length;
    const epoch = Math.floor(3 / n),
      batch = 3 % n;
    assert.match(
      (e as Error).message,
      new RegExp(`loss is NaN at epoch ${epoch}, batch ${batch} \\(0-based\\); try a smaller learning rate`),
    );
  }
  assert.is(calls, 3, "the NaN batch was not applied");
  opt.dispose();
  model.dispose();
});

test("bad arguments", async () => {
  const model = new Word2Vec(5, 2);
  const opt = new AdamW(model.parameters());
  try {
    await trainWord2Vec(model, Object.assign([], { length: 0 }), { epochs: 1, optimizer: opt });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /no batches/);
  }
  try {
    await trainWord2Vec(model, Object.assign([], { length: 0 }), { epochs: 0, optimizer: opt });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /epochs must be a positive integer, got 0/);
  }
  model.dispose();
});

test.run();
