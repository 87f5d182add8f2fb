import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, overriddenKernels } from "../../lib/engine";
import { bits, onBackend, rand, stock } from "./helpers";

type Pads = Array<[number, number]>;

/** The padded values as bit patterns (float32) or integers, with the shape. */
function padded(x: () => tf.Tensor, pads: Pads, value: number): { shape: number[]; v: number[] } {
  return tf.tidy(() => {
    const p = tf.pad(x(), pads, value);
    return { shape: p.shape, v: p.dtype === "float32" ? bits(p.dataSync()) : Array.from(p.dataSync()) };
  });
}

test.before(async () => {
  await initBackend({ backend: "wasm" });
});

test("PadV2 is overridden on wasm", () => {
  assert.match(overriddenKernels().join("\n"), "wasm/PadV2: block fills and copies along one axis");
});

const CASES: Array<{ name: string; shape: number[]; dtype: "float32" | "int32"; pads: Pads; value: number }> = [
  {
    name: "first axis (the loss slice's gradient)",
    shape: [4, 3, 5],
    dtype: "float32",
    pads: [
      [1, 0],
      [0, 0],
      [0, 0],
    ],
    value: 0,
  },
  {
    name: "first axis, both sides",
    shape: [2, 6],
    dtype: "float32",
    pads: [
      [3, 2],
      [0, 0],
    ],
    value: 0,
  },
  {
    name: "middle axis",
    shape: [3, 4, 2],
    dtype: "float32",
    pads: [
      [0, 0],
      [2, 1],
      [0, 0],
    ],
    value: 0,
  },
  {
    name: "last axis, a constant",
    shape: [5, 3],
    dtype: "float32",
    pads: [
      [0, 0],
      [1, 4],
    ],
    value: -2.5,
  },
  {
    name: "int32",
    shape: [3, 2],
    dtype: "int32",
    pads: [
      [0, 2],
      [0, 0],
    ],
    value: 7,
  },
  {
    name: "two axes (stock)",
    shape: [3, 4],
    dtype: "float32",
    pads: [
      [1, 0],
      [0, 2],
    ],
    value: 0,
  },
  {
    name: "no padding",
    shape: [2, 2],
    dtype: "float32",
    pads: [
      [0, 0],
      [0, 0],
    ],
    value: 0,
  },
  { name: "rank 1", shape: [9], dtype: "float32", pads: [[4, 1]], value: 0 },
];

for (const c of CASES)
  test(`PadV2 ${c.name}: the same values as the stock wasm kernel and the cpu backend`, async () => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const values = c.dtype === "float32" ? rand(n, 11) : Int32Array.from({ length: n }, (_, i) => 4 - i * 3);
    const x = () => tf.tensor(values, c.shape, c.dtype);
    const ours = padded(x, c.pads, c.value);
    assert.equal(
      ours,
      stock(() => padded(x, c.pads, c.value)),
    );
    assert.equal(ours, await onBackend("cpu", () => padded(x, c.pads, c.value)));
  });

test("the gradient of a slice along the first axis is the slice's gradient, zeros elsewhere", () => {
  const x = tf.tensor(rand(4 * 3 * 2, 2), [4, 3, 2]);
  const w = tf.tensor(rand(3 * 3 * 2, 3), [3, 3, 2]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.slice(v, 1), w)))(x);
  const gv = g.dataSync();
  assert.equal(Array.from(gv.subarray(0, 6)), [0, 0, 0, 0, 0, 0]);
  assert.equal(bits(gv.subarray(6)), bits(w.dataSync()));
  tf.dispose([x, w, g]);
});

test.run();
