import * as tf from "@tensorflow/tfjs-core";
import { Module } from "./module";
import { dropout } from "./dropout";
import { uniform_ } from "./init";
import { Random, globalRandom } from "../random";
import { scaledBias, stepWeights } from "./lstm-ops";
import { addProductInto, columnSums, transposedProductsAreFast } from "../engine/kernels";
import { addIntoGradient } from "../engine/tape-memory";
import { lstmBwdCell, lstmFwdCell, lstmFwdOut, lstmLayerOutputs } from "./lstm-kernels";
import { rowSlice, stackRows, transpose2d, unstackRows } from "./rows";

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
 * ops are far slower than PyTorch's: every matMul gradient uses transposed matmuls (naive
 * loop in wasm), every use of a weight is cloned for the tape, and tanh is slow. Here one layer over
 * the whole sequence is a single `tf.customGrad` node:
 *   - forward: each step is one matMul [x_t, h]·[W_ih | W_hh]ᵀ + bias with the concatenated,
 *     transposed weights cached per weight version, then one sigmoid for all four gates (the g
 *     columns pre-scaled by 2: tanh(z) = 2σ(2z) − 1; wasm's Tanh is ~5× slower than Sigmoid);
 *   - backward (BPTT by hand): per step only dh_{t−1} = dGates_t·W_hh (an untransposed matmul);
 *     the input and weight gradients are big matmuls over all timesteps at the end;
 *   - the element-wise gate arithmetic runs in small kernels (lstm-kernels.ts) that address the
 *     per-sequence tensors in place, because wasm's Slice/Split/Unstack copy their whole input.
 * All matmuls are untransposed, so they take XNNPACK's fast path even without engine fixes.
 */

/**
 * One forward step of an LSTM layer: xh = [x_t, h_{t−1}] [B, in + H], c_{t−1} [B, H].
 * Returns the σ-gates s [B, 4H] (g block as σ(2z)), c_t, tanh(c_t), h_t.
 */
export function lstmStepForward(
  xh: tf.Tensor2D,
  cPrev: tf.Tensor2D,
  weights: { w: tf.Tensor2D; transposeB: boolean },
  biasScaled: tf.Tensor1D,
): { s: tf.Tensor2D; c: tf.Tensor2D; tc: tf.Tensor2D; h: tf.Tensor2D } {
  // tidy: the pre-activation, 2c and σ(2c) die here, not at the end of the sequence.
  return tf.tidy(() => {
    const s = tf.sigmoid(tf.fused.matMul({ a: xh, b: weights.w, transposeB: weights.transposeB, bias: biasScaled })) as tf.Tensor2D;
    const [c, c2] = lstmFwdCell(s, cPrev);
    const [h, tc] = lstmFwdOut(s, tf.sigmoid(c2) as tf.Tensor2D);
    return { s, c, tc, h };
  });
}

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
    throw new Error(`LSTM: expected hidden/cell of shape [${B}, ${H}], got [${h0.shape.join(", ")}] / [${c0.shape.join(", ")}]`);

  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, h0In, c0In, wIhIn, wHhIn] = args as tf.Tensor2D[];
    const save = args[7] as tf.GradSaveFunc;
    const stepW = stepWeights(wIh, wHh);
    const bias = scaledBias(bIh, bHh);
    const x2 = tf.reshape(xIn, [T * B, inSize]) as tf.Tensor2D;
    let h = h0In;
    let c = c0In;
    const hs: tf.Tensor2D[] = [];
    const ss: tf.Tensor2D[] = [];
    const cs: tf.Tensor2D[] = [c0In];
    const tcs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const st = tf.tidy(() => lstmStepForward(tf.concat([rowSlice(x2, t * B, B), h], 1) as tf.Tensor2D, c, stepW, bias));
      h = st.h;
      c = st.c;
      hs.push(h);
      ss.push(st.s);
      cs.push(c);
      tcs.push(st.tc);
    }
    const hsAll = tf.concat(hs, 0); // [T·B, H]
    const value = tf.reshape(tf.concat([hsAll, c], 0), [T + 1, B, H]) as tf.Tensor3D;
    // h_{t−1} for every step, for dW_hh.
    const hPrev = T > 1 ? tf.concat([h0In, rowSlice(hsAll, 0, (T - 1) * B)], 0) : h0In;
    // c_{t−1} for every step: the backward never reads c_T (a one-step decoder call saves c0 as is).
    save([x2, hPrev, tf.concat(ss, 0), tf.concat(cs.slice(0, T), 0), tf.concat(tcs, 0), wIhIn, wHhIn]);

    // tfjs runs a customGrad's gradFunc outside any tidy (only the whole backward pass is one), so
    // without this every intermediate here would live until the backward pass ends.
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const [xS, hPrevS, sS, cS, tcS, wIhS, wHhS] = saved as tf.Tensor2D[];
        let dhRec: tf.Tensor2D | undefined;
        let dcRec: tf.Tensor2D = dy as unknown as tf.Tensor2D; // row T of dy is dc_T
        let dcRecOff = T * B * H;
        const dGates: tf.Tensor2D[] = new Array(T);
        for (let t = T - 1; t >= 0; t--) {
          const [dG, dcPrev] = lstmBwdCell({
            B,
            H,
            s: sS,
            sOff: t * B * 4 * H,
            cPrev: cS,
            cPrevOff: t * B * H,
            tc: tcS,
            tcOff: t * B * H,
            dA: dy,
            dAOff: t * B * H,
            dhRec,
            dcRec,
            dcRecOff,
          });
          dGates[t] = dG;
          dhRec = tf.matMul(dG, wHhS) as tf.Tensor2D; // untransposed: W_hh is [4H, H]
          dcRec = dcPrev;
          dcRecOff = 0;
        }
        const dGAll = tf.concat(dGates, 0) as tf.Tensor2D; // [T·B, 4H]
        const dX = tf.reshape(tf.matMul(dGAll, wIhS), [T, B, inSize]);
        if (transposedProductsAreFast()) {
          const dB = columnSums(dGAll, "matmul");
          // A step-by-step decoder calls this layer once per step: add into the later steps' sums.
          const dWih = addIntoGradient(wIhIn, (acc) => addProductInto(acc, dGAll, xS, true, false)) ?? tf.matMul(dGAll, xS, true, false);
          const dWhh =
            addIntoGradient(wHhIn, (acc) => addProductInto(acc, dGAll, hPrevS, true, false)) ?? tf.matMul(dGAll, hPrevS, true, false);
          return [dX, dhRec as tf.Tensor2D, dcRec, dWih, dWhh, dB, tf.clone(dB)];
        }
        const dGAllT = transpose2d(dGAll); // [4H, T·B]: both weight grads become untransposed matmuls
        const dWih = tf.matMul(dGAllT, xS);
        const dWhh = tf.matMul(dGAllT, hPrevS);
        const dB = tf.sum(dGAllT, 1); // a last-axis reduction: wasm's axis-0 sum transposes first
        return [dX, dhRec as tf.Tensor2D, dcRec, dWih, dWhh, dB, tf.clone(dB)];
      });
    return { value, gradFunc };
  });
  return op(x, h0, c0, wIh, wHh, bIh, bHh) as tf.Tensor3D;
}

