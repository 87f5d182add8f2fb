import * as tf from "@tensorflow/tfjs-core";
import { defineKernel, numAttr } from "../engine/kernels";
import { rowSlice, useRowKernels } from "./rows";

/*
 * Element-wise LSTM step kernels for the hand-written LSTM layers (lstm.ts, reference/seq2seq/fused.ts).
 *
 * Why our own kernels: splitting a [B, 4H] gate tensor with tf ops on tfjs-backend-wasm 4.22 slices
 * through its quadratic `Slice` (see rows.ts). These kernels read their inputs in place at given
 * offsets and strides, so a step never slices: the big per-sequence tensors are addressed directly.
 *
 * The transcendental work stays in the backend's vectorised `Sigmoid` (JS Math.exp is slower than
 * wasm's sigmoid); these kernels do the arithmetic around it.
 *
 * Gate layout (PyTorch): rows i, f, g, o of 4H. `s` is σ of the pre-activation with the g block
 * pre-scaled by 2 (so g = tanh(z) = 2σ(2z) − 1 comes out of the same sigmoid).
 *
 * Registered for the wasm and cpu backends only; `lstmKernelsAvailable()` tells callers whether to
 * use them or the equivalent tf-op formulation (e.g. on tfjs-node).
 */

type F32 = Float32Array;

type Attrs = Record<string, number>;

/**
 * Forward, part 1: s [B, 4H] (σ of the scaled pre-activation), cPrev (at cPrevOff) →
 * c = f ⊙ cPrev + i ⊙ g and c2 = 2c (fed to σ for tanh(c)).
 */
const fwdCell = defineKernel({
  name: "Lab4LstmFwdCell",
  run: (ax, a) => {
    const s = a.inputs.s as tf.TensorInfo;
    const cPrevT = a.inputs.cPrev as tf.TensorInfo;
    const [B, H4] = s.shape;
    const H = H4 / 4;
    const cOff = numAttr(a, "cPrevOff", 0);
    const c = ax.alloc([B, H]);
    const c2 = ax.alloc([B, H]);
    const sv = ax.view(s) as F32;
    const cp = ax.view(cPrevT) as F32;
    const cv = ax.view(c) as F32;
    const c2v = ax.view(c2) as F32;
    const loops = ax.loops();
    if (loops) {
      loops.lstmFwdCell(B, H, sv, cp, cOff, cv, c2v);
      return [c, c2];
    }
    for (let b = 0; b < B; b++) {
      const r = b * H4;
      const o = b * H;
      for (let j = 0; j < H; j++) {
        const cc = sv[r + H + j] * cp[cOff + o + j] + sv[r + j] * (2 * sv[r + 2 * H + j] - 1);
        cv[o + j] = cc;
        c2v[o + j] = 2 * cc;
      }
    }
    return [c, c2];
  },
});

/** Forward, part 2: s, u = σ(2c) → tc = tanh(c) = 2u − 1 and h = o ⊙ tc. */
const fwdOut = defineKernel({
  name: "Lab4LstmFwdOut",
  run: (ax, a) => {
    const s = a.inputs.s as tf.TensorInfo;
    const u = a.inputs.u as tf.TensorInfo;
    const [B, H4] = s.shape;
    const H = H4 / 4;
    const h = ax.alloc([B, H]);
    const tc = ax.alloc([B, H]);
    const sv = ax.view(s) as F32;
    const uv = ax.view(u) as F32;
    const hv = ax.view(h) as F32;
    const tv = ax.view(tc) as F32;
    const loops = ax.loops();
    if (loops) {
      loops.lstmFwdOut(B, H, sv, uv, hv, tv);
      return [h, tc];
    }
    for (let b = 0; b < B; b++) {
      const r = b * H4 + 3 * H;
      const o = b * H;
      for (let j = 0; j < H; j++) {
        const t = 2 * uv[o + j] - 1;
        tv[o + j] = t;
        hv[o + j] = sv[r + j] * t;
      }
    }
    return [h, tc];
  },
});

