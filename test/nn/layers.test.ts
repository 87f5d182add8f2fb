import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { inspect } from "node:util";
import { initBackend } from "../../lib/engine";
import { oneHotEncode } from "../../reference/nn/onehot";
import { Linear } from "../../lib/nn/linear";
import { Embedding } from "../../lib/nn/embedding";
import { Random, manualSeed } from "../../lib/random";

test.before(async () => {
  await initBackend({ backend: "wasm" });
});

test("oneHotEncode(7, 20): float32 [20] with a single 1 at index 7 (the original lab's check int(ohe[7]) == 1)", () => {
  const v = oneHotEncode(7, 20);
  assert.equal([v.shape, v.dtype], [[20], "float32"]);
  const a = Array.from(v.dataSync());
  assert.equal(
    a,
    Array.from({ length: 20 }, (_, i) => (i === 7 ? 1 : 0)),
  );
  v.dispose();
  assert.throws(() => oneHotEncode(20, 20), /index 20 is out of range for size 20/);
  assert.throws(() => oneHotEncode(1.5, 20), /index 1.5/);
  assert.throws(() => oneHotEncode(0, 0), /size must be a positive integer/);
});

test("the original lab's arange cells: Linear(20, 1, bias=False)(ohe) = 7 and Embedding(20, 1)(7) = 7", () => {
  const size = 20;
  const ohe = oneHotEncode(7, size);
  const lin = new Linear(size, 1, { bias: false });
  lin.weight = tf.reshape(tf.range(0, size, 1, "float32"), lin.weight.shape);
  assert.equal(
    lin.namedParameters().map(([n, p]) => [n, p.shape]),
    [["weight", [1, 20]]],
  );
  const y = lin.forward(ohe);
  assert.equal([y.shape, Array.from(y.dataSync())], [[1], [7]]);
  assert.match(lin.formatWeight(), /^Parameter containing:\nTensor\n\s+\[\[0, 1, 2, 3,/);

  const emb = new Embedding(size, 1);
  emb.weight = tf.reshape(tf.range(0, size, 1, "float32"), emb.weight.shape);
  const e = emb.forward(tf.scalar(7, "int32"));
  assert.equal([e.shape, Array.from(e.dataSync())], [[1], [7]]);
  assert.equal(
    emb.namedParameters().map(([n]) => n),
    ["weight"],
  );
  assert.is(inspect(lin), "Linear(in_features=20, out_features=1, bias=False)");
  assert.is(String(emb), "Embedding(20, 1)");
  tf.dispose([ohe, y, e]);
  lin.dispose();
  emb.dispose();
});

test("Linear: y = x·Wᵀ + b by hand, for 1-D, 2-D and 3-D inputs", () => {
  const lin = new Linear(3, 2);
  lin.weight = tf.tensor2d([
    [1, 2, 3],
    [-1, 0, 1],
  ]);
  lin.bias = tf.tensor1d([0.5, -0.5]);
  const x = [
    [1, 1, 1],
    [2, 0, -1],
  ];
  const want = [
    [6.5, -0.5],
    [-0.5, -3.5],
  ];
  assert.equal(lin.forward(tf.tensor2d(x)).arraySync(), want);
  assert.equal(lin.forward(tf.tensor1d(x[0])).arraySync(), want[0]);
  const y3 = lin.forward(tf.tensor3d([x, x]));
  assert.equal(y3.arraySync(), [want, want]);
  assert.equal(
    lin.namedParameters().map(([n, p]) => [n, p.shape]),
    [
      ["weight", [2, 3]],
      ["bias", [2]],
    ],
  );
  assert.is(lin.numParameters(), 8);
  assert.throws(() => lin.forward(tf.zeros([2, 4])), /input of shape \[2, 4\] must end in 3/);
  assert.throws(() => (lin.weight = tf.zeros([3, 2])), /Linear.weight must have shape \[2, 3\], got \[3, 2\]/);
  assert.throws(() => new Linear(0, 2), /inFeatures must be a positive integer/);
  lin.dispose();
});

test("Linear init is PyTorch's: weight and bias U(-1/√in, 1/√in), reproducible from manualSeed", () => {
  manualSeed(5);
  const a = new Linear(400, 300);
  manualSeed(5);
  const b = new Linear(400, 300);
  const w = a.weight.dataSync();
  assert.equal(Array.from(w.slice(0, 5)), Array.from(b.weight.dataSync().slice(0, 5)));
  const bound = 1 / Math.sqrt(400);
  let mx = 0,
    s = 0,
    s2 = 0;
  for (const v of w) {
    mx = Math.max(mx, Math.abs(v));
    s += v;
    s2 += v * v;
  }
  assert.ok(mx <= bound && mx > 0.99 * bound, `max |w| ${mx} vs bound ${bound}`);
  const mean = s / w.length,
    variance = s2 / w.length - mean ** 2;
  assert.ok(Math.abs(mean) < 3e-4, `mean ${mean}`);
  assert.ok(Math.abs(variance / (bound ** 2 / 3) - 1) < 0.01, `variance ratio ${variance / (bound ** 2 / 3)}`);
  const bb = a.bias!.dataSync();
  assert.ok(Math.max(...Array.from(bb, Math.abs)) <= bound);
  a.dispose();
  b.dispose();
});

test("Embedding init is N(0, 1); forward keeps the id shape and appends dim; bad ids are errors", () => {
  const emb = new Embedding(1000, 100, { rng: new Random(3) });
  const w = emb.weight.dataSync();
  let s = 0,
    s2 = 0;
  for (const v of w) {
    s += v;
    s2 += v * v;
  }
  const mean = s / w.length,
    sd = Math.sqrt(s2 / w.length - mean ** 2);
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(sd - 1) < 0.01, `mean ${mean} sd ${sd}`);
  const ids = tf.tensor2d(
    [
      [0, 999],
      [5, 5],
      [7, 1],
    ],
    [3, 2],
    "int32",
  );
  const out = emb.forward(ids);
  assert.equal(out.shape, [3, 2, 100]);
  const row5 = Array.from(w.slice(500, 600));
  assert.equal(Array.from((out.arraySync() as number[][][])[1][0]), row5);
  assert.throws(() => emb.forward(tf.tensor1d([1000], "int32")), /el índice 1000 está fuera de \[0, 1000\)/);
  assert.throws(() => emb.forward(tf.tensor1d([1.0])), /Embedding: los índices deben ser int32 y son float32/);
  assert.equal(emb.forward([3, 4]).shape, [2, 100]);
  tf.dispose([ids, out]);
  emb.dispose();
});

test("replacing a weight keeps one registered parameter and frees the old variable", () => {
  const before = tf.memory().numTensors;
  const lin = new Linear(4, 3);
  const old = lin.weight;
  const t = tf.ones([3, 4]);
  lin.setWeight(t);
  t.dispose();
  assert.ok(old.isDisposed);
  assert.is(lin.parameters().length, 2);
  assert.equal(Array.from(lin.weight.dataSync()), Array(12).fill(1));
  lin.dispose();
  assert.is(tf.memory().numTensors, before);
});

test.run();