/**
 * The input a student passes: float32 [len, batch, inputSize]. Shape and dtype only (no data read);
 * Spanish errors name the usual cause: ids not embedded, a missing length axis, emb_dim mixed up.
 */
function checkInput(x: tf.Tensor, inputSize: number): void {
  const shape = `[${x.shape.join(", ")}]`;
  if (x.dtype !== "float32")
    throw new Error(
      `LSTM: la entrada debe ser float32 [largo, batch, ${inputSize}] y es ${x.dtype} ${shape}: ` +
        "pase primero los índices por la capa de embedding (this.embedding.forward(...))",
    );
  if (x.rank !== 3) {
    const fix =
      x.rank === 2 && x.shape[1] === inputSize
        ? "agregue el eje del largo con tf.expandDims(input, 0) antes del embedding (el unsqueeze(0) del original)"
        : `debe tener 3 ejes: largo de la secuencia, batch y ${inputSize} features`;
    throw new Error(`LSTM: la entrada debe ser [largo, batch, ${inputSize}] y es ${shape}: ${fix}`);
  }
  if (x.shape[2] !== inputSize)
    throw new Error(
      `LSTM: la entrada tiene ${x.shape[2]} features por paso y este LSTM espera ${inputSize}: ` +
        "el primer argumento de LSTM(...) es el tamaño del embedding (emb_dim) que recibe",
    );
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
      // tf.variable shares the initial tensor's data; dispose our handle so only the variable holds it.
      const init = tf.zeros(shape);
      const v = tf.variable(init, true);
      init.dispose();
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
    checkInput(x, this.inputSize);
    const [, B] = x.shape;
    const L = this.numLayers;
    const H = this.hiddenSize;
    if (state) {
      for (const [name, s] of [
        ["oculto (hidden)", state[0]],
        ["de celda (cell)", state[1]],
      ] as const)
        if (s.rank !== 3 || s.shape[0] !== L || s.shape[1] !== B || s.shape[2] !== H)
          throw new Error(
            `LSTM: el estado ${name} debe ser [${L}, ${B}, ${H}] (capas, batch, hid_dim) y es [${s.shape.join(", ")}]: ` +
              "pase el (hidden, cell) que devolvió el encoder, con el mismo n_layers y hid_dim en el encoder y el decoder",
          );
    }
    return tf.tidy(() => {
      const h0s = state ? unstackRows<tf.Tensor2D>(state[0]) : null;
      const c0s = state ? unstackRows<tf.Tensor2D>(state[1]) : null;
      const zeros = state ? null : tf.zeros([B, H]);
      let input = x;
      const hT: tf.Tensor2D[] = [];
      const cT: tf.Tensor2D[] = [];
      for (let k = 0; k < L; k++) {
        const { wIh, wHh, bIh, bHh } = this.layers[k];
        const h0 = h0s ? h0s[k] : (zeros as tf.Tensor2D);
        const c0 = c0s ? c0s[k] : (zeros as tf.Tensor2D);
        const packed = lstmLayer(input, h0, c0, wIh as tf.Tensor2D, wHh as tf.Tensor2D, bIh as tf.Tensor1D, bHh as tf.Tensor1D);
        const [out, h, c] = lstmLayerOutputs(packed);
        hT.push(h);
        cT.push(c);
        input = k < L - 1 && this.training && this.dropout > 0 ? dropout(out, this.dropout, this.rng) : out;
      }
      return [input, [stackRows<tf.Tensor3D>(hT), stackRows<tf.Tensor3D>(cT)]] as [tf.Tensor3D, [tf.Tensor3D, tf.Tensor3D]];
    });
  }
}
