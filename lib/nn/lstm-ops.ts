import * as tf from "@tensorflow/tfjs-core";

/*
 * Shared pieces of the hand-written LSTM layers (lib/nn/lstm.ts, lib/seq2seq/fused.ts). Internal:
 * not exported from the package.
 */

/** A cache of each weight's transpose, keyed by the variable and invalidated when it is assigned. */
const transposeCache = new WeakMap<tf.Tensor, { dataId: object; t: tf.Tensor2D }>();

/** `wᵀ` for a 2-D weight, recomputed only when `w`'s data changes (Variable.assign swaps dataId). */
export function cachedTranspose(w: tf.Tensor2D): tf.Tensor2D {
  if (!(w instanceof tf.Variable)) return tf.transpose(w);
  const hit = transposeCache.get(w);
  if (hit && hit.dataId === w.dataId && !hit.t.isDisposed) return hit.t;
  if (hit && !hit.t.isDisposed) hit.t.dispose();
  const t = tf.keep(tf.transpose(w));
  transposeCache.set(w, { dataId: w.dataId, t });
  return t;
}

/** Per-gate-column multipliers so one sigmoid yields i, f, σ(2·g_pre), o: tanh(z) = 2σ(2z) − 1. */
const gateScaleCache = new Map<number, tf.Tensor1D>();
export function gateScale(hidden: number): tf.Tensor1D {
  let s = gateScaleCache.get(hidden);
  if (!s || s.isDisposed) {
    const v = new Float32Array(4 * hidden).fill(1);
    v.fill(2, 2 * hidden, 3 * hidden);
    s = tf.keep(tf.tensor1d(v));
    gateScaleCache.set(hidden, s);
  }
  return s;
}

/**
 * d(activation)/d(pre-activation) expressed through the stored sigmoid outputs a = σ(scale·z):
 * a(1−a) for i, f, o and, for g = 2a − 1, 4a(1−a) = 1 − g².
 */
const gateDerivScaleCache = new Map<number, tf.Tensor1D>();
export function gateDerivScale(hidden: number): tf.Tensor1D {
  let s = gateDerivScaleCache.get(hidden);
  if (!s || s.isDisposed) {
    const v = new Float32Array(4 * hidden).fill(1);
    v.fill(4, 2 * hidden, 3 * hidden);
    s = tf.keep(tf.tensor1d(v));
    gateDerivScaleCache.set(hidden, s);
  }
  return s;
}

export const tanhViaSigmoid = (z: tf.Tensor): tf.Tensor => tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);


const concatCache = new WeakMap<tf.Tensor, { a: object; b: object; cat: tf.Tensor2D }>();

/**
 * [a | b] for weights a [R, Ca] and b [R, Cb] (e.g. weight_ih, weight_hh): the backward of an LSTM
 * step is then one matmul dGates·[W_ih | W_hh]. Cached until either weight is assigned.
 */
export function cachedCat(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (!(a instanceof tf.Variable)) return tf.concat([a, b], 1);
  const hit = concatCache.get(a);
  if (hit && hit.a === a.dataId && hit.b === b.dataId && !hit.cat.isDisposed) return hit.cat;
  if (hit) hit.cat.dispose();
  const cat = tf.keep(tf.concat([a, b], 1));
  concatCache.set(a, { a: a.dataId, b: b.dataId, cat });
  return cat;
}

const scaledCache = new WeakMap<tf.Tensor, { a: object; b: object; catT: tf.Tensor2D }>();

/**
 * [W_ih | W_hh]ᵀ with the g-gate columns multiplied by 2 ([in + H, 4H]): the forward step's
 * σ([x, h]·this + 2-scaled bias) then yields i, f, σ(2·g_pre), o in one sigmoid. Cached per
 * weight version like `cachedConcat`.
 */
export function cachedScaledCatT(wIh: tf.Tensor2D, wHh: tf.Tensor2D): tf.Tensor2D {
  const H = wHh.shape[1];
  const make = () =>
    tf.tidy(() => tf.transpose(tf.mul(tf.concat([wIh, wHh], 1), tf.reshape(gateScale(H), [4 * H, 1]))) as tf.Tensor2D);
  if (!(wIh instanceof tf.Variable)) return make();
  const hit = scaledCache.get(wIh);
  if (hit && hit.a === wIh.dataId && hit.b === wHh.dataId && !hit.catT.isDisposed) return hit.catT;
  if (hit) hit.catT.dispose();
  const catT = tf.keep(make());
  scaledCache.set(wIh, { a: wIh.dataId, b: wHh.dataId, catT });
  return catT;
}

/** (b_ih + b_hh) with the g block doubled, matching `cachedScaledCatT`. */
export function scaledBias(bIh: tf.Tensor1D, bHh: tf.Tensor1D): tf.Tensor1D {
  return tf.mul(tf.add(bIh, bHh), gateScale(bIh.shape[0] / 4));
}
