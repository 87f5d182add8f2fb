import * as tf from "@tensorflow/tfjs-core";
import { Module } from "./module";
import { dropout } from "./dropout";
import { uniform_ } from "./init";
import { Random, globalRandom } from "../random";
import { cachedTranspose, gateDerivScale, gateScale, tanhViaSigmoid } from "./lstm-ops";

/*
 * Multi-layer LSTM with PyTorch's semantics (torch.nn.LSTM, batch_first=False, unidirectional):
 *
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi)     gate rows of weight_ih / weight_hh in the order i, f, g, o
 *   f = σ(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)
 *   o = σ(W_io x + b_io + W_ho h + b_ho)
 *   c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
 *
 * Why a hand-written layer instead of composing tf ops under the tape: on tfjs-wasm, taped per-step
 * ops cost ~20× PyTorch (see shared notes): every matMul gradient uses transposed matmuls (naive
 * loop in wasm), every use of a weight is cloned for the tape, and tanh is slow. Here one layer over
 * the whole sequence is a single `tf.customGrad` node:
 *   - forward: the input projection of all timesteps is one big matMul (x·W_ihᵀ + b_ih + b_hh);
 *     each step is then one matMul h·W_hhᵀ with W_hhᵀ transposed once per weight version (cached);
 *   - backward (BPTT by hand): per step only dh_{t-1} = dGates_t·W_hh (an untransposed matmul);
 *     the weight gradients are two big matmuls over all timesteps at the end;
 *   - tanh(z) is computed as 2σ(2z) − 1 (wasm's Tanh is ~5× slower than its Sigmoid).
 * All matmuls are untransposed, so they take XNNPACK's fast path even without engine fixes.
 */

/**
 * One LSTM layer over a whole sequence, differentiable w.r.t. every input.
 * x [T, B, in], h0/c0 [B, H], wIh [4H, in], wHh [4H, H], bIh/bHh [4H].
 * Returns a packed tensor [T + 1, B, H]: rows 0..T−1 are the hidden states h_1..h_T, row T is c_T
 * (tf.customGrad supports a single output tensor).
 */
