/**
 * installTapeMemoryFix: identical gradients to tfjs's own backprop (bit for bit) on a taped
 * per-step model and on the original lab's Seq2Seq with a step-by-step decoder, a lower memory peak, and
 * no leaked tensors.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import "../../lib/engine";
import { installTapeMemoryFix, uninstallTapeMemoryFix } from "../../lib/engine/tape-memory";
import { Encoder, Decoder, Seq2Seq, initWeights } from "../../reference/seq2seq/model";
import { manualSeed, Random } from "../../lib/random";
import { derivedCacheSize } from "../../lib/nn/lstm-ops";

tf.setBackend("cpu");

function seq2seqGrads(): { loss: number; grads: Float32Array[]; peak: number } {
  manualSeed(3);
  const m = new Seq2Seq(new Encoder(11, 8, 10, 2, 0.5), new Decoder(13, 8, 10, 2, 0.5), { fused: false, rng: new Random(4) });
  m.apply((mod) => initWeights(mod, new Random(5)));
  const src = tf.tensor2d(
    [
      [2, 3, 4],
      [5, 6, 7],
      [8, 9, 10],
    ],
    [3, 3],
    "int32",
  );
  const trg = tf.tensor2d(
    [
      [2, 2, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
      [12, 3, 4],
      [5, 6, 7],
    ],
    [6, 3],
    "int32",
  );
  const w = tf.randomNormal([6, 3, 13], 0, 1, "float32", 9);
  let out!: { loss: number; grads: Float32Array[] };
  const before = tf.memory().numTensors - derivedCacheSize();
  const prof = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(m.forward(src, trg, 0.5), w)) as tf.Scalar, m.parameters());
    out = { loss: value.dataSync()[0], grads: m.parameters().map((p) => grads[p.name].dataSync() as Float32Array) };
    tf.dispose(grads);
    value.dispose();
    return tf.scalar(0);
  });
  prof.dispose();
  // (the LSTM's cached weight layouts are expected to stay; nothing else may)
  assert.is(tf.memory().numTensors - derivedCacheSize(), before, "no tensor leaked by the backward pass");
  m.dispose();
  return { ...out, peak: 0 };
}

async function peakOf(fn: () => void): Promise<number> {
  const info = await tf.profile(() => {
    fn();
    return tf.scalar(0);
  });
  return info.peakBytes;
}

let warm = false;
test("same gradients as tfjs's backprop, lower peak, nothing leaked (step-by-step Seq2Seq)", async () => {
  uninstallTapeMemoryFix();
  if (!warm) {
    // First use creates a few lasting constants (the LSTM's gate-scale vector); not a leak.
    const w0 = new Seq2Seq(new Encoder(11, 8, 10, 2, 0.5), new Decoder(13, 8, 10, 2, 0.5));
    tf.tidy(() => {
      w0.forward(tf.tensor2d([[2]], [1, 1], "int32"), tf.tensor2d([[2], [3]], [2, 1], "int32"));
    });
    w0.dispose();
    warm = true;
  }
  const a = seq2seqGrads();
  const peakA = await peakOf(() => seq2seqGrads());
  assert.ok(installTapeMemoryFix());
  try {
    const b = seq2seqGrads();
    const peakB = await peakOf(() => seq2seqGrads());
    assert.is(b.loss, a.loss);
    a.grads.forEach((g, i) => assert.equal(Array.from(b.grads[i]), Array.from(g), `parameter ${i}`));
    assert.ok(peakB < peakA, `peak ${peakB} should be below tfjs's ${peakA}`);
  } finally {
    uninstallTapeMemoryFix();
  }
});

test("higher-order and repeated-use gradients still match (tf.grads of a grad, a weight used many times)", () => {
  const x = tf.tensor1d([0.3, -1.2, 2.0]);
  const W = tf.variable(
    tf.tensor2d([
      [0.5, -0.2, 0.1],
      [0.3, 0.8, -0.6],
      [0.2, 0.1, 0.4],
    ]),
  );
  const f = (v: tf.Tensor) => {
    let h = v;
    for (let i = 0; i < 5; i++) h = tf.tanh(tf.matMul(W, tf.reshape(h, [3, 1])).reshape([3]));
    return tf.sum(tf.mul(h, h)) as tf.Scalar;
  };
  const run = () => {
    const g1 = tf.grad(f)(x).dataSync();
    const g2 = tf
      .grad((v: tf.Tensor) => tf.sum(tf.grad(f)(v)) as tf.Scalar)(x)
      .dataSync();
    const { grads } = tf.variableGrads(() => f(x), [W]);
    return [Array.from(g1), Array.from(g2), Array.from(grads[W.name].dataSync())];
  };
  const want = run();
  installTapeMemoryFix();
  try {
    assert.equal(run(), want);
  } finally {
    uninstallTapeMemoryFix();
  }
});

test("installs in a fresh process before any gradient was ever computed", () => {
  const code =
    'const tf = require("@tensorflow/tfjs-core"); require("./lib/engine");' +
    'const { installTapeMemoryFix } = require("./lib/engine/tape-memory");' +
    "const ok = installTapeMemoryFix();" +
    "const g = tf.grad((x) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2]));" +
    "console.log(JSON.stringify({ ok, g: Array.from(g.dataSync()) }));";
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { encoding: "utf8", cwd: path.join(__dirname, "../..") });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim().split("\n").pop() as string), { ok: true, g: [2, 4] });
});

test.run();
