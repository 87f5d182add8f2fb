import * as tf from "@tensorflow/tfjs-core";
import { Module } from "./module";
import { Random, globalRandom } from "../random";
import { defineKernel, numAttr } from "../engine/kernels";

function checkP(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * Inverted dropout, as `torch.nn.functional.dropout(x, p, training=True)`: each element is zeroed
 * with probability `p` and the survivors are scaled by 1/(1-p). The mask is drawn in JS from our
 * seeded generator (not tf.randomUniform's own seeds) so masks follow `manualSeed`.
 */
export function dropout<T extends tf.Tensor>(x: T, p: number, rng?: Random): T {
  checkP(p);
  if (p === 0) return x;
  if (p === 1) return tf.zerosLike(x);
  return tf.tidy(() => {
    const r = rng ?? globalRandom;
    const mask = maskKernel.available()
      ? maskKernel.run({}, { shape: x.shape, p, rng: r })[0]
      : tf.tensor(dropoutMask(x.size, p, r), x.shape, "float32");
    return tf.mul(x, mask);
  }) as T;
}

/** The values of `dropoutMask` drawn straight into the backend's memory (attrs shape, p, rng). */
const maskKernel = defineKernel({
  name: "Lab4DropoutMask",
  run: (ctx, a) => {
    // Why a kernel: a JS mask is a fresh ArrayBuffer per call (page faults, GC) copied once more into the wasm heap.
    const { shape, rng } = a.attrs as unknown as { shape: number[]; rng: Random };
    const out = ctx.alloc(shape);
    fillMask(ctx.view(out) as Float32Array, numAttr(a, "p"), rng);
    return out;
  },
});

function fillMask(mask: Float32Array, p: number, r: Random): void {
  r.fillMask(mask, p, 1 / (1 - p));
}

/**
 * The multiplier mask `dropout` uses: n values, each 0 with probability p, else 1/(1−p), drawn in
 * order from `rng` (default: the process-wide generator). Exposed so fused layers draw the very
 * same masks as the module-by-module computation.
 */
export function dropoutMask(n: number, p: number, rng?: Random): Float32Array {
  checkP(p);
  const mask = new Float32Array(n);
  if (p === 1) return mask;
  fillMask(mask, p, rng ?? globalRandom);
  return mask;
}

/** `nn.Dropout(p)`: active only in training mode (see `Module.train()` / `eval()`). */
export class Dropout extends Module {
  readonly p: number;
  /** The generator for masks when not the process-wide one. */
  readonly rng?: Random;

  /** `rng` defaults to the process-wide generator at call time (so `manualSeed` applies). */
  constructor(p = 0.5, opts: { rng?: Random } = {}) {
    super();
    checkP(p);
    this.p = p;
    this.rng = opts.rng;
  }

  forward<T extends tf.Tensor>(x: T): T {
    return this.training ? dropout(x, this.p, this.rng) : x;
  }
}
