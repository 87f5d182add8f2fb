/**
 * columnSums: by default tf.sum(x, 0)'s bits on wasm and on cpu (each backend sums in its own order and
 * precision), for shapes from one row to the decoder's logits, and with -0, NaN, Infinity and
 * values whose sums depend on the order of the additions.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { columnSums, forceHeapLoops, nativeBlasStatus } from "../../lib/engine/kernels";
import { bits, onBackend, rand } from "./helpers";

function cases(): Array<[string, Float32Array, [number, number]]> {
  const wide = rand(128 * 5893, 7).map((v, i) => (i % 3 === 0 ? v * 1e7 : v * 1e-3)); // order-sensitive sums
  const special = Float32Array.from([-0, -0, 1, NaN, Infinity, -Infinity, -0, 3e38, 1, -0, 0, -Infinity, -0, 3e38, -1, -0, -0, 2]);
  return [
    ["one row", rand(17, 1), [1, 17]],
    ["one column", rand(33, 2), [33, 1]],
    ["logits [128, 5893]", wide, [128, 5893]],
    ["-0, NaN, ±Infinity, overflow", special, [3, 6]],
  ];
}

for (const backend of ["wasm", "cpu"] as const)
  test(`${backend}: the same bits as tf.sum(x, 0)`, async () => {
    const results = await onBackend(backend, () =>
      cases().map(([name, v, shape]) => {
        const x = tf.tensor2d(v, shape);
        return { name, want: bits(tf.sum(x, 0).dataSync()), got: bits(columnSums(x).dataSync()) };
      }),
    );
    for (const r of results) assert.equal(r.got, r.want, `${backend}: ${r.name}`);
  });

test("wasm: the native, WebAssembly and JS loops all give tf.sum(x, 0)'s bits (the native one split among threads)", async () => {
  await onBackend("wasm", () => tf.scalar(0));
  assert.ok(nativeBlasStatus().loaded, "the native binding is built (npm run build:native)");
  for (const kind of ["native", "wasm", "js"] as const) {
    forceHeapLoops(kind);
    try {
      const results = await onBackend("wasm", () =>
        cases().map(([name, v, shape]) => {
          const x = tf.tensor2d(v, shape);
          return { name, want: bits(tf.sum(x, 0).dataSync()), got: bits(columnSums(x).dataSync()) };
        }),
      );
      for (const r of results) assert.equal(r.got, r.want, `${kind} loop, ${r.name}`);
    } finally {
      forceHeapLoops(undefined);
    }
  }
});

test("the two backends do differ on order-sensitive sums (so each backend's own rounding is what is matched)", async () => {
  const [, v, shape] = cases()[2]!;
  const w = await onBackend("wasm", () => bits(columnSums(tf.tensor2d(v, shape)).dataSync()));
  const c = await onBackend("cpu", () => bits(columnSums(tf.tensor2d(v, shape)).dataSync()));
  assert.not.equal(w, c);
});

test('"matmul": the bits of ones·x, close to tf.sum (the LSTM bias gradients)', async () => {
  const v = rand(300 * 40, 11);
  const r = await onBackend("wasm", () => {
    const x = tf.tensor2d(v, [300, 40]);
    const got = columnSums(x, "matmul").dataSync();
    const prod = tf.matMul(tf.ones([1, 300]), x).dataSync();
    const sum = tf.sum(x, 0).dataSync();
    return { got: bits(got), prod: bits(prod), maxDiff: Math.max(...Array.from(got, (g, j) => Math.abs(g - sum[j]!))) };
  });
  assert.equal(r.got, r.prod);
  assert.ok(r.maxDiff < 1e-4, `|matmul - tf.sum| = ${r.maxDiff}`);
});

test("bad input: a clear error naming the problem, for either rounding", async () => {
  const errors = await onBackend("wasm", () =>
    [
      () => columnSums(tf.tensor1d([1, 2]) as unknown as tf.Tensor2D),
      () => columnSums(tf.tensor2d([1, 2], [1, 2], "int32"), "matmul"),
      () => columnSums(tf.tensor2d([1, 2], [1, 2]), "product" as unknown as "sum"),
    ].map((f) => {
      try {
        f();
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    }),
  );
  assert.equal(errors, [
    "columnSums: expected a 2-D float32 tensor, got float32 [2]",
    "columnSums: expected a 2-D float32 tensor, got int32 [1, 2]",
    'columnSums: rounding must be "sum" or "matmul", not "product"',
  ]);
});

test.run();
