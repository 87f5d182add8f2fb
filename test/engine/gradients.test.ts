import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { maxAbsDiff, onBackend, rand } from "./helpers";

// Gradients of the ops our models use must agree between wasm (with our kernel fixes) and the
// reference cpu backend. Each case maps inputs to a scalar; all input gradients are compared.
type Case = { name: string; shapes: number[][]; f: (...xs: tf.Tensor[]) => tf.Scalar };
const ids = () => tf.tensor1d([2, 0, 2, 3, 1, 2], "int32");
const cases: Case[] = [
  {
    name: "gather (embedding)",
    shapes: [
      [5, 4],
      [6, 4],
    ],
    f: (t, w) => tf.sum(tf.mul(tf.gather(t, ids()), w)),
  },
  {
    name: "matMul a·b",
    shapes: [
      [6, 4],
      [4, 5],
    ],
    f: (a, b) => tf.sum(tf.square(tf.matMul(a, b))),
  },
  {
    name: "matMul a·bᵀ (Linear)",
    shapes: [
      [6, 4],
      [5, 4],
    ],
    f: (a, b) => tf.sum(tf.square(tf.matMul(a, b, false, true))),
  },
  {
    name: "matMul aᵀ·b",
    shapes: [
      [4, 6],
      [4, 5],
    ],
    f: (a, b) => tf.sum(tf.square(tf.matMul(a, b, true, false))),
  },
  {
    name: "matMul aᵀ·bᵀ",
    shapes: [
      [4, 6],
      [5, 4],
    ],
    f: (a, b) => tf.sum(tf.square(tf.matMul(a, b, true, true))),
  },
  {
    name: "batched matMul",
    shapes: [
      [3, 6, 4],
      [3, 4, 5],
    ],
    f: (a, b) => tf.sum(tf.square(tf.matMul(a, b))),
  },
  {
    name: "logSoftmax weighted by counts (grouped Word2Vec loss)",
    shapes: [
      [4, 7],
      [4, 7],
    ],
    f: (l, c) => tf.neg(tf.sum<tf.Scalar>(tf.mul(tf.logSoftmax(l), tf.abs(c)))),
  },
  {
    name: "softmax",
    shapes: [
      [4, 7],
      [4, 7],
    ],
    f: (l, c) => tf.sum(tf.mul(tf.softmax(l), c)),
  },
  {
    name: "softmaxCrossEntropy",
    shapes: [[4, 7]],
    f: (l) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 6, 0, 3], "int32"), 7), l) as tf.Scalar,
  },
  {
    name: "sigmoid / tanh / exp / log",
    shapes: [[3, 5]],
    f: (x) => tf.sum(tf.add(tf.mul(tf.sigmoid(x), tf.tanh(x)), tf.log(tf.add(tf.exp(x), 1)))),
  },
  {
    name: "sqrt / div / mean / clip",
    shapes: [
      [3, 5],
      [3, 5],
    ],
    f: (x, y) => tf.mean(tf.div(tf.sqrt(tf.add(tf.square(x), 1)), tf.add(tf.clipByValue(y, -0.5, 0.5), 2))),
  },
  {
    name: "concat / slice / stack / transpose / reshape",
    shapes: [
      [2, 3],
      [2, 3],
    ],
    f: (x, y) => {
      const c = tf.concat([x, y], 1);
      const s = tf.slice(c, [0, 1], [2, 4]);
      const st = tf.stack([s, tf.mul(s, 2)]);
      return tf.sum(tf.mul(tf.reshape(tf.transpose(st, [2, 1, 0]), [16]), tf.range(0, 16)));
    },
  },
  {
    name: "max / where",
    shapes: [[3, 4]],
    f: (x) => tf.sum(tf.add(tf.max(x, 1), tf.sum(tf.where(tf.greater(tf.range(0, 4), 1), x, tf.mul(x, 3))))),
  },
];

for (const c of cases) {
  test(`grad of ${c.name}: wasm = cpu`, async () => {
    const inputs = c.shapes.map((s, i) => ({
      data: rand(
        s.reduce((a, b) => a * b, 1),
        10 + i,
      ),
      shape: s,
    }));
    const run = () => {
      const xs = inputs.map((x) => tf.tensor(x.data, x.shape));
      const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => c.f(...a))(xs);
      return { v: value.dataSync()[0], g: grads.map((g) => g.dataSync()) };
    };
    const w = await onBackend("wasm", run);
    const p = await onBackend("cpu", run);
    assert.ok(Math.abs(w.v - p.v) <= 1.5e-5 * (1 + Math.abs(p.v)), `value ${w.v} vs ${p.v}`);
    w.g.forEach((g, i) => {
      const d = maxAbsDiff(g, p.g[i]);
      assert.ok(d <= 1.5e-5 * (1 + Math.max(...Array.from(p.g[i], Math.abs))), `input ${i}: max diff ${d}`);
    });
  });
}

test.run();
