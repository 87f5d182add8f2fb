import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { clipGradNorm } from "../../lib/optim/clip";

test("global L2 norm over all gradients; scaled by maxNorm/(norm+1e-6) when above", () => {
  // ||(3, 4, 12)|| = 13, split over two tensors.
  const grads: tf.NamedTensorMap = { a: tf.tensor([3, 4]), b: tf.tensor([[12]]) };
  const norm = clipGradNorm(grads, 1);
  assert.ok(Math.abs(norm - 13) < 1e-5);
  const k = 1 / (13 + 1e-6);
  const a = grads.a.dataSync();
  assert.ok(Math.abs(a[0] - 3 * k) < 1e-7 && Math.abs(a[1] - 4 * k) < 1e-7);
  assert.ok(Math.abs(grads.b.dataSync()[0] - 12 * k) < 1e-7);
  assert.equal(grads.b.shape, [1, 1]);
});

test("unchanged when the norm is at most maxNorm; works on a Map", () => {
  const g = new Map<string, tf.Tensor>([["w", tf.tensor([0.3, 0.4])]]);
  const before = g.get("w");
  assert.ok(Math.abs(clipGradNorm(g, 1) - 0.5) < 1e-6);
  assert.is(g.get("w"), before);
  assert.equal(Array.from(g.get("w")!.dataSync()), Array.from(tf.tensor([0.3, 0.4]).dataSync()));
});

test("non-finite gradients report a non-finite norm; bad maxNorm is refused", () => {
  assert.ok(Number.isNaN(clipGradNorm({ a: tf.tensor([NaN, 1]) }, 1)));
  assert.is(clipGradNorm({ a: tf.tensor([Infinity, 1]) }, 1), Infinity);
  assert.throws(() => clipGradNorm({ a: tf.tensor([1]) }, 0), /maxNorm must be > 0/);
});

test.run();
