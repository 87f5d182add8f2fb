import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, originalKernel, overriddenKernels } from "../../lib/engine";
import { rand } from "./helpers";

/** Values over many magnitudes, so that any change in the order of additions changes some bits. */
function mixed(n: number, seed: number): Float32Array {
  const r = rand(n, seed), e = rand(n, seed + 1);
  return r.map((v, i) => v * 10 ** Math.floor((e[i] + 1) * 5));
}

/** The stock wasm kernel's result, called directly. */
function stock(x: tf.Tensor, axis: number | number[], keepDims = false): { shape: number[]; values: Float32Array } {
  const f = originalKernel("Sum", "wasm");
  if (!f) throw new Error("no stock Sum");
  const info = f({ inputs: { x }, backend: tf.backend(), attrs: { axis, keepDims } }) as tf.TensorInfo;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const out = { shape: t.shape, values: t.dataSync() as Float32Array };
  t.dispose();
  return out;
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test("Sum over leading axes is the override, and gives the stock kernel's bits", async () => {
  await initBackend({ backend: "wasm" });
  assert.ok(overriddenKernels().some((k) => k.startsWith("wasm/Sum")), "Sum is overridden on wasm");
  const cases: Array<[number[], number | number[], boolean]> = [
    [[128, 5893], 0, false], // a bias gradient
    [[4, 5, 6], [0, 1], false],
    [[4, 5, 6], [0, 1], true], // keepDims
    [[4, 5, 6], [1, 0], false], // other order: the stock kernel
    [[4, 5, 6], -3, false], // negative axis
    [[7, 3], [0, 0], false], // repeated axis
  ];
  for (const [shape, axis, keepDims] of cases) {
    const x = tf.tensor(mixed(shape.reduce((a, b) => a * b, 1), shape.length), shape);
    const got = tf.sum(x, axis, keepDims);
    const want = stock(x, axis, keepDims);
    assert.equal(got.shape, want.shape, `shape for ${shape} axis ${String(axis)}`);
    assert.ok(same(got.dataSync() as Float32Array, want.values), `bits for ${shape} axis ${String(axis)}`);
    tf.dispose([x, got]);
  }
});

test("Sum: hand-computed column sums; NaN and Infinity propagate per column", async () => {
  await initBackend({ backend: "wasm" });
  const x = tf.tensor2d([[1, 2, NaN], [3, Infinity, 1], [5, 6, 1]]);
  assert.equal(Array.from(tf.sum(x, 0).dataSync()), [9, Infinity, NaN]);
  assert.equal(tf.sum(x, 0, true).shape, [1, 3]);
  x.dispose();
});

test("Sum: other reductions (inner axes, everything, int32, one row) still go to the stock kernel", async () => {
  await initBackend({ backend: "wasm" });
  const x = tf.tensor3d(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
  assert.equal(tf.sum(x, 2).arraySync(), [[6, 22, 38], [54, 70, 86]]);
  assert.equal(tf.sum(x, [1, 2]).arraySync(), [66, 210]);
  assert.is(tf.sum(x).arraySync(), 276);
  assert.equal(tf.sum(x, [0, 2]).arraySync(), [60, 92, 124]);
  const xi = tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32");
  const si = tf.sum(xi, 0);
  assert.is(si.dtype, "int32");
  assert.equal(si.arraySync(), [4, 6]);
  assert.equal(tf.sum(tf.tensor2d([[1, 2, 3]]), 0).arraySync(), [1, 2, 3]);
  tf.dispose([x, xi, si]);
});

test("Sum's gradient (through the override) is unchanged: d/dx sum(x, 0) = ones", async () => {
  await initBackend({ backend: "wasm" });
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.sum(x, 0)))(tf.tensor2d([[1, 2], [3, 4]]));
  assert.equal(g.arraySync(), [[1, 1], [1, 1]]);
});

test.run();
