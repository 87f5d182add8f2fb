import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { onBackend } from "./helpers";
import { originalKernel } from "../../lib/engine";

// Hand-derived: out[s] = Σ_{i: ids[i] = s} x[i]; ids outside [0, n) are dropped.
const x = [
  [1, 2],
  [3, 4],
  [5, 6],
  [7, 8],
  [9, 10],
];
const ids = [2, 0, 2, -1, 7];
const want = [
  [3, 4],
  [0, 0],
  [1 + 5, 2 + 6],
];

for (const backend of ["wasm", "cpu"] as const) {
  test(`${backend}: unsortedSegmentSum matches the hand-computed sums (ids out of range dropped)`, async () => {
    const got = await onBackend(backend, () => tf.unsortedSegmentSum(tf.tensor2d(x), tf.tensor1d(ids, "int32"), 3).arraySync());
    assert.equal(got, want);
  });

  test(`${backend}: int32 values and rank-2 segment ids`, async () => {
    const got = await onBackend(backend, () =>
      tf
        .unsortedSegmentSum(
          tf.tensor2d(
            [
              [1, 2],
              [3, 4],
            ],
            [2, 2],
            "int32",
          ),
          [
            [1, 1],
            [0, 1],
          ],
          2,
        )
        .arraySync(),
    );
    assert.equal(got, [3, 1 + 2 + 4]);
  });

  test(`${backend}: gradient of gather scatters dy rows back (embedding backward)`, async () => {
    const got = await onBackend(backend, () => {
      const table = tf.zeros([4, 2]);
      const idx = tf.tensor2d(
        [
          [3, 1],
          [3, 3],
        ],
        [2, 2],
        "int32",
      );
      const dy = tf.tensor3d([
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ]);
      return tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), dy)))(table)
        .arraySync();
    });
    assert.equal(got, [
      [0, 0],
      [3, 4],
      [0, 0],
      [1 + 5 + 7, 2 + 6 + 8],
    ]);
  });
}

test("wasm: a 3085-row embedding gradient agrees with the stock cpu kernel", async () => {
  const n = 3085,
    d = 5,
    k = 2000;
  const idsArr = Array.from({ length: k }, (_, i) => (i * 7919) % n);
  const xs = Array.from({ length: k * d }, (_, i) => ((i * 37) % 101) / 101 - 0.5);
  const ours = await onBackend("wasm", () => tf.unsortedSegmentSum(tf.tensor2d(xs, [k, d]), tf.tensor1d(idsArr, "int32"), n).dataSync());
  // The stock cpu kernel (quadratic) on a slice of segments, called directly.
  const stock = originalKernel("UnsortedSegmentSum", "cpu");
  assert.ok(stock, "stock cpu kernel is kept");
  const ref = await onBackend("cpu", () => {
    const xt = tf.tensor2d(xs, [k, d]);
    const it = tf.tensor1d(idsArr, "int32");
    const info = stock!({ inputs: { x: xt, segmentIds: it }, backend: tf.backend(), attrs: { numSegments: 40 } });
    const t = tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo);
    return t.dataSync();
  });
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ours[i] - ref[i]) < 1e-5, `element ${i}`);
});

test("the sums are exactly those of one float64 accumulator over the whole table, and every other row is 0", async () => {
  // Reference: the plain algorithm (the whole [numSegments, inner] table in float64, rounded once).
  const n = 500,
    d = 7,
    k = 3000;
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const idsArr = Array.from({ length: k }, () => Math.floor(rnd() * (n + 20)) - 10); // some out of range
  const xs = Float32Array.from({ length: k * d }, () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 6 - 2));
  const table = new Float64Array(n * d);
  idsArr.forEach((s, i) => {
    if (s >= 0 && s < n) for (let j = 0; j < d; j++) table[s * d + j] += xs[i * d + j]!;
  });
  const want = Float32Array.from(table);
  for (let round = 0; round < 2; round++) {
    const got = await onBackend("wasm", () => {
      // dirty heap first: makeOutput's memory is uninitialised and may be a freed tensor's
      tf.fill([n, d], 123.25).dispose();
      return tf.unsortedSegmentSum(tf.tensor2d(xs, [k, d]), tf.tensor1d(idsArr, "int32"), n).dataSync();
    });
    assert.equal(Array.from(got), Array.from(want), `round ${round}`);
  }
});

test("bad input: non-int32 ids and a wrong numSegments give clear errors", async () => {
  await onBackend("wasm", () => {
    assert.throws(() => tf.unsortedSegmentSum(tf.tensor2d([[1], [2]]), tf.tensor1d([0, 1], "int32"), 1.5), /numSegments/);
  });
});

test.run();
