/**
 * The in-place LSTM step kernels and helpers (lib/nn/lstm-kernels.ts) against plain tf ops /
 * hand-derived maths, on the cpu and wasm backends, including offsets and row strides.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { forceHeapLoops, initBackend, nativeBlasStatus } from "../../lib/engine";
import { lstmBwdCell, lstmFwdCell, lstmFwdOut, lstmLayerOutputs, useLstmKernels } from "../../lib/nn/lstm-kernels";
import { rowSlice, stackRows, transpose2d, unstackRows } from "../../lib/nn/rows";
import { maxAbsDiff } from "../fixtures/torch/run";

const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);
const r2 = (shape: [number, number], seed: number) => tf.randomNormal<tf.Rank.R2>(shape, 0, 1, "float32", seed);
/** The float32 bit patterns of a tensor (for bit-for-bit comparisons). */
const bitsOf = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

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

  test(`${backend}: unstackRows and lstmLayerOutputs give the slices' values and gradients, bit for bit`, async () => {
    await initBackend({ backend });
    // unstackRows, with one row (tfjs's own Unpack gradient breaks there) and with three.
    for (const L of [1, 3]) {
      const x = r([L, 2, 5], 20 + L);
      const ws = Array.from({ length: L }, (_, k) => r([2, 5], 30 + k));
      const loss = (rows: (v: tf.Tensor) => tf.Tensor[]) => (v: tf.Tensor) =>
        tf.addN(rows(v).map((row, k) => tf.sum(tf.mul(row, ws[k])))) as tf.Scalar;
      const bySlices = (v: tf.Tensor) => Array.from({ length: L }, (_, k) => tf.reshape(tf.slice(v, [k, 0, 0], [1, -1, -1]), [2, 5]));
      const rows = unstackRows<tf.Tensor2D>(x);
      assert.is(rows.length, L);
      rows.forEach((row, k) => assert.equal(bitsOf(row), bitsOf(bySlices(x)[k]), `row ${k}`));
      const g = tf.grad(loss((v) => unstackRows(v)))(x);
      assert.equal(bitsOf(g), bitsOf(tf.grad(loss(bySlices))(x)), `gradient, ${L} rows`);
      assert.equal(
        bitsOf(g),
        bitsOf(
          tf.concat(
            ws.map((w) => tf.expandDims(w, 0)),
            0,
          ),
        ),
      );
    }
    // lstmLayerOutputs: outputs = rows 0..T-1, h_T = row T-1 (its gradient adds to the outputs' last row), c_T = row T.
    for (const T of [1, 4]) {
      const packed = r([T + 1, 3, 2], 40 + T) as tf.Tensor3D;
      const [wo, wh, wc] = [r([T, 3, 2], 50), r([3, 2], 51), r([3, 2], 52)];
      const [outs, hT, cT] = lstmLayerOutputs(packed);
      assert.equal(bitsOf(outs), bitsOf(tf.slice(packed, 0, T)));
      assert.equal(bitsOf(hT), bitsOf(tf.reshape(tf.slice(packed, T - 1, 1), [3, 2])));
      assert.equal(bitsOf(cT), bitsOf(tf.reshape(tf.slice(packed, T, 1), [3, 2])));
      const f = (split: (p: tf.Tensor3D) => tf.Tensor[]) => (p: tf.Tensor) => {
        const [o, h, c] = split(p as tf.Tensor3D);
        return tf.addN([tf.sum(tf.mul(o, wo)), tf.sum(tf.mul(h, wh)), tf.sum(tf.mul(c, wc))]) as tf.Scalar;
      };
      const bySlices = (p: tf.Tensor3D) => [
        tf.slice(p, 0, T),
        tf.reshape(tf.slice(p, T - 1, 1), [3, 2]),
        tf.reshape(tf.slice(p, T, 1), [3, 2]),
      ];
      const g = tf.grad(f(lstmLayerOutputs))(packed);
      assert.equal(bitsOf(g), bitsOf(tf.grad(f(bySlices))(packed)), `gradient, T = ${T}`);
      // Only h_T used: the outputs' and c_T's gradients are zeros made by tfjs.
      const onlyH = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(lstmLayerOutputs(p as tf.Tensor3D)[1], wh)))(packed);
      const want = tf.concat([tf.zeros([T - 1, 3, 2]), tf.expandDims(wh, 0), tf.zeros([1, 3, 2])], 0);
      assert.equal(bitsOf(onlyH), bitsOf(want));
    }
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

test("wasm: native and WebAssembly LSTM step loops give the JS loops' bits (offsets, strides, optional inputs, split rows)", async () => {
  await initBackend({ backend: "wasm" });
  const st = nativeBlasStatus();
  assert.ok(st.loaded, st.loaded ? "" : `native binding not loaded: ${st.reason}`);
  const both = (f: () => tf.Tensor[]) =>
    (["js", "native", "wasm"] as const).map((kind) => {
      forceHeapLoops(kind);
      try {
        return tf.tidy(() => f().map(bitsOf));
      } finally {
        forceHeapLoops(undefined);
      }
    });
  for (const [B, H] of [
    [3, 4],
    [128, 512], // a decoder step: split among the binding's threads
  ]) {
    const s = tf.sigmoid(r2([2 * B, 4 * H], 60));
    const cBig = r([3 * B, H], 61);
    const tc = tf.tanh(r([2 * B, H], 62));
    const wide = r([B, 7 + H], 63);
    const mask = tf.tensor2d(
      Array.from({ length: 2 * B * H }, (_, i) => (i % 3 ? 2 : 0)),
      [2 * B, H],
    );
    const dcRec = r([B, H], 64);
    const sStep = tf.slice(s, [B, 0], [B, 4 * H]) as tf.Tensor2D;
    const [js, native, wasm] = both(() => {
      const [c, c2] = lstmFwdCell(sStep, cBig, 2 * B * H);
      return [c, c2, ...lstmFwdOut(sStep, tf.sigmoid(c2) as tf.Tensor2D)];
    });
    assert.equal(native, js, `forward, native, B ${B}, H ${H}`);
    assert.equal(wasm, js, `forward, WebAssembly, B ${B}, H ${H}`);
    const base = { B, H, s, sOff: B * 4 * H, cPrev: cBig, cPrevOff: 2 * B * H, tc, tcOff: B * H };
    const optional = {
      dA: { dA: wide, dAOff: 0, dAStride: 7 + H },
      mask: { mask, maskOff: B * H },
      dhRec: { dhRec: wide, dhRecOff: 7, dhRecStride: 7 + H },
      dcRec: { dcRec },
    };
    for (const keys of [["dA", "mask", "dhRec", "dcRec"], ["dA"], ["dhRec", "dcRec"], []] as const) {
      const args = Object.assign({}, base, ...keys.map((k) => optional[k]));
      const [jsB, nativeB, wasmB] = both(() => lstmBwdCell(args));
      assert.equal(nativeB, jsB, `native backward with ${keys.join(", ") || "no optional input"}, B ${B}, H ${H}`);
      assert.equal(wasmB, jsB, `WebAssembly backward with ${keys.join(", ") || "no optional input"}, B ${B}, H ${H}`);
    }
  }
  // The binding checks sizes itself: an offset past the end is a RangeError, not a stray read.
  if (st.loaded) {
    const a = new Float32Array(4 * 8);
    assert.throws(
      () => st.blas.lstmFwdCell(2, 4, a, new Float32Array(8), 1, new Float32Array(8), new Float32Array(8)),
      /cPrev is too short/,
    );
  }
});

test.run();