export function lstmLayer(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  wIh: tf.Tensor2D,
  wHh: tf.Tensor2D,
  bIh: tf.Tensor1D,
  bHh: tf.Tensor1D,
): tf.Tensor3D {
  const [T, B, inSize] = x.shape;
  const H = wHh.shape[1];
  if (T < 1) throw new Error("LSTM: input sequence must have at least one timestep");
  if (wIh.shape[0] !== 4 * H || wIh.shape[1] !== inSize)
    throw new Error(`LSTM: weight_ih must be [${4 * H}, ${inSize}], got [${wIh.shape.join(", ")}]`);
  if (h0.shape[0] !== B || h0.shape[1] !== H || c0.shape[0] !== B || c0.shape[1] !== H)
    throw new Error(
      `LSTM: expected hidden/cell of shape [${B}, ${H}], got [${h0.shape.join(", ")}] / [${c0.shape.join(", ")}]`,
    );

  const op = tf.customGrad(
    (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xIn, h0In, c0In, wIhIn, wHhIn, bIhIn, bHhIn] = args as tf.Tensor[];
      const save = args[7] as tf.GradSaveFunc;
      const scale = gateScale(H);
      const wIhT = cachedTranspose(wIh);
      const wHhT = cachedTranspose(wHh);
      // Input projection for every timestep at once: [T·B, 4H].
      const bias = tf.add(bIhIn, bHhIn);
      const xProj = tf.fused.matMul({ a: tf.reshape(xIn, [T * B, inSize]), b: wIhT, bias });
      const xSteps = tf.split(xProj, T, 0) as tf.Tensor2D[];
      let h = h0In as tf.Tensor2D;
      let c = c0In as tf.Tensor2D;
      const hs: tf.Tensor2D[] = [];
      const cs: tf.Tensor2D[] = [];
      const acts: tf.Tensor2D[] = [];
      const tcs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const pre = tf.add(xSteps[t], tf.matMul(h, wHhT));
        const a = tf.sigmoid(tf.mul(pre, scale)) as tf.Tensor2D; // i, f, σ(2g), o
        const [ai, af, ag, ao] = tf.split(a, 4, 1);
        const g = tf.sub(tf.mul(ag, 2), 1);
        c = tf.add(tf.mul(af, c), tf.mul(ai, g));
        const tc = tanhViaSigmoid(c) as tf.Tensor2D;
        h = tf.mul(ao, tc);
        hs.push(h);
        cs.push(c);
        acts.push(a);
        tcs.push(tc);
      }
      const hsAll = tf.stack(hs) as tf.Tensor3D;
      const value = tf.concat([hsAll, tf.expandDims(c, 0)], 0) as tf.Tensor3D;
      save([xIn, h0In, c0In, wIhIn, wHhIn, hsAll, tf.stack(cs), tf.stack(acts), tf.stack(tcs)]);

      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const [xS, h0S, c0S, wIhS, wHhS, hsS, csS, actsS, tcsS] = saved;
        // Everything that does not depend on the recurrence is computed for all steps at once.
        const dAct = tf.mul(tf.mul(actsS, tf.sub(1, actsS)), gateDerivScale(H)); // dact/dpre [T,B,4H]
        const [ai, af, ag, ao] = tf.split(actsS, 4, 2);
        const g = tf.sub(tf.mul(ag, 2), 1);
        const cPrev = tf.concat([tf.expandDims(c0S, 0), tf.slice(csS, [0, 0, 0], [T - 1, B, H])], 0);
        const [dai, daf, dag, dao] = tf.split(dAct, 4, 2);
        // dpre_{i,f,g} = dc ⊙ [g, c_{t-1}, i] ⊙ dact ;  dpre_o = dh ⊙ tanh(c) ⊙ dact_o
        const qIfg = tf.concat([tf.mul(g, dai), tf.mul(cPrev, daf), tf.mul(ai, dag)], 2);
        const rO = tf.mul(tcsS, dao);
        const sC = tf.mul(ao, tf.sub(1, tf.square(tcsS))); // dc += dh ⊙ o ⊙ (1 − tanh²c)
        const qSteps = tf.unstack(qIfg) as tf.Tensor2D[];
        const rSteps = tf.unstack(rO) as tf.Tensor2D[];
        const sSteps = tf.unstack(sC) as tf.Tensor2D[];
        const fSteps = tf.unstack(af) as tf.Tensor2D[];
        const dySteps = tf.unstack(dy) as tf.Tensor2D[]; // T hidden grads, then dc_T
        let dhNext: tf.Tensor2D | null = null;
        let dcNext = dySteps[T] as tf.Tensor2D;
        const dGates: tf.Tensor2D[] = new Array(T);
        for (let t = T - 1; t >= 0; t--) {
          const dh: tf.Tensor2D = dhNext ? tf.add(dySteps[t], dhNext) : dySteps[t];
          const dc: tf.Tensor2D = tf.add(dcNext, tf.mul(dh, sSteps[t]));
          const dG = tf.concat([tf.mul(tf.tile(dc, [1, 3]), qSteps[t]), tf.mul(dh, rSteps[t])], 1) as tf.Tensor2D;
          dGates[t] = dG;
          dhNext = tf.matMul(dG, wHhS as tf.Tensor2D) as tf.Tensor2D;
          dcNext = tf.mul(dc, fSteps[t]) as tf.Tensor2D;
        }
        const dGAll = tf.concat(dGates, 0); // [T·B, 4H]
        const dGAllT = tf.transpose(dGAll); // [4H, T·B], so both weight grads are untransposed matmuls
        const dX = tf.reshape(tf.matMul(dGAll, wIhS as tf.Tensor2D), [T, B, inSize]);
        const dWih = tf.matMul(dGAllT, tf.reshape(xS, [T * B, inSize]));
        const hPrev = tf.concat([tf.expandDims(h0S, 0), tf.slice(hsS, [0, 0, 0], [T - 1, B, H])], 0);
        const dWhh = tf.matMul(dGAllT, tf.reshape(hPrev, [T * B, H]));
        const dB = tf.sum(dGAll, 0);
        return [dX, dhNext as tf.Tensor2D, dcNext, dWih, dWhh, dB, tf.clone(dB)];
      };
      return { value, gradFunc };
    },
  );
  return op(x, h0, c0, wIh, wHh, bIh, bHh) as tf.Tensor3D;
}

export interface LSTMOptions {
  /** Dropout on the outputs of each layer except the last (PyTorch's `dropout`), training only. */
  dropout?: number;
  /** Generator for the dropout masks and the initial weights; default: the process-wide one. */
  rng?: Random;
}

/**
 * `nn.LSTM(inputSize, hiddenSize, numLayers, dropout=...)` (sequence-first). Parameters, in
 * PyTorch's order and names: `weight_ih_l{k}` [4H, in], `weight_hh_l{k}` [4H, H], `bias_ih_l{k}`
 * [4H], `bias_hh_l{k}` [4H], initialised U(−1/√H, 1/√H) like PyTorch.
 */
