/**
 * BucketIterator on the real Multi30k: [len, batch] int32 tensors that decode back to
 * `<sos>` + the example's tokens + `<eos>` + only `<pad>`, every example exactly once per epoch,
 * seeded reproducibility with a fresh shuffle per epoch, sorted unshuffled evaluation batches,
 * and bucketing that pads far less than random batches (the baseline is computed here).
 */
import "@tensorflow/tfjs-backend-cpu";
import { silenceCpuNodeHint } from "../../lib/engine/setup";
import * as tf from "@tensorflow/tfjs-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BucketIterator, Field, Multi30k, TranslationDataset, interleaveKeys, type Batch } from "../../lib/torchtext";
import { tokenizeDe, tokenizeEn } from "../../lib/text/spacy";

silenceCpuNodeHint();
tf.setBackend("cpu");
const SRC = new Field({ tokenize: tokenizeDe, init_token: "<sos>", eos_token: "<eos>", lower: true });
const TRG = new Field({ tokenize: tokenizeEn, init_token: "<sos>", eos_token: "<eos>", lower: true });
const [train, valid, testData] = Multi30k.splits({ exts: [".de", ".en"], fields: [SRC, TRG] });
SRC.buildVocab(train, { minFreq: 2 });
TRG.buildVocab(train, { minFreq: 2 });
const BATCH = 128;

/** Decodes column b of a [len, batch] array and checks it against the example's tokens. */
function checkColumn(data: Int32Array, shape: [number, number], b: number, tokens: readonly string[], field: Field): void {
  const [len, batch] = shape;
  const s = field.vocab.stoi;
  const col = Array.from({ length: len }, (_, t) => data[t * batch + b]);
  assert.is(col[0], s["<sos>"]);
  assert.equal(
    col.slice(1, tokens.length + 1),
    tokens.map((t) => field.vocab.lookup(t)),
  );
  assert.is(col[tokens.length + 1], s["<eos>"]);
  for (const x of col.slice(tokens.length + 2)) assert.is(x, s["<pad>"], "only <pad> after <eos>");
}

function padFraction(plan: Int32Array[], ds: TranslationDataset): number {
  let pad = 0;
  let total = 0;
  for (const idx of plan) {
    for (const col of ["src", "trg"] as const) {
      const lens = Array.from(idx, (i) => ds.examples[i][col].length);
      const max = Math.max(...lens);
      for (const l of lens) {
        pad += max - l;
        total += max + 2;
      }
    }
  }
  return pad / total;
}

test("interleave_keys as torchtext (bits of a and b interleaved, a first)", () => {
  // int('0000...0101', 2) for a=1,b=1 -> 0b11 = 3; a=2 (10), b=1 (01) -> 1001 = 9; a=1, b=2 -> 0110 = 6.
  assert.is(interleaveKeys(1, 1), 3);
  assert.is(interleaveKeys(2, 1), 9);
  assert.is(interleaveKeys(1, 2), 6);
  assert.is(interleaveKeys(0xffff, 0xffff), 2 ** 32 - 1);
});

test("splits: lengths, tensors [len, batch] int32, columns decode to <sos> tokens <eos> <pad>*", () => {
  const [tr, va, te] = BucketIterator.splits([train, valid, testData], { batch_size: BATCH, seed: 1234 });
  assert.is(tr.length, Math.ceil(29000 / BATCH));
  assert.is(va.length, Math.ceil(1014 / BATCH));
  assert.is(te.length, Math.ceil(1000 / BATCH));
  let n = 0;
  for (const batch of tr) {
    n++;
    const [srcLen, b] = batch.src.shape;
    assert.is(batch.src.dtype, "int32");
    assert.is(batch.trg.dtype, "int32");
    assert.is(b, batch.batchSize);
    assert.is(batch.trg.shape[1], b);
    assert.ok(b === BATCH || n === tr.length || b < BATCH);
    const maxSrc = Math.max(...Array.from(batch.indices, (i) => train.examples[i].src.length));
    assert.is(srcLen, maxSrc + 2, "padded to the longest sentence + <sos>/<eos>");
    if (n <= 3) {
      assert.equal(Array.from(batch.src.dataSync()), Array.from(batch.srcData), "tensor holds srcData");
      for (let k = 0; k < b; k++) {
        checkColumn(batch.srcData, batch.srcShape, k, train.examples[batch.indices[k]].src, SRC);
        checkColumn(batch.trgData, batch.trgShape, k, train.examples[batch.indices[k]].trg, TRG);
      }
    }
  }
  assert.is(n, tr.length);
  // Every batch of the validation split decodes too (unknown tokens appear there as <unk>).
  for (const batch of va) {
    for (let k = 0; k < batch.batchSize; k++) {
      checkColumn(batch.trgData, batch.trgShape, k, valid.examples[batch.indices[k]].trg, TRG);
    }
  }
});

