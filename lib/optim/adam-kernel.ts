/**
 * The fused Adam/AdamW update of one parameter as a wasm/cpu kernel (reads p, g, m, v once, writes
 * the new p, m, v), instead of ~15 tensor ops. lib/optim/adam.ts runs it; the arithmetic follows
 * torch 1.13's single-tensor path (see there).
 */
import * as tf from "@tensorflow/tfjs-core";
import { defineKernel } from "../engine/kernels";

/** The tfjs kernel name; registered for wasm and cpu when this module loads. */
export const KERNEL = "Lab4AdamStep";

/** The kernel's attributes: the optimizer's settings and this step's bias corrections. */
export interface StepAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  lr: number;
  weightDecay: number;
  decoupled: boolean;
  amsgrad: boolean;
  stepSize: number;
  bc2Sqrt: number;
}

/** The update of one parameter on plain arrays (float64 arithmetic, rounded once on store). */
function adamUpdate(
  a: StepAttrs,
  p: ArrayLike<number>,
  g: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  vmax: ArrayLike<number> | undefined,
  pOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
  vmaxOut: Float32Array | undefined,
): void {
  const { beta1, beta2, eps, stepSize, bc2Sqrt, weightDecay } = a;
  const decay = a.decoupled ? 1 - a.lr * weightDecay : 1;
  const l2 = a.decoupled ? 0 : weightDecay;
  for (let i = 0, n = p.length; i < n; i++) {
    let pi = p[i];
    const gi = l2 !== 0 ? g[i] + l2 * pi : g[i];
    if (decay !== 1) pi = Math.fround(pi * decay);
    const mi = Math.fround(Math.fround(m[i] * beta1) + (1 - beta1) * gi);
    const vi = Math.fround(Math.fround(v[i] * beta2) + (1 - beta2) * gi * gi);
    let vUse = vi;
    if (vmaxOut && vmax) vUse = vmaxOut[i] = Math.max(vmax[i], vi);
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = pi - (stepSize * mi) / (Math.sqrt(vUse) / bc2Sqrt + eps);
  }
}

function stepAttrs(attrs: tf.NamedAttrMap | undefined): StepAttrs {
  return attrs as unknown as StepAttrs;
}

const kernel = defineKernel({
  name: KERNEL,
  run: (ctx, { inputs, attrs }) => {
    const { param, grad, m, v, vmax } = inputs as Record<string, tf.TensorInfo>;
    const outs = [param, m, v, ...(vmax ? [vmax] : [])].map((t) => ctx.alloc(t.shape));
    const view = (t: tf.TensorInfo) => ctx.view(t) as Float32Array; // after all allocations
    const a = stepAttrs(attrs);
    const loops = ctx.loops();
    if (loops) {
      // The same loop in C (native/loops: the binding or the WebAssembly module), vectorised, same bits.
      loops.adam(
        view(param),
        view(grad),
        view(m),
        view(v),
        vmax ? view(vmax) : null,
        view(outs[0]),
        view(outs[1]),
        view(outs[2]),
        vmax ? view(outs[3]) : null,
        a.beta1,
        a.beta2,
        a.eps,
        a.stepSize,
        a.bc2Sqrt,
        a.decoupled ? 1 - a.lr * a.weightDecay : 1,
        a.decoupled ? 0 : a.weightDecay,
      );
      return outs;
    }
    adamUpdate(
      a,
      view(param),
      view(grad),
      view(m),
      view(v),
      vmax ? view(vmax) : undefined,
      view(outs[0]),
      view(outs[1]),
      view(outs[2]),
      vmax ? view(outs[3]) : undefined,
    );
    return outs;
  },
});
kernel.register();