/**
 * Backward through one step of one layer. Inputs (each read at its offset; 2-D ones with a row
 * stride so column blocks of a wider tensor can be used in place):
 *   s (σ outputs, [B,4H] at sOff), cPrev (at cPrevOff), tc (tanh c_t, at tcOff),
 *   dA? (gradient reaching h_t from outside the recurrence, at dAOff, row stride dAStride),
 *   mask? (dropout multipliers applied to dA, at maskOff), dhRec? (from step t+1, at dhRecOff,
 *   stride dhRecStride), dcRec? (at dcRecOff).
 * Outputs dGates [B, 4H] (w.r.t. the unscaled pre-activation) and dcPrev [B, H].
 */
const bwdCell = defineKernel({
  name: "Lab4LstmBwdCell",
  run: (ax, a) => {
    const inp = a.inputs as Record<string, tf.TensorInfo | undefined>;
    const s = inp.s as tf.TensorInfo;
    const B = numAttr(a, "B");
    const H = numAttr(a, "H");
    const H4 = 4 * H;
    const sOff = numAttr(a, "sOff", 0);
    const cOff = numAttr(a, "cPrevOff", 0);
    const tcOff = numAttr(a, "tcOff", 0);
    const dAOff = numAttr(a, "dAOff", 0);
    const dAStride = numAttr(a, "dAStride", H);
    const mOff = numAttr(a, "maskOff", 0);
    const rOff = numAttr(a, "dhRecOff", 0);
    const rStride = numAttr(a, "dhRecStride", H);
    const dcOff = numAttr(a, "dcRecOff", 0);
    const dG = ax.alloc([B, H4]);
    const dcPrev = ax.alloc([B, H]);
    const sv = ax.view(s) as F32;
    const cp = ax.view(inp.cPrev as tf.TensorInfo) as F32;
    const tcv = ax.view(inp.tc as tf.TensorInfo) as F32;
    const dA = inp.dA ? (ax.view(inp.dA) as F32) : null;
    const mask = inp.mask ? (ax.view(inp.mask) as F32) : null;
    const dhRec = inp.dhRec ? (ax.view(inp.dhRec) as F32) : null;
    const dcRec = inp.dcRec ? (ax.view(inp.dcRec) as F32) : null;
    const g = ax.view(dG) as F32;
    const dcp = ax.view(dcPrev) as F32;
    const loops = ax.loops();
    if (loops) {
      loops.lstmBwdCell(B, H, sv, sOff, cp, cOff, tcv, tcOff, dA, dAOff, dAStride, mask, mOff, dhRec, rOff, rStride, dcRec, dcOff, g, dcp);
      return [dG, dcPrev];
    }
    for (let b = 0; b < B; b++) {
      const r = sOff + b * H4;
      const o = b * H;
      const go = b * H4;
      for (let j = 0; j < H; j++) {
        let dh = 0;
        if (dA) dh = mask ? dA[dAOff + b * dAStride + j] * mask[mOff + o + j] : dA[dAOff + b * dAStride + j];
        if (dhRec) dh += dhRec[rOff + b * rStride + j];
        const iv = sv[r + j];
        const fv = sv[r + H + j];
        const gv = 2 * sv[r + 2 * H + j] - 1;
        const ov = sv[r + 3 * H + j];
        const t = tcv[tcOff + o + j];
        let dc = dh * ov * (1 - t * t);
        if (dcRec) dc += dcRec[dcOff + o + j];
        g[go + j] = dc * gv * iv * (1 - iv);
        g[go + H + j] = dc * cp[cOff + o + j] * fv * (1 - fv);
        g[go + 2 * H + j] = dc * iv * (1 - gv * gv);
        g[go + 3 * H + j] = dh * t * ov * (1 - ov);
        dcp[o + j] = dc * fv;
      }
    }
    return [dG, dcPrev];
  },
});

/**
 * A layer's packed result [T + 1, B, H] (rows h_1..h_T, then c_T: see lstm.ts's lstmLayer) as its
 * three uses: outputs [T, B, H], h_T [B, H] and c_T [B, H], copied. Backward, one kernel puts the
 * three gradients back into one [T + 1, B, H] (h_T's added to the outputs' last row), where slicing
 * each use out would pad each gradient to the whole tensor and add them.
 */
