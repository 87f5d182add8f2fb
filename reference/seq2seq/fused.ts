// Instructor's reference implementation (answers to lab tasks): used by tests and benchmarks, never
// shipped to students. lib/ and grading/ must not import reference/ (test/api/exports.test.ts).
import * as tf from "@tensorflow/tfjs-core";
import { Module } from "../../lib/nn/module";
import { Dropout, dropoutMask } from "../../lib/nn/dropout";
import { cachedCat, cachedTranspose, scaledBias, stepWeights } from "../../lib/nn/lstm-ops";
import { columnSums, transposedProductsAreFast } from "../../lib/engine/kernels";
import { lstmBwdCell } from "../../lib/nn/lstm-kernels";
import { rowSlice, transpose2d } from "../../lib/nn/rows";
import { LSTM, lstmStepForward } from "../../lib/nn/lstm";
import { globalRandom } from "../../lib/random";

/*
 * The Seq2Seq decoding loop as ONE differentiable op (tf.customGrad) with a hand-written backward.
 *
 * It computes exactly what `Seq2Seq` does by calling `decoder.forward` step by step — same
 * parameters, same dropout masks and teacher-forcing coins drawn from the same generators in the
 * same order — but:
 *   - each LSTM step is one matmul [x, h]·[W_ih | W_hh]ᵀ + (b_ih + b_hh) with the concatenated,
 *     transposed weights cached per weight version (no transposes in the step);
 *   - the argmax feedback is not differentiable, so once the forward has fixed the input tokens the
 *     backward is plain BPTT through a 2-layer LSTM: fc_out's gradients for all steps are two big
 *     matmuls, each layer's weight gradients one big matmul over all steps, and only
 *     dGates·[W_ih | W_hh] (untransposed) remains per step;
 *   - the embedding gradient is a JS scatter-add (no UnsortedSegmentSum kernel needed).
 * Nothing is recorded on the tape inside, so no tensor is cloned per weight use.
 */

interface LayerWeights {
  wIh: tf.Tensor2D;
  wHh: tf.Tensor2D;
  bIh: tf.Tensor1D;
  bHh: tf.Tensor1D;
}

function param(named: Map<string, tf.Variable>, name: string): tf.Variable {
  const p = named.get(name);
  if (!p) throw new Error(`decoder has no parameter ${name}`);
  return p;
}

/**
 * Decodes `trg.length − 1` steps from the encoder's final state. Returns outputs [trg len, batch,
 * output dim] with outputs[0] zeros, like the original lab's `Seq2Seq.forward`.
 *
 * `decoder` is any module with the original lab's Decoder structure, found by PyTorch name: parameters
 * `embedding.weight`, `rnn.weight_ih_l{k}` … `rnn.bias_hh_l{k}`, `fc_out.weight`, `fc_out.bias`, a
 * child `rnn` (our LSTM: its dropout between layers) and a child `dropout` (our Dropout, applied to
 * the embeddings). So a Decoder class written in a notebook like the original lab's can use it too.
 * `rng` draws the teacher-forcing coins (one per step, like the original lab's `random.random()`); default
 * the process-wide generator (what lab4's Python-like `random.random()` draws from).
 */
