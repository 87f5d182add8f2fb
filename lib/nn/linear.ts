import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";
import { inspect } from "node:util";
import { Module } from "./module";
import { addIntoGradient } from "../engine/tape-memory";
import { addProductInto, columnSums } from "../engine/kernels";
import { Random, globalRandom } from "../random";
import { checkAssigned, formatParameter, variableFrom, variableFromValues } from "./param-display";

export interface LinearOptions {
  /** Learn an additive bias (default true, as `nn.Linear`). */
  bias?: boolean;
  /** Generator for the initial values (default: the process-wide one, see `manualSeed`). */
  rng?: Random;
}

/** U(-bound, bound) float32 values drawn in order from `rng`. */
function uniformValues(n: number, bound: number, rng: Random): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (2 * rng.random() - 1) * bound;
  return v;
}

/**
 * `nn.Linear(in_features, out_features, bias=True)`: y = x·Wᵀ + b with `weight` [out, in] and
 * `bias` [out] (PyTorch's layout and names). Initialised like PyTorch: kaiming_uniform(a=√5) for
 * the weight and U(±1/√in) for the bias, i.e. both U(-1/√in, 1/√in).
 *
 * The parameters can be replaced, as the original lab does with `arange`:
 *   layer.weight = tf.range(0, size).reshape(layer.weight.shape)   // or layer.setWeight(t)
 * The new value is copied into a fresh trainable variable registered under the same name (the old
 * one is disposed; an optimizer built before holds the old variable, as in PyTorch).
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  private w: tf.Variable;
  private b: tf.Variable | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [n, v] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const)
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Linear: ${n} must be a positive integer, got ${v}`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const rng = opts.rng ?? globalRandom;
    const bound = 1 / Math.sqrt(inFeatures);
    this.w = this.registerParameter(
      "weight",
      variableFromValues(uniformValues(outFeatures * inFeatures, bound, rng), [outFeatures, inFeatures]),
    );
    this.b =
      opts.bias === false
        ? null
        : this.registerParameter("bias", variableFromValues(uniformValues(outFeatures, bound, rng), [outFeatures]));
  }

  get weight(): tf.Variable {
    return this.w;
  }
  set weight(t: tf.Tensor) {
    this.setWeight(t);
  }

  /** Replaces the weight ([out, in], cast to float32) keeping it registered as `weight`. */
  setWeight(t: tf.Tensor): this {
    checkAssigned("Linear.weight", t, [this.outFeatures, this.inFeatures]);
    this.w = this.registerParameter("weight", variableFrom(t));
    return this;
  }

  get bias(): tf.Variable | null {
    return this.b;
  }
  set bias(t: tf.Tensor | null) {
    this.setBias(t);
  }

  /** Replaces the bias ([out]); only for a layer built with a bias. */
  setBias(t: tf.Tensor | null): this {
    if (this.b === null) throw new Error("Linear: this layer was built with bias: false");
    if (t === null) throw new Error("Linear: removing the bias is not supported; build the layer with bias: false");
    checkAssigned("Linear.bias", t, [this.outFeatures]);
    this.b = this.registerParameter("bias", variableFrom(t));
    return this;
  }

  /** x [..., in] → [..., out] (a 1-D x [in] gives [out], as `linear_layer(ohe)` in the original lab). */
  forward(x: tf.Tensor): tf.Tensor {
    const last = x.shape[x.shape.length - 1];
    if (x.rank === 0 || last !== this.inFeatures)
      throw new Error(
        `Linear(${this.inFeatures}, ${this.outFeatures}): input of shape [${x.shape.join(", ")}] must end in ${this.inFeatures}`,
      );
    return tf.tidy(() => {
      const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, this.inFeatures]);
      const xf = tf.cast(x2, "float32") as tf.Tensor2D;
      const y: tf.Tensor = this.b
        ? affine(xf, this.w as tf.Tensor2D, this.b as tf.Tensor1D)
        : tf.matMul(xf, this.w as tf.Tensor2D, false, true);
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  /** Like PyTorch's repr: "Linear(in_features=20, out_features=1, bias=False)". */
  override toString(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.b ? "True" : "False"})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** `print(layer.weight)` for notebooks: "Parameter containing:" + the tensor. */
  formatWeight(): string {
    return formatParameter(this.w);
  }
}

/**
 * x·Wᵀ + b as one fused product whose gradient keeps only x and W. tf.add's gradient would keep
 * the un-biased product alive, and tf.fused.matMul's keeps its output (for activations we do not
 * use): either way one more [batch, out] tensor per call lives until the backward pass — one per
 * decoder step of the original lab's loop — and the output could not be freed after use.
 */
function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, wi, bi] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    save([xi, wi]);
    return {
      value: tf.fused.matMul({ a: xi, b: wi, transposeB: true, bias: bi }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        // Called once per decoder step: add this step's dW into the sum of the later steps' in place.
        const dW = addIntoGradient(wi, (acc) => addProductInto(acc, d, xs, true, false)) ?? tf.matMul(d, xs, true, false);
        return [tf.matMul(d, ws), dW, columnSums(d)];
      },
    };
  });
  return op(x, w, b) as tf.Tensor2D;
}