const layerOutputs = defineKernel({
  name: "Lab4LstmLayerOutputs",
  run: (ax, a) => {
    const packed = a.inputs.packed as tf.TensorInfo;
    const [T1, B, H] = packed.shape;
    const T = T1 - 1;
    const n = B * H;
    const outs = ax.alloc([T, B, H]);
    const hT = ax.alloc([B, H]);
    const cT = ax.alloc([B, H]);
    const pv = ax.view(packed) as F32;
    (ax.view(outs) as F32).set(pv.subarray(0, T * n));
    (ax.view(hT) as F32).set(pv.subarray((T - 1) * n, T * n));
    (ax.view(cT) as F32).set(pv.subarray(T * n, T1 * n));
    return [outs, hT, cT];
  },
  gradient: (dy) => {
    const [dOuts, dhT, dcT] = dy as tf.Tensor[];
    return { packed: () => layerOutputsGrad.run({ dOuts, dhT, dcT })[0] };
  },
});

/** d(packed) [T + 1, B, H] from d(outputs) [T, B, H], d(h_T) and d(c_T) [B, H]. */
const layerOutputsGrad = defineKernel({
  name: "Lab4LstmLayerOutputsGrad",
  run: (ax, a) => {
    const dOutsT = a.inputs.dOuts as tf.TensorInfo;
    const [T, B, H] = dOutsT.shape;
    const n = B * H;
    const d = ax.alloc([T + 1, B, H]);
    const dOuts = ax.view(dOutsT) as F32;
    const dhT = ax.view(a.inputs.dhT as tf.TensorInfo) as F32;
    const dv = ax.view(d) as F32;
    dv.set(dOuts);
    dv.set(ax.view(a.inputs.dcT as tf.TensorInfo) as F32, T * n);
    const last = (T - 1) * n;
    for (let j = 0; j < n; j++) dv[last + j] = dOuts[last + j] + dhT[j];
    return d;
  },
});

let enabled = true;

/** Turns these kernels and rows.ts's off (true tf-op formulation everywhere), e.g. to test the fallback. */
export function useLstmKernels(on: boolean): void {
  enabled = on;
  useRowKernels(on);
}

/** Whether the active backend runs these kernels (wasm, cpu); otherwise use plain tf ops. */
export function lstmKernelsAvailable(): boolean {
  return enabled && fwdCell.available() && fwdOut.available() && bwdCell.available();
}

/** A layer's packed [T + 1, B, H] as [outputs [T, B, H], h_T [B, H], c_T [B, H]] (see `layerOutputs`). */
export function lstmLayerOutputs(packed: tf.Tensor3D): [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D] {
  const [T1, B, H] = packed.shape;
  const T = T1 - 1;
  if (!lstmKernelsAvailable() || !layerOutputs.available()) {
    const row = (k: number) => tf.reshape(rowSlice(packed, k, 1), [B, H]) as tf.Tensor2D;
    return [rowSlice(packed, 0, T), row(T - 1), row(T)];
  }
  const [outs, hT, cT] = layerOutputs.run({ packed });
  return [outs as tf.Tensor3D, hT as tf.Tensor2D, cT as tf.Tensor2D];
}

/** c_t and 2c_t from σ-gates `s` [B,4H] and c_{t−1} (read at `cPrevOff` elements into `cPrev`). */
export function lstmFwdCell(s: tf.Tensor2D, cPrev: tf.Tensor, cPrevOff = 0): [tf.Tensor2D, tf.Tensor2D] {
  if (!lstmKernelsAvailable()) {
    const [B, H4] = s.shape;
    const H = H4 / 4;
    const [i, f, sg] = tf.split(s, [H, H, H, H], 1);
    const c = tf.add(tf.mul(f, strided(cPrev, cPrevOff, B, H, H)), tf.mul(i, tf.sub(tf.mul(sg, 2), 1))) as tf.Tensor2D;
    return [c, tf.mul(c, 2)];
  }
  const [c, c2] = fwdCell.run({ s, cPrev }, { cPrevOff });
  return [c as tf.Tensor2D, c2 as tf.Tensor2D];
}

