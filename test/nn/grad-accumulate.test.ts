/**
 * In-place gradient accumulation (lib/engine/tape-memory.ts addIntoGradient): a weight used once per
 * decoder step gets each later contribution added into the running sum (native GEMM with beta = 1,
 * or only the looked-up rows of an embedding). It must give the very bits of tfjs's own backprop
 * (pairwise tf.add) and must really happen where it applies.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine";
import { addProductInto, addRowSumsInPlace, nativeBlasStatus, IN_PLACE_MAX_K } from "../../lib/engine/kernels";
import { inPlaceAccumulations, installTapeMemoryFix, uninstallTapeMemoryFix } from "../../lib/engine/tape-memory";
import { Encoder, Decoder, Seq2Seq, initWeights } from "../../reference/seq2seq/model";
import { manualSeed, Random } from "../../lib/random";
import { bits, onBackend, rand } from "../engine/helpers";

/** Step-by-step Seq2Seq (the notebook's decoder loop): loss and every parameter's gradient. */
function seq2seqGrads(batch: number, trgLen: number): { loss: number; grads: number[][] } {
  manualSeed(3);
  const m = new Seq2Seq(new Encoder(11, 8, 10, 2, 0.5), new Decoder(13, 8, 10, 2, 0.5), { fused: false, rng: new Random(4) });
  m.apply((mod) => initWeights(mod, new Random(5)));
  const ids = (rows: number, vocab: number, seed: number) =>
    tf.tensor2d(
      Array.from(rand(rows * batch, seed), (r) => 2 + Math.floor(((r + 1) / 2) * (vocab - 2))),
      [rows, batch],
      "int32",
    );
  const src = ids(4, 11, 1);
  const trg = ids(trgLen, 13, 2);
  const w = tf.tensor3d(rand(trgLen * batch * 13, 3), [trgLen, batch, 13]);
  const out = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(m.forward(src, trg, 0.5), w)) as tf.Scalar, m.parameters());
    return { loss: value.dataSync()[0]!, grads: m.parameters().map((p) => bits(grads[p.name]!.dataSync())) };
  });
  tf.dispose([src, trg, w]);
  m.dispose();
  return out;
}

/** The same gradients with tfjs's backprop and with ours; returns how many uses ours added in place. */
function compare(batch: number, trgLen: number): number {
  uninstallTapeMemoryFix();
  let want: ReturnType<typeof seq2seqGrads>;
  try {
    want = seq2seqGrads(batch, trgLen);
  } finally {
    assert.ok(installTapeMemoryFix());
  }
  const before = inPlaceAccumulations();
  const got = seq2seqGrads(batch, trgLen);
  const n = inPlaceAccumulations() - before;
  assert.is(got.loss, want.loss);
  want.grads.forEach((g, i) => assert.equal(got.grads[i], g, `parameter ${i}: bits differ from tfjs's backprop`));
  return n;
}

test("wasm + native GEMM: step-by-step decoder gives tfjs's bits; fc_out, both LSTMs and the embedding accumulate in place", async () => {
  await initBackend({ backend: "wasm" });
  const s = nativeBlasStatus();
  assert.ok(s.loaded, `the native GEMM is part of the setup (npm run build:native): ${s.loaded ? "" : s.reason}`);
  // trg length 6: the decoder runs 5 steps; each weight's first two uses are summed by tf.add, the
  // other 3 in place: fc_out.weight, 2 layers × (W_ih, W_hh), the embedding → 6 weights × 3.
  assert.is(compare(3, 6), 18);
  // A batch past IN_PLACE_MAX_K rows: the products are computed apart (other bits otherwise); the
  // embedding still adds only its rows.
  assert.is(compare(IN_PLACE_MAX_K + 5, 6), 3);
});

test("cpu backend: the embedding's rows are added in place, products are not (no native GEMM there)", async () => {
  assert.is(await onBackend("cpu", () => compare(3, 6)), 3);
});

test("addProductInto: c + op(a)·op(b) with tf.add's bits for every transpose and K up to the limit; refuses past it", async () => {
  await initBackend({ backend: "wasm" });
  for (const k of [1, 77, IN_PLACE_MAX_K, IN_PLACE_MAX_K + 1])
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const [m, n] = [37, 53];
      const a = tf.tensor2d(rand(m * k, 11), tA ? [k, m] : [m, k]);
      const b = tf.tensor2d(rand(k * n, 12), tB ? [n, k] : [k, n]);
      const c0 = tf.tensor2d(rand(m * n, 13), [m, n]);
      const want = tf.tidy(() => bits(tf.add(c0, tf.matMul(a, b, tA, tB)).dataSync()));
      const c = c0.clone();
      const before = bits(c0.dataSync());
      const done = addProductInto(c, a, b, tA, tB);
      assert.is(done, k <= IN_PLACE_MAX_K, `K ${k}`);
      assert.equal(bits(c.dataSync()), done ? want : before, `K ${k} tA ${tA} tB ${tB}`);
      tf.dispose([a, b, c0, c]);
    }
});

test("addRowSumsInPlace: only the named rows change, with tf.add(c, unsortedSegmentSum)'s bits (repeated ids too)", async () => {
  for (const backend of ["wasm", "cpu"] as const)
    await onBackend(backend, () => {
      const ids = Int32Array.from([4, 0, 4, 9, 4, 0, 2]);
      const x = tf.tensor2d(rand(ids.length * 6, 21), [ids.length, 6]);
      const c0 = tf.tensor2d(rand(10 * 6, 22), [10, 6]);
      const want = bits(tf.add(c0, tf.unsortedSegmentSum(x, tf.tensor1d(ids, "int32"), 10)).dataSync());
      const c = c0.clone();
      assert.ok(addRowSumsInPlace(c, x, ids), backend);
      assert.equal(bits(c.dataSync()), want, backend);
      assert.not.ok(addRowSumsInPlace(c, x, ids.subarray(1)), `${backend}: wrong row count refused`);
    });
});

test.run();