export class LSTM extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly dropout: number;
  /** The generator for dropout masks when not the process-wide one. */
  readonly rng?: Random;
  private readonly layers: Array<{ wIh: tf.Variable; wHh: tf.Variable; bIh: tf.Variable; bHh: tf.Variable }> = [];

  constructor(inputSize: number, hiddenSize: number, numLayers = 1, opts: LSTMOptions = {}) {
    super();
    for (const [k, v] of Object.entries({ inputSize, hiddenSize, numLayers }))
      if (!Number.isInteger(v) || v < 1) throw new Error(`LSTM: ${k} must be a positive integer, got ${v}`);
    const p = opts.dropout ?? 0;
    if (!(p >= 0 && p <= 1)) throw new Error(`LSTM: dropout must be between 0 and 1, got ${p}`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.dropout = p;
    this.rng = opts.rng;
    const bound = 1 / Math.sqrt(hiddenSize);
    const rng = opts.rng ?? globalRandom;
    const mk = (name: string, shape: number[]): tf.Variable => {
      const v = tf.variable(tf.zeros(shape), true);
      uniform_(v, -bound, bound, rng);
      return this.registerParameter(name, v);
    };
    for (let k = 0; k < numLayers; k++) {
      const inK = k === 0 ? inputSize : hiddenSize;
      this.layers.push({
        wIh: mk(`weight_ih_l${k}`, [4 * hiddenSize, inK]),
        wHh: mk(`weight_hh_l${k}`, [4 * hiddenSize, hiddenSize]),
        bIh: mk(`bias_ih_l${k}`, [4 * hiddenSize]),
        bHh: mk(`bias_hh_l${k}`, [4 * hiddenSize]),
      });
    }
  }

  /**
   * x [len, batch, inputSize]; optional state [h0, c0], each [numLayers, batch, hiddenSize]
   * (zeros when omitted). Returns [outputs [len, batch, H] (top layer), [hidden, cell]], each
   * [numLayers, batch, H].
   */
  forward(x: tf.Tensor3D, state?: [tf.Tensor3D, tf.Tensor3D]): [tf.Tensor3D, [tf.Tensor3D, tf.Tensor3D]] {
    if (x.rank !== 3) throw new Error(`LSTM: expected input [len, batch, ${this.inputSize}], got [${x.shape.join(", ")}]`);
    const [, B, F] = x.shape;
    if (F !== this.inputSize) throw new Error(`LSTM: input has ${F} features, expected ${this.inputSize}`);
    const L = this.numLayers;
    const H = this.hiddenSize;
    if (state) {
      for (const [name, s] of [["hidden", state[0]], ["cell", state[1]]] as const)
        if (s.rank !== 3 || s.shape[0] !== L || s.shape[1] !== B || s.shape[2] !== H)
          throw new Error(`LSTM: expected ${name} state [${L}, ${B}, ${H}], got [${s.shape.join(", ")}]`);
    }
    return tf.tidy(() => {
      const h0s = state ? (tf.unstack(state[0]) as tf.Tensor2D[]) : null;
      const c0s = state ? (tf.unstack(state[1]) as tf.Tensor2D[]) : null;
      const zeros = state ? null : tf.zeros([B, H]);
      let input = x;
      const hT: tf.Tensor2D[] = [];
      const cT: tf.Tensor2D[] = [];
      for (let k = 0; k < L; k++) {
        const { wIh, wHh, bIh, bHh } = this.layers[k];
        const h0 = h0s ? h0s[k] : (zeros as tf.Tensor2D);
        const c0 = c0s ? c0s[k] : (zeros as tf.Tensor2D);
        const packed = lstmLayer(
          input,
          h0,
          c0,
          wIh as tf.Tensor2D,
          wHh as tf.Tensor2D,
          bIh as tf.Tensor1D,
          bHh as tf.Tensor1D,
        );
        const T = packed.shape[0] - 1;
        const out = tf.slice(packed, [0, 0, 0], [T, B, H]);
        hT.push(tf.reshape(tf.slice(packed, [T - 1, 0, 0], [1, B, H]), [B, H]));
        cT.push(tf.reshape(tf.slice(packed, [T, 0, 0], [1, B, H]), [B, H]));
        input = k < L - 1 && this.training && this.dropout > 0 ? dropout(out, this.dropout, this.rng) : out;
      }
      return [input, [tf.stack(hT) as tf.Tensor3D, tf.stack(cT) as tf.Tensor3D]] as [
        tf.Tensor3D,
        [tf.Tensor3D, tf.Tensor3D],
      ];
    });
  }
}
