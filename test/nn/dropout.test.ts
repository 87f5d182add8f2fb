import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../../lib/engine/setup";
import { initBackend } from "../../lib/engine";
import { Dropout, dropout, dropoutMask } from "../../lib/nn/dropout";
import { Random } from "../../lib/random";

test("training: zeroes about p of the elements and scales the rest by 1/(1-p)", () => {
  const d = new Dropout(0.3, { rng: new Random(11) });
  const y = d.forward(tf.ones([200, 100])).dataSync();
  let zeros = 0;
  for (const v of y) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6, `survivor scaled by 1/(1-p), got ${v}`);
  }
  // 20,000 Bernoulli(0.3) draws: sd ≈ 0.0032, so ±0.02 is > 6 sd.
  assert.ok(Math.abs(zeros / y.length - 0.3) < 0.02, `fraction dropped ${zeros / y.length}`);
});

test("eval mode is the identity; p = 0 is the identity; p = 1 gives zeros (as PyTorch)", () => {
  const x = tf.tensor([1, -2, 3, 4]);
  const d = new Dropout(0.5);
  d.eval();
  assert.equal(Array.from(d.forward(x).dataSync()), [1, -2, 3, 4]);
  assert.equal(Array.from(dropout(x, 0).dataSync()), [1, -2, 3, 4]);
  assert.equal(Array.from(dropout(x, 1).dataSync()), [0, 0, 0, 0]);
});

test("masks are reproducible from the original lab and differ between draws", () => {
  const a = dropout(tf.ones([50]), 0.5, new Random(5)).dataSync();
  const b = dropout(tf.ones([50]), 0.5, new Random(5)).dataSync();
  assert.equal(Array.from(a), Array.from(b));
  const r = new Random(5);
  const c = dropout(tf.ones([50]), 0.5, r).dataSync();
  const e = dropout(tf.ones([50]), 0.5, r).dataSync();
  assert.not.equal(Array.from(c), Array.from(e));
});

test("Random keeps its sequence: Mulberry32's first draws for two seeds", () => {
  // Drawn with the generator as it stood before its state became an int32 (same bits by design).
  for (const [seed, first] of [
    [2023, [1487584115, 2166194330, 3680356959]],
    [2 ** 32 - 1, [3850105811, 813802916, 3073704848]],
  ] as const) {
    const r = new Random(seed);
    assert.equal(
      [r.random(), r.random(), r.random()].map((x) => x * 2 ** 32),
      [...first],
      `seed ${seed}`,
    );
  }
});

test("fillMask draws what random() draws: 0 exactly where random() < p, and the same state after", () => {
  for (const seed of [0, 5, 2023, 2 ** 31, -7])
    for (const p of [0.5, 0.25, 1 / 3, 0.999, 1e-9, 0.7]) {
      const a = new Random(seed);
      const b = new Random(seed);
      const scale = 1 / (1 - p);
      const mask = new Float32Array(1001);
      a.fillMask(mask, p, scale);
      const want = Array.from({ length: mask.length }, () => (b.random() < p ? 0 : Math.fround(scale)));
      assert.equal(Array.from(mask), want, `seed ${seed}, p ${p}`);
      assert.is(a.random(), b.random(), "the generators are at the same place");
    }
  const r = new Random(3);
  const edge = new Float32Array(64);
  r.fillMask(edge, 0, 2);
  assert.ok(
    edge.every((v) => v === 2),
    "p = 0 keeps everything",
  );
});

test("gradient is the mask", () => {
  const x = tf.tensor([1, 2, 3, 4, 5, 6]);
  const r1 = new Random(9);
  const y = dropout(x, 0.5, r1).dataSync();
  const g = tf
    .grad((v: tf.Tensor) => tf.sum(dropout(v, 0.5, new Random(9))))(x)
    .dataSync();
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(g[i] - y[i] / (i + 1)) < 1e-6);
});

for (const backend of ["cpu", "wasm"] as const)
  test(`${backend}: the mask drawn in the backend's memory is dropoutMask's, value for value`, async () => {
    await initBackend({ backend });
    assert.is(tf.getBackend(), backend);
    // A decoder step's inter-layer shape and an odd one; p = 0.3 scales by a non-representable 1/0.7.
    for (const [shape, p, seed] of [
      [[1, 128, 512], 0.5, 7],
      [[3, 5, 7], 0.3, 8],
    ] as const) {
      const x = tf.randomNormal([...shape], 0, 1, "float32", seed);
      const want = tf.mul(x, tf.tensor(dropoutMask(x.size, p, new Random(seed)), [...shape])).dataSync();
      const r = new Random(seed);
      const got = dropout(x, p, r).dataSync();
      assert.equal(Array.from(got), Array.from(want));
      // the generator advanced by one draw per element, as dropoutMask's
      const after = new Random(seed);
      dropoutMask(x.size, p, after);
      assert.is(r.random(), after.random());
    }
    await initBackend({ backend: "cpu" });
  });

test("bad p is refused", () => {
  assert.throws(() => new Dropout(1.5), /between 0 and 1, but got 1.5/);
  assert.throws(() => new Dropout(-0.1), /between 0 and 1/);
});

test.run();
