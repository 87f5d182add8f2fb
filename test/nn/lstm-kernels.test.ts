/**
 * The in-place LSTM step kernels and helpers (lib/nn/lstm-kernels.ts) against plain tf ops /
 * hand-derived maths, on the cpu and wasm backends, including offsets and row strides.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine";
import { lstmBwdCell, lstmFwdCell, lstmFwdOut, useLstmKernels } from "../../lib/nn/lstm-kernels";
import { rowSlice, stackRows, transpose2d } from "../../lib/nn/rows";
import { maxAbsDiff } from "../fixtures/torch/run";

const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);
const r2 = (shape: [number, number], seed: number) => tf.randomNormal<tf.Rank.R2>(shape, 0, 1, "float32", seed);

for (const backend of ["cpu", "wasm"] as const) {
  test(`${backend}: rowSlice (float32 and int32), its gradient, transpose2d, stackRows`, async () => {
    await initBackend({ backend });
    assert.is(tf.getBackend(), backend);
    const x = r([5, 3, 4], 1);
    assert.is(maxAbsDiff(rowSlice(x, 1, 3), tf.slice(x, [1, 0, 0], [3, 3, 4])), 0);
    const xi = tf.tensor2d(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [3, 2],
      "int32",
    );
    const si = rowSlice(xi, 1, 2);
    assert.is(si.dtype, "int32");
    assert.equal(Array.from(si.dataSync()), [3, 4, 5, 6]);
    const w = r([2, 3, 4], 2);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(rowSlice(v, 2, 2), w)))(x);
    assert.is(maxAbsDiff(g, tf.concat([tf.zeros([2, 3, 4]), w, tf.zeros([1, 3, 4])], 0)), 0);
    const m = r2([37, 70], 3);
    assert.is(maxAbsDiff(transpose2d(m), tf.transpose(m)), 0);
    const parts = [r([2, 3], 4), r([2, 3], 5), r([2, 3], 6)];
    const wp = r([3, 2, 3], 7);
    const gs = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(stackRows([a, b, c]), wp)))(parts);
    gs.forEach((gi, i) => assert.is(maxAbsDiff(gi, tf.reshape(tf.slice(wp, [i, 0, 0], [1, 2, 3]), [2, 3])), 0));
    await initBackend({ backend: "cpu" });
  });

  test(`${backend}: forward and backward step kernels = the tf-op formulation (offsets, strides, masks)`, async () => {
    await initBackend({ backend });
    const B = 3;
    const H = 4;
    const s = tf.sigmoid(r2([2 * B, 4 * H], 10)); // two steps of σ-gates; step 1 at offset B·4H
    const cBig = r([3 * B, H], 11);
    const tc = tf.tanh(r([2 * B, H], 12));
    const wide = r([B, 7 + H], 13); // dA in columns 0..H of a wider tensor, dhRec in columns 7..7+H
    const mask = tf.tensor2d(
      Array.from({ length: 2 * B * H }, (_, i) => (i % 3 ? 2 : 0)),
      [2 * B, H],
    );
    const dcRec = r([B, H], 14);
    const args = {
      B,
      H,
      s,
      sOff: B * 4 * H,
      cPrev: cBig,
      cPrevOff: 2 * B * H,
      tc,
      tcOff: B * H,
      dA: wide,
      dAOff: 0,
      dAStride: 7 + H,
      mask,
      maskOff: B * H,
      dhRec: wide,
      dhRecOff: 7,
      dhRecStride: 7 + H,
      dcRec,
    };
    const [dG, dc] = lstmBwdCell(args);
    const sStep = tf.slice(s, [B, 0], [B, 4 * H]);
    const [c, c2] = lstmFwdCell(sStep, cBig, 2 * B * H);
    useLstmKernels(false);
    try {
      const [dG2, dc2] = lstmBwdCell(args);
      assert.ok(maxAbsDiff(dG, dG2) < 1e-5, "dGates");
      assert.ok(maxAbsDiff(dc, dc2) < 1e-5, "dc");
      const [cRef, c2Ref] = lstmFwdCell(sStep, cBig, 2 * B * H);
      assert.ok(maxAbsDiff(c, cRef) < 1e-6 && maxAbsDiff(c2, c2Ref) < 1e-6, "fwd cell");
    } finally {
      useLstmKernels(true);
    }
    // Hand-derived: c = f·c_prev + i·(2σ_g − 1); h = o·(2u − 1).
    const [iS, fS, gS] = tf.split(sStep, 4, 1);
    const want = tf.add(tf.mul(fS, tf.slice(cBig, [2 * B, 0], [B, H])), tf.mul(iS, tf.sub(tf.mul(gS, 2), 1)));
    assert.ok(maxAbsDiff(c, want) < 1e-6);
    const u = tf.sigmoid(c2) as tf.Tensor2D;
    const [h, tcOut] = lstmFwdOut(sStep, u);
    assert.ok(maxAbsDiff(tcOut, tf.tanh(c)) < 1e-5);
    assert.ok(maxAbsDiff(h, tf.mul(tf.slice(sStep, [0, 3 * H], [B, H]), tf.tanh(c))) < 1e-5);
    await initBackend({ backend: "cpu" });
  });
}

test.run();