export function decodeSequence(
  decoder: Module,
  trg: tf.Tensor2D,
  hidden: tf.Tensor3D,
  cell: tf.Tensor3D,
  teacherForcingRatio: number,
  rng: { random(): number } = globalRandom,
): tf.Tensor3D {
  if (trg.rank !== 2 || trg.shape[0] < 2) throw new Error(`decodeSequence: trg must be [len >= 2, batch], got [${trg.shape}]`);
  const [T, B] = trg.shape;
  const named = new Map(decoder.namedParameters());
  const embW = param(named, "embedding.weight") as tf.Tensor2D;
  const fcW = param(named, "fc_out.weight") as tf.Tensor2D;
  const fcB = param(named, "fc_out.bias") as tf.Tensor1D;
  const children = new Map(decoder.namedChildren());
  const rnn = children.get("rnn");
  const drop = children.get("dropout");
  if (!(rnn instanceof LSTM)) throw new Error("decodeSequence: the decoder needs an LSTM child named rnn");
  if (!(drop instanceof Dropout)) throw new Error("decodeSequence: the decoder needs a Dropout child named dropout");
  const L = rnn.numLayers;
  const H = rnn.hiddenSize;
  const E = embW.shape[1];
  const V = fcW.shape[0];
  if (rnn.inputSize !== E || fcW.shape[1] !== H)
    throw new Error(`decodeSequence: embedding dim ${E} / fc_out input ${fcW.shape[1]} do not fit LSTM(${rnn.inputSize}, ${H})`);
  if (hidden.shape.join() !== [L, B, H].join() || cell.shape.join() !== [L, B, H].join())
    throw new Error(`decodeSequence: hidden and cell must be [${L}, ${B}, ${H}], got [${hidden.shape}] and [${cell.shape}]`);
  const layers: LayerWeights[] = [];
  for (let k = 0; k < L; k++)
    layers.push({
      wIh: param(named, `rnn.weight_ih_l${k}`) as tf.Tensor2D,
      wHh: param(named, `rnn.weight_hh_l${k}`) as tf.Tensor2D,
      bIh: param(named, `rnn.bias_ih_l${k}`) as tf.Tensor1D,
      bHh: param(named, `rnn.bias_hh_l${k}`) as tf.Tensor1D,
    });
  const training = decoder.training;
  const pEmb = drop.p;
  const pRnn = rnn.dropout;
  const embRng = drop.rng ?? globalRandom;
  const rnnRng = rnn.rng ?? globalRandom;
  const trgData = trg.dataSync() as Int32Array;
  const steps = T - 1;
  // Tokens fed at each step and the dropout masks, kept in JS for the backward.
  const tokensUsed = new Int32Array(steps * B);
  const embMasks: Float32Array[] = [];
  const rnnMasks: Float32Array[][] = layers.map(() => []);

  const inSize = layers.map((l) => l.wIh.shape[1]);
  const flat: tf.Tensor[] = [hidden, cell, embW, fcW, fcB];
  for (const l of layers) flat.push(l.wIh, l.wHh, l.bIh, l.bHh);

  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[flat.length] as tf.GradSaveFunc;
    const stepWs = layers.map((l) => stepWeights(l.wIh, l.wHh));
    const fastT = transposedProductsAreFast();
    const cats = layers.map((l) => cachedCat(l.wIh, l.wHh)); // unscaled [4H, in + H], for the backward
    const biases = layers.map((l) => scaledBias(l.bIh, l.bHh));
    const fcWT = fastT ? fcW : cachedTranspose(fcW);
    let h = tf.unstack(hidden) as tf.Tensor2D[];
    let c = tf.unstack(cell) as tf.Tensor2D[];
    // Per layer and step: the layer input x (after dropout), h_{t−1}, σ-gates, c (from c_0), tanh c.
    const xs: tf.Tensor2D[][] = layers.map(() => []);
    const hPrev: tf.Tensor2D[][] = layers.map(() => []);
    const ss: tf.Tensor2D[][] = layers.map(() => []);
    const cs: tf.Tensor2D[][] = layers.map((_, k) => [c[k]]);
    const tcs: tf.Tensor2D[][] = layers.map(() => []);
    const hTop: tf.Tensor2D[] = [];
    const outputs: tf.Tensor2D[] = [tf.zeros([B, V])];
    let tokens = trgData.subarray(0, B);
    for (let t = 1; t <= steps; t++) {
      tokensUsed.set(tokens, (t - 1) * B);
      let x = tf.gather(embW, tf.tensor1d(tokens, "int32")) as tf.Tensor2D;
      if (training && pEmb > 0) {
        const m = dropoutMask(B * E, pEmb, embRng);
        embMasks.push(m);
        x = tf.mul(x, tf.tensor2d(m, [B, E]));
      }
      const hNew: tf.Tensor2D[] = [];
      const cNew: tf.Tensor2D[] = [];
      for (let k = 0; k < L; k++) {
        xs[k].push(x);
        hPrev[k].push(h[k]);
        const xk = x;
        const hk = h[k];
        const st = tf.tidy(() => lstmStepForward(tf.concat([xk, hk], 1) as tf.Tensor2D, c[k], stepWs[k], biases[k]));
        ss[k].push(st.s);
        cs[k].push(st.c);
        tcs[k].push(st.tc);
        hNew.push(st.h);
        cNew.push(st.c);
        x = st.h;
        if (k < L - 1 && training && pRnn > 0) {
          const m = dropoutMask(B * H, pRnn, rnnRng);
          rnnMasks[k].push(m);
          x = tf.mul(st.h, tf.tensor2d(m, [B, H]));
        }
      }
      h = hNew;
      c = cNew;
      hTop.push(x);
      const logits = tf.fused.matMul({ a: x, b: fcWT, transposeB: fastT, bias: fcB }) as tf.Tensor2D;
      outputs.push(logits);
      // One coin per step, as the original lab draws `random.random()` even after the last step.
      const teacherForce = rng.random() < teacherForcingRatio;
      if (t < steps) tokens = teacherForce ? trgData.subarray(t * B, (t + 1) * B) : (tf.argMax(logits, 1).dataSync() as Int32Array);
    }
    const value = tf.stack(outputs) as tf.Tensor3D;
    // h_top for every row of the outputs, with zeros for row 0 (outputs[0] is a constant), so the
    // backward can use dy as it comes ([T·B, V]) instead of copying its rows 1.. out.
    const toSave: tf.Tensor[] = [tf.concat([tf.zeros([B, H]), ...hTop], 0)];
    for (let k = 0; k < L; k++)
      toSave.push(tf.concat(xs[k], 0), tf.concat(hPrev[k], 0), tf.concat(ss[k], 0), tf.concat(cs[k], 0), tf.concat(tcs[k], 0));
    save(toSave);

    // tfjs runs a customGrad's gradFunc outside any tidy (only the whole backward pass is one), so
    // without this every intermediate here would live until the backward pass ends.
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const hTopAll = saved[0] as tf.Tensor2D; // [T·B, H], rows of step 0 zero
        const lay = layers.map((_, k) => {
          const [x, hp, s, cc, tc] = saved.slice(1 + 5 * k, 6 + 5 * k) as tf.Tensor2D[];
          return { x, hp, s, c: cc, tc };
        });
        // dy [T, B, V] as a matrix (a free reshape). Its row block 0 is the gradient of the constant
        // outputs[0]: it meets zero rows of h_top in dW, is subtracted from the bias gradient, and the
        // matching rows of dh_top are never read.
        const dLogits = tf.reshape(dy, [T * B, V]) as tf.Tensor2D;
        // fc_out: dW = dLogitsᵀ·h computed as (hᵀ·dLogits)ᵀ — transposing [T·B, H] and [H, V] is far
        // cheaper than transposing dLogits [T·B, V]. dh_top for all steps at once.
        const dFcW = fastT
          ? (tf.matMul(dLogits, hTopAll, true, false) as tf.Tensor2D)
          : transpose2d(tf.matMul(transpose2d(hTopAll), dLogits) as tf.Tensor2D);
        const dFcB = tf.sub(columnSums(dLogits, "matmul"), columnSums(rowSlice(dLogits, 0, B), "matmul"));
        const dHTop = tf.matMul(dLogits, fcW) as tf.Tensor2D; // [T·B, H]; step t's rows at (t + 1)·B
        const maskT = rnnMasks.map((ms) => (ms.length ? tf.tensor2d(concatF32(ms), [steps * B, H]) : undefined));
        const dhRec: Array<tf.Tensor2D | undefined> = layers.map(() => undefined);
        const dhRecOff: number[] = layers.map(() => 0);
        const dhRecStride: number[] = layers.map(() => H);
        const dcRec: Array<tf.Tensor2D | undefined> = layers.map(() => undefined);
        const dGates: tf.Tensor2D[][] = layers.map(() => new Array(steps));
        for (let t = steps - 1; t >= 0; t--) {
          // Gradient reaching the top layer's h_t from fc_out, then each lower layer's from above.
          let dA: tf.Tensor = dHTop;
          let dAOff = (t + 1) * B * H;
          let dAStride = H;
          for (let k = L - 1; k >= 0; k--) {
            const P = lay[k];
            const [dG, dcPrev] = lstmBwdCell({
              B,
              H,
              s: P.s,
              sOff: t * B * 4 * H,
              cPrev: P.c,
              cPrevOff: t * B * H,
              tc: P.tc,
              tcOff: t * B * H,
              dA,
              dAOff,
              dAStride,
              mask: k < L - 1 ? maskT[k] : undefined,
              maskOff: t * B * H,
              dhRec: dhRec[k],
              dhRecOff: dhRecOff[k],
              dhRecStride: dhRecStride[k],
              dcRec: dcRec[k],
            });
            dGates[k][t] = dG;
            dcRec[k] = dcPrev;
            if (k > 0) {
              // One matmul gives the gradient for the layer below (x columns) and for h_{t−1}.
              const inK = inSize[k];
              const dXH = tf.matMul(dG, cats[k]) as tf.Tensor2D; // [B, in + H]
              dA = dXH;
              dAOff = 0;
              dAStride = inK + H;
              dhRec[k] = dXH;
              dhRecOff[k] = inK;
              dhRecStride[k] = inK + H;
            } else {
              // Layer 0's input gradient (the embedding's) is one matmul over all steps below.
              dhRec[0] = tf.matMul(dG, layers[0].wHh) as tf.Tensor2D;
            }
          }
        }
        const grads: tf.Tensor[] = [
          tf.stack(layers.map((_, k) => recurrentRows(dhRec[k] as tf.Tensor2D, dhRecOff[k], dhRecStride[k], B, H))),
          tf.stack(dcRec as tf.Tensor2D[]),
        ];
        // Embedding: dX of layer 0 for all steps, undo the dropout mask, scatter-add into used rows.
        const dG0 = tf.concat(dGates[0], 0) as tf.Tensor2D;
        let dEmb = tf.matMul(dG0, layers[0].wIh) as tf.Tensor2D; // [steps·B, E]
        if (embMasks.length) dEmb = tf.mul(dEmb, tf.tensor2d(concatF32(embMasks), [steps * B, E]));
        const dEmbData = dEmb.dataSync();
        const dEmbW = new Float32Array(V * E);
        for (let r = 0; r < steps * B; r++) {
          const o = tokensUsed[r] * E;
          const src = r * E;
          for (let j = 0; j < E; j++) dEmbW[o + j] += dEmbData[src + j];
        }
        grads.push(tf.tensor2d(dEmbW, [V, E]), dFcW, dFcB);
        for (let k = 0; k < L; k++) {
          const dGAll = k === 0 ? dG0 : (tf.concat(dGates[k], 0) as tf.Tensor2D); // [steps·B, 4H]
          if (fastT) {
            const dB = columnSums(dGAll, "matmul");
            grads.push(tf.matMul(dGAll, lay[k].x, true, false), tf.matMul(dGAll, lay[k].hp, true, false), dB, tf.clone(dB));
            continue;
          }
          const dGAllT = transpose2d(dGAll);
          const dB = tf.sum(dGAllT, 1);
          grads.push(tf.matMul(dGAllT, lay[k].x), tf.matMul(dGAllT, lay[k].hp), dB, tf.clone(dB));
        }
        return grads;
      });
    return { value, gradFunc };
  });
  return op(...flat) as tf.Tensor3D;
}

function concatF32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The [B, H] block of `t` at column offset `off` with row stride `stride` (a copy). */
function recurrentRows(t: tf.Tensor2D, off: number, stride: number, B: number, H: number): tf.Tensor2D {
  if (off === 0 && stride === H) return t;
  return tf.slice(t, [0, off], [B, H]);
}
