import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { onBackend } from "./helpers";

test("zero-copy Identity: a clone survives disposing its source and keeps its values", async () => {
  const r = await onBackend("wasm", () => {
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    return { isDisposed: a.isDisposed, values: Array.from(b.dataSync()) };
  });
  assert.equal(r, { isDisposed: true, values: [1, 2, 3] });
});

test("zero-copy Identity: assigning a variable does not change a clone of it", async () => {
  const r = await onBackend("wasm", () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const c = tf.clone(v);
    v.assign(tf.tensor1d([5, 6]));
    const out = { c: Array.from(c.dataSync()), v: Array.from(v.dataSync()) };
    v.dispose();
    return out;
  });
  assert.equal(r, { c: [1, 2], v: [5, 6] });
});

test("training steps on wasm leave no tensors or heap data behind", async () => {
  await onBackend("wasm", () => 0);
  const w = tf.variable(tf.randomNormal([20, 8], 0, 1, "float32", 1));
  const e = tf.variable(tf.randomNormal([30, 20], 0, 1, "float32", 2));
  const idx = tf.tensor1d([1, 5, 5, 29], "int32");
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(tf.gather(e, idx), w))) as tf.Scalar);
      for (const [n, g] of Object.entries(grads)) (n === w.name ? w : e).assign(tf.sub(n === w.name ? w : e, tf.mul(g, 1e-3)));
    });
  step();
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const before = { t: tf.memory().numTensors, ids: backend.numDataIds() };
  for (let i = 0; i < 5; i++) step();
  assert.equal({ t: tf.memory().numTensors, ids: backend.numDataIds() }, before);
  w.dispose();
  e.dispose();
  idx.dispose();
});

test.run();