/** h_t and tanh(c_t) from σ-gates `s` and u = σ(2c_t). */
export function lstmFwdOut(s: tf.Tensor2D, u: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  if (!lstmKernelsAvailable()) {
    const H = s.shape[1] / 4;
    const o = tf.slice(s, [0, 3 * H], [-1, H]);
    const tc = tf.sub(tf.mul(u, 2), 1) as tf.Tensor2D;
    return [tf.mul(o, tc), tc];
  }
  const [h, tc] = fwdOut.run({ s, u });
  return [h as tf.Tensor2D, tc as tf.Tensor2D];
}

export interface BwdCellInputs {
  B: number;
  H: number;
  s: tf.Tensor;
  sOff?: number;
  cPrev: tf.Tensor;
  cPrevOff?: number;
  tc: tf.Tensor;
  tcOff?: number;
  dA?: tf.Tensor;
  dAOff?: number;
  dAStride?: number;
  mask?: tf.Tensor;
  maskOff?: number;
  dhRec?: tf.Tensor;
  dhRecOff?: number;
  dhRecStride?: number;
  dcRec?: tf.Tensor;
  dcRecOff?: number;
}

/** dGates [B,4H] and dc_{t−1} [B,H] for one step (see `bwdCell`). */
export function lstmBwdCell(p: BwdCellInputs): [tf.Tensor2D, tf.Tensor2D] {
  if (!lstmKernelsAvailable()) return bwdCellOps(p);
  const inputs: tf.NamedTensorMap = { s: p.s, cPrev: p.cPrev, tc: p.tc };
  const attrs: Attrs = { B: p.B, H: p.H };
  if (p.dA) inputs.dA = p.dA;
  if (p.mask) inputs.mask = p.mask;
  if (p.dhRec) inputs.dhRec = p.dhRec;
  if (p.dcRec) inputs.dcRec = p.dcRec;
  for (const k of ["sOff", "cPrevOff", "tcOff", "dAOff", "dAStride", "maskOff", "dhRecOff", "dhRecStride", "dcRecOff"] as const) {
    const v = p[k];
    if (v !== undefined) attrs[k] = v;
  }
  const [dG, dc] = bwdCell.run(inputs, attrs);
  return [dG as tf.Tensor2D, dc as tf.Tensor2D];
}

/** [B, W] elements of `x` starting at flat offset `off`, rows `stride` apart (tf-op fallback). */
function strided(x: tf.Tensor, off: number, B: number, W: number, stride: number): tf.Tensor2D {
  const rows = x.size / stride;
  return tf.slice(tf.reshape(x, [rows, stride]), [Math.floor(off / stride), off % stride], [B, W]) as tf.Tensor2D;
}

/** `bwdCell` in tf ops, for backends without our kernels (same maths). */
function bwdCellOps(p: BwdCellInputs): [tf.Tensor2D, tf.Tensor2D] {
  const { B, H } = p;
  const s = strided(p.s, p.sOff ?? 0, B, 4 * H, 4 * H);
  const [i, f, sg, o] = tf.split(s, 4, 1);
  const g = tf.sub(tf.mul(sg, 2), 1);
  const cPrev = strided(p.cPrev, p.cPrevOff ?? 0, B, H, H);
  const t = strided(p.tc, p.tcOff ?? 0, B, H, H);
  let dh: tf.Tensor = tf.zeros([B, H]);
  if (p.dA) {
    dh = strided(p.dA, p.dAOff ?? 0, B, H, p.dAStride ?? H);
    if (p.mask) dh = tf.mul(dh, strided(p.mask, p.maskOff ?? 0, B, H, H));
  }
  if (p.dhRec) dh = tf.add(dh, strided(p.dhRec, p.dhRecOff ?? 0, B, H, p.dhRecStride ?? H));
  let dc = tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(t)));
  if (p.dcRec) dc = tf.add(dc, strided(p.dcRec, p.dcRecOff ?? 0, B, H, H));
  const sd = (a: tf.Tensor) => tf.mul(a, tf.sub(1, a));
  const dG = tf.concat(
    [
      tf.mul(tf.mul(dc, g), sd(i)),
      tf.mul(tf.mul(dc, cPrev), sd(f)),
      tf.mul(tf.mul(dc, i), tf.sub(1, tf.square(g))),
      tf.mul(tf.mul(dh, t), sd(o)),
    ],
    1,
  ) as tf.Tensor2D;
  return [dG, tf.mul(dc, f) as tf.Tensor2D];
}
