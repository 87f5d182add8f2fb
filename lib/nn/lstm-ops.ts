import * as tf from "@tensorflow/tfjs-core";
import { transposedProductsAreFast } from "../engine/kernels";

/*
 * Shared pieces of the hand-written LSTM layers (lib/nn/lstm.ts, reference/seq2seq/fused.ts): weight
 * layouts derived once per weight version. Internal: not exported from the package.
 */

interface Entry {
  kind: string;
  sources: tf.Tensor[];
  dataIds: object[];
  value: tf.Tensor;
}

/**
 * Derived tensors (transposes, concatenations) of variables, valid while every source keeps its
 * data: `Variable.assign` (the optimizer step) swaps the dataId, which invalidates the entry. Entries
 * whose sources were disposed (a model thrown away) are freed on the next lookup, so re-creating
 * models does not leak the derived copies.
 */
const entries: Entry[] = [];

function derived<T extends tf.Tensor>(kind: string, sources: tf.Tensor[], make: () => T): T {
  if (!sources.every((s) => s instanceof tf.Variable)) return make(); // not cacheable: plain result
  let found: Entry | undefined;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e.sources.some((s) => s.isDisposed) || e.value.isDisposed) {
      if (!e.value.isDisposed) e.value.dispose();
      entries.splice(i, 1);
    } else if (e.kind === kind && e.sources.length === sources.length && e.sources.every((s, j) => s === sources[j])) {
      if (e.dataIds.every((d, j) => d === sources[j].dataId)) found = e;
      else {
        e.value.dispose();
        entries.splice(i, 1);
      }
    }
  }
  if (found) return found.value as T;
  const value = tf.keep(make());
  entries.push({ kind, sources, dataIds: sources.map((s) => s.dataId), value });
  return value;
}

/** `wᵀ` for a 2-D weight, recomputed only when `w`'s data changes. */
export function cachedTranspose(w: tf.Tensor2D): tf.Tensor2D {
  return derived("T", [w], () => tf.transpose(w));
}

/** [a | b] for weights a [R, Ca], b [R, Cb] (W_ih, W_hh): an LSTM step's backward is dGates·[W_ih | W_hh]. */
export function cachedCat(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return derived("cat", [a, b], () => tf.concat([a, b], 1));
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
 * [W_ih | W_hh]ᵀ with the g-gate columns multiplied by 2 ([in + H, 4H]): the forward step's
 * σ([x, h]·this + 2-scaled bias) then yields i, f, σ(2·g_pre), o in one sigmoid.
 */
export function cachedScaledCatT(wIh: tf.Tensor2D, wHh: tf.Tensor2D): tf.Tensor2D {
  const H = wHh.shape[1];
  return derived("scaledCatT", [wIh, wHh], () =>
    tf.tidy(() => tf.transpose(tf.mul(tf.concat([wIh, wHh], 1), tf.reshape(gateScale(H), [4 * H, 1]))) as tf.Tensor2D),
  );
}

/** [W_ih | W_hh] with the g-gate rows multiplied by 2 ([4H, in + H]): `cachedScaledCatT` untransposed. */
export function cachedScaledCat(wIh: tf.Tensor2D, wHh: tf.Tensor2D): tf.Tensor2D {
  const H = wHh.shape[1];
  return derived("scaledCat", [wIh, wHh], () =>
    tf.tidy(() => tf.mul(tf.concat([wIh, wHh], 1), tf.reshape(gateScale(H), [4 * H, 1])) as tf.Tensor2D),
  );
}

/**
 * The forward step's weight operand: the scaled [W_ih | W_hh] as stored with `transposeB` where
 * transposed products are fast (native GEMM), else its cached transpose (wasm's XNNPACK path).
 */
export function stepWeights(wIh: tf.Tensor2D, wHh: tf.Tensor2D): { w: tf.Tensor2D; transposeB: boolean } {
  return transposedProductsAreFast()
    ? { w: cachedScaledCat(wIh, wHh), transposeB: true }
    : { w: cachedScaledCatT(wIh, wHh), transposeB: false };
}

/** (b_ih + b_hh) with the g block doubled, matching `cachedScaledCatT`. */
export function scaledBias(bIh: tf.Tensor1D, bHh: tf.Tensor1D): tf.Tensor1D {
  return tf.mul(tf.add(bIh, bHh), gateScale(bIh.shape[0] / 4));
}

/** Number of live cached derived tensors (for leak tests). */
export function derivedCacheSize(): number {
  return entries.filter((e) => !e.value.isDisposed).length;
}