test("every example exactly once per epoch (train and valid)", () => {
  const [tr, va] = BucketIterator.splits([train, valid], { batchSize: BATCH, seed: 7 });
  for (const [it, n] of [
    [tr, train.length],
    [va, valid.length],
  ] as const) {
    for (let epoch = 0; epoch < 2; epoch++) {
      const seen = new Uint8Array(n);
      for (const idx of it.planEpoch()) for (const i of idx) seen[i]++;
      assert.ok(
        seen.every((c) => c === 1),
        "each index once",
      );
    }
  }
});

test("seeded: same seed -> same batches; new shuffle each epoch; other seed -> other order", () => {
  const a = new BucketIterator(train, { batchSize: BATCH, seed: 42 });
  const b = new BucketIterator(train, { batchSize: BATCH, seed: 42 });
  const c = new BucketIterator(train, { batchSize: BATCH, seed: 43 });
  const a1 = a.planEpoch();
  const b1 = b.planEpoch();
  assert.equal(
    a1.map((x) => Array.from(x)),
    b1.map((x) => Array.from(x)),
  );
  const a2 = a.planEpoch();
  assert.not.equal(Array.from(a2[0]), Array.from(a1[0]), "epoch 2 reshuffles");
  assert.equal(
    a2.map((x) => Array.from(x)),
    b.planEpoch().map((x) => Array.from(x)),
  );
  assert.not.equal(Array.from(c.planEpoch()[0]), Array.from(a1[0]));
});

test("evaluation iterators: sorted by key, longest first in a batch, identical every epoch", () => {
  const va = new BucketIterator(valid, { batchSize: BATCH, train: false });
  const e1 = va.planEpoch();
  const e2 = va.planEpoch();
  assert.equal(
    e1.map((x) => Array.from(x)),
    e2.map((x) => Array.from(x)),
  );
  const key = (i: number): number => valid.sortKey(valid.examples[i]);
  for (let j = 0; j < e1.length; j++) {
    const keys = Array.from(e1[j], key);
    for (let k = 1; k < keys.length; k++) assert.ok(keys[k - 1] >= keys[k], "descending inside a batch");
    if (j > 0) assert.ok(key(e1[j - 1][0]) <= keys[keys.length - 1], "ascending across batches");
  }
});

test("bucketing pads far less than random batches of the same size", () => {
  const bucketed = padFraction(new BucketIterator(train, { batchSize: BATCH, seed: 3 }).planEpoch(), train);
  const random = padFraction(new BucketIterator(train, { batchSize: BATCH, seed: 3, sortWithinBatch: false }).planEpoch(), train);
  assert.ok(random > 0.2, `random batching pads ${random.toFixed(3)}`);
  assert.ok(bucketed < random / 4, `bucketed ${bucketed.toFixed(3)} vs random ${random.toFixed(3)}`);
});

test("tensors are released: automatically per batch, kept ones on demand, also on break", () => {
  const va = new BucketIterator(valid, { batchSize: BATCH, train: false });
  const before = tf.memory().numTensors;
  for (const _ of va) assert.ok(tf.memory().numTensors <= before + 2);
  assert.is(tf.memory().numTensors, before);
  let kept: Batch | undefined;
  for (const batch of va) {
    kept = batch.keep();
    break;
  }
  assert.is(tf.memory().numTensors, before + 2);
  kept?.dispose();
  assert.is(tf.memory().numTensors, before);
});

test("bad input: no vocabulary yet, bad batch size", () => {
  const f = new Field({ tokenize: tokenizeEn });
  const ds = train.take(10);
  assert.throws(() => new BucketIterator(ds, { batchSize: 0 }), /positive integer batchSize/);
  const fresh = new TranslationDataset(train.examples.slice(0, 10), { src: f, trg: f }, "train");
  assert.throws(() => new BucketIterator(fresh, { batchSize: 4 }), /buildVocab/);
});

test.run();
