/**
 * The original lab's Encoder / Decoder / Seq2Seq against PyTorch (test/fixtures/torch/seq2seq_reference.py):
 * same parameter names and count, same logits (teacher forcing 1 and 0), loss, every gradient and the
 * clip_grad_norm_ result, on the cpu and wasm backends, for the fused decoder and the step-by-step one.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import "../../lib/engine/setup";
import { initBackend, installWasmKernelFixes, transposedProductsAreFast } from "../../lib/engine";
import { Encoder, Decoder, Seq2Seq, initWeights, countParameters } from "../../reference/seq2seq/model";
import { decodeSequence } from "../../reference/seq2seq/fused";
import { Module } from "../../lib/nn/module";
import { Embedding } from "../../lib/nn/embedding";
import { Linear } from "../../lib/nn/linear";
import { LSTM } from "../../lib/nn/lstm";
import { Dropout } from "../../lib/nn/dropout";
import { crossEntropy } from "../../lib/nn/losses";
import { clipGradNorm } from "../../lib/optim/clip";
import { manualSeed, Random } from "../../lib/random";
import { maxAbsDiff, torchReference } from "../fixtures/torch/run";

const TOL = 1e-4;
const ref = torchReference("seq2seq_reference.py");

function small(fused: boolean, rng?: Random): Seq2Seq {
  return new Seq2Seq(new Encoder(11, 8, 10, 2, 0.5), new Decoder(13, 8, 10, 2, 0.5), { fused, rng });
}

function loadRef(model: Seq2Seq, r: Map<string, tf.Tensor>): void {
  const state = new Map<string, tf.Tensor>();
  for (const [n] of model.namedParameters()) state.set(n, r.get(n)!);
  model.loadStateDict(state);
}

/** The original lab's loss: criterion(output[1:].view(-1, V), trg[1:].view(-1)), ignore_index = pad (1). */
function seedLoss(output: tf.Tensor3D, trg: tf.Tensor2D): tf.Scalar {
  const [len, b, v] = output.shape;
  return crossEntropy(
    tf.reshape(tf.slice(output, [1, 0, 0], [len - 1, b, v]), [-1, v]) as tf.Tensor2D,
    tf.reshape(tf.slice(trg, [1, 0], [len - 1, b]), [-1]) as tf.Tensor1D,
    { ignoreIndex: 1 },
  );
}

test("parameter names and order are PyTorch's state_dict keys", () => {
  const m = small(true, new Random(1));
  const names = m.namedParameters().map(([n]) => n);
  assert.equal(names.slice(0, 3), ["encoder.embedding.weight", "encoder.rnn.weight_ih_l0", "encoder.rnn.weight_hh_l0"]);
  assert.ok(names.includes("encoder.rnn.bias_hh_l1"));
  assert.equal(names.slice(-2), ["decoder.fc_out.weight", "decoder.fc_out.bias"]);
  if (!ref) return;
  const torchNames = [...ref.keys()].filter((k) => k.startsWith("encoder.") || k.startsWith("decoder."));
  assert.equal(names, torchNames);
  for (const [n, p] of m.namedParameters()) assert.equal(p.shape, ref.get(n)!.shape, n);
});

test("PyTorch-style field assignment (this.embedding = new Embedding(…)) registers the original lab's names, order and values", () => {
  // Written as the original notebook does: no registerModule, fields named as in PyTorch.
  class PtEncoder extends Module {
    hid_dim: number;
    n_layers: number;
    embedding: Embedding;
    rnn: LSTM;
    dropout: Dropout;
    constructor(input_dim: number, emb_dim: number, hid_dim: number, n_layers: number, dropout: number) {
      super();
      this.hid_dim = hid_dim;
      this.n_layers = n_layers;
      this.embedding = new Embedding(input_dim, emb_dim);
      this.rnn = new LSTM(emb_dim, hid_dim, n_layers, { dropout });
      this.dropout = new Dropout(dropout);
    }
  }
  class PtDecoder extends Module {
    output_dim: number;
    embedding: Embedding;
    rnn: LSTM;
    fc_out: Linear;
    dropout: Dropout;
    constructor(output_dim: number, emb_dim: number, hid_dim: number, n_layers: number, dropout: number) {
      super();
      this.output_dim = output_dim;
      this.embedding = new Embedding(output_dim, emb_dim);
      this.rnn = new LSTM(emb_dim, hid_dim, n_layers, { dropout });
      this.fc_out = new Linear(hid_dim, output_dim);
      this.dropout = new Dropout(dropout);
    }
  }
  class PtSeq2Seq extends Module {
    constructor(
      public encoder: PtEncoder,
      public decoder: PtDecoder,
    ) {
      super();
    }
  }
  const pt = new PtSeq2Seq(new PtEncoder(11, 8, 10, 2, 0.5), new PtDecoder(13, 8, 10, 2, 0.5));
  const ours = small(true, new Random(1));
  const names = pt.namedParameters().map(([n, p]) => [n, p.shape]);
  assert.equal(
    names,
    ours.namedParameters().map(([n, p]) => [n, p.shape]),
  );
  assert.equal(
    pt.namedChildren().map(([n]) => n),
    ["encoder", "decoder"],
  );
  assert.equal(
    pt.decoder.namedChildren().map(([n]) => n),
    ["embedding", "rnn", "fc_out", "dropout"],
  );
  assert.is(countParameters(pt), 3695);
  pt.apply((m) => initWeights(m, new Random(5)));
  ours.apply((m) => initWeights(m, new Random(5)));
  for (const [[n, a], [, b]] of pt.namedParameters().map((x, i) => [x, ours.namedParameters()[i]] as const))
    assert.is(maxAbsDiff(a, b), 0, n);
  if (ref) {
    const torchNames = [...ref.keys()].filter((k) => k.startsWith("encoder.") || k.startsWith("decoder."));
    assert.equal(
      pt.namedParameters().map(([n]) => n),
      torchNames,
    );
  }
  pt.dispose();
  ours.dispose();
});

test("countParameters equals PyTorch's count (small model and the original lab's 7853/5893 sizes)", () => {
  assert.is(countParameters(small(true, new Random(1))), 3695); // hand-derived below
  // 11·8 + 13·8 embeddings; LSTM l0: 40·8 + 40·10 + 2·40, l1: 40·10 + 40·10 + 2·40 (×2 for enc/dec); fc 13·10 + 13
  assert.is(11 * 8 + 13 * 8 + 2 * (40 * 8 + 40 * 10 + 80 + 40 * 10 + 40 * 10 + 80) + 13 * 10 + 13, 3695);
  const seed = new Seq2Seq(new Encoder(7853, 256, 512, 2, 0.5), new Decoder(5893, 256, 512, 2, 0.5));
  const n = countParameters(seed);
  seed.dispose();
  assert.is(n, 13898501);
  if (ref) {
    assert.is(ref.get("count_small")!.dataSync()[0], 3695);
    assert.is(ref.get("count_seed")!.dataSync()[0], 13898501);
  }
});

test("initWeights draws every parameter from U(-0.08, 0.08)", () => {
  const m = small(true, new Random(2));
  m.apply((mod) => initWeights(mod));
  let n = 0;
  let sum = 0;
  for (const p of m.parameters())
    for (const v of p.dataSync()) {
      assert.ok(v >= -0.08 && v <= 0.08);
      sum += v;
      n++;
    }
  assert.ok(Math.abs(sum / n) < 0.005, "mean near 0"); // sd of the mean ≈ 0.046/√3695 ≈ 0.0008
});

// wasm runs twice: with the native GEMM (transposed products, no weight transposes) and without it
// (XNNPACK: cached transposed weights, explicit transposes in the backward).
for (const [label, backend, native] of [
  ["cpu", "cpu", false],
  ["wasm+OpenBLAS", "wasm", true],
  ["wasm XNNPACK", "wasm", false],
] as const)
  for (const fused of [true, false])
    test(`${label}, ${fused ? "fused" : "step-by-step"} decoder: logits, loss, gradients, clip norm match PyTorch`, async () => {
      if (!ref) return;
      await initBackend({ backend });
      assert.is(tf.getBackend(), backend);
      if (backend === "wasm") {
        installWasmKernelFixes({ nativeBlas: native });
        assert.is(transposedProductsAreFast(), native, "the path under test is active");
      }
      const model = small(fused);
      loadRef(model, ref);
      model.eval();
      const src = ref.get("src") as tf.Tensor2D;
      const trg = ref.get("trg") as tf.Tensor2D;
      assert.ok(maxAbsDiff(model.forward(src, trg, 1), ref.get("logits_tf1")!) < TOL, "logits, teacher forcing 1");
      assert.ok(maxAbsDiff(model.forward(src, trg, 0), ref.get("logits_tf0")!) < TOL, "logits, argmax feedback");
      const { value, grads } = tf.variableGrads(() => seedLoss(model.forward(src, trg, 1), trg), model.parameters());
      assert.ok(Math.abs(value.dataSync()[0] - ref.get("loss")!.dataSync()[0]) < TOL, "loss");
      for (const [n, p] of model.namedParameters()) {
        const d = maxAbsDiff(grads[p.name], ref.get(`grad.${n}`)!);
        assert.ok(d < TOL, `grad ${n}: ${d}`);
      }
      const norm = clipGradNorm(grads, 0.1);
      assert.ok(Math.abs(norm - ref.get("clip_total_norm")!.dataSync()[0]) < TOL, "total norm");
      for (const [n, p] of model.namedParameters())
        if (ref.has(`clipped.${n}`)) assert.ok(maxAbsDiff(grads[p.name], ref.get(`clipped.${n}`)!) < TOL, `clipped ${n}`);
      tf.dispose(grads);
      model.dispose();
      if (backend === "wasm") installWasmKernelFixes();
      await initBackend({ backend: "cpu" });
    });

test("training mode: fused and step-by-step decoders draw the same masks and coins and agree", () => {
  const results: Array<{ out: Float32Array; grads: Map<string, Float32Array> }> = [];
  for (const fused of [true, false]) {
    const m = small(fused, new Random(11));
    m.apply((mod) => initWeights(mod, new Random(3)));
    // The process-wide generator draws the dropout masks: reseed it identically for both.
    manualSeed(99);
    const src = tf.tensor2d(
      [
        [2, 3, 4],
        [5, 6, 7],
        [8, 9, 10],
      ],
      [3, 3],
      "int32",
    );
    const trg = tf.tensor2d(
      [
        [2, 2, 2],
        [3, 4, 5],
        [6, 7, 8],
        [9, 10, 11],
        [12, 3, 1],
      ],
      [5, 3],
      "int32",
    );
    const w = tf.randomNormal([5, 3, 13], 0, 1, "float32", 5);
    let out!: Float32Array;
    const { grads } = tf.variableGrads(() => {
      const o = m.forward(src, trg, 0.5);
      out = o.dataSync() as Float32Array;
      return tf.sum(tf.mul(o, w)) as tf.Scalar;
    }, m.parameters());
    results.push({ out, grads: new Map(m.namedParameters().map(([n, p]) => [n, grads[p.name].dataSync() as Float32Array])) });
  }
  const [a, b] = results;
  let d = 0;
  a.out.forEach((v, i) => (d = Math.max(d, Math.abs(v - b.out[i]))));
  assert.ok(d < 1e-5, `outputs differ by ${d}`);
  for (const [n, g] of a.grads) {
    const h = b.grads.get(n)!;
    let e = 0;
    g.forEach((v, i) => (e = Math.max(e, Math.abs(v - h[i]))));
    assert.ok(e < 1e-5, `${n} grads differ by ${e}`);
  }
});

test("teacher forcing: ratio 1 feeds trg[t], ratio 0 feeds the argmax (checked step by step)", () => {
  const m = small(true, new Random(4));
  m.apply((mod) => initWeights(mod, new Random(5)));
  m.eval();
  const src = tf.tensor2d(
    [
      [2, 3],
      [4, 5],
    ],
    [2, 2],
    "int32",
  );
  const trg = tf.tensor2d(
    [
      [2, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ],
    [4, 2],
    "int32",
  );
  const check = (ratio: number, pick: (t: number, out: tf.Tensor2D) => tf.Tensor1D) => {
    const full = m.forward(src, trg, ratio);
    const [h0, c0] = m.encoder.forward(src);
    let [h, c] = [h0, c0];
    let input = tf.tensor1d([2, 2], "int32");
    assert.equal(Array.from(tf.slice(full, [0, 0, 0], [1, 2, 13]).dataSync()), new Array(26).fill(0), "outputs[0] is zeros");
    for (let t = 1; t < 4; t++) {
      const [out, h2, c2] = m.decoder.forward(input, h, c);
      assert.ok(maxAbsDiff(out, tf.reshape(tf.slice(full, [t, 0, 0], [1, 2, 13]), [2, 13])) < 1e-5, `step ${t}`);
      [h, c] = [h2, c2];
      input = pick(t, out);
    }
  };
  check(1, (t) => tf.tensor1d(Array.from(tf.slice(trg, [t, 0], [1, 2]).dataSync()), "int32"));
  check(0, (_t, out) => tf.tensor1d(Array.from(tf.argMax(out, 1).dataSync()), "int32"));
});

test("training steps and re-created models leak no tensors (weight caches follow their variables)", () => {
  const src = tf.tensor2d(
    [
      [2, 3],
      [4, 5],
    ],
    [2, 2],
    "int32",
  );
  const trg = tf.tensor2d(
    [
      [2, 2],
      [3, 4],
      [5, 6],
    ],
    [3, 2],
    "int32",
  );
  const counts: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const fused of [true, false]) {
      const m = small(fused, new Random(round));
      for (let i = 0; i < 2; i++) {
        const { value, grads } = tf.variableGrads(() => seedLoss(m.forward(src, trg, 0.5), trg), m.parameters());
        // an optimizer-like update invalidates the cached weight layouts
        for (const p of m.parameters()) {
          const next = tf.tidy(() => tf.sub(p, tf.mul(grads[p.name], 0.01)));
          p.assign(next);
          next.dispose();
        }
        tf.dispose(grads);
        value.dispose();
      }
      m.dispose();
    }
    counts.push(tf.memory().numTensors);
  }
  assert.is(counts[1], counts[0], `live tensors per round: ${counts}`);
  assert.is(counts[2], counts[0], `live tensors per round: ${counts}`);
});

test("decodeSequence works with a notebook-written decoder of the original lab's structure", () => {
  // Written as a notebook would (other field names), registered under the original lab's names.
  class NotebookDecoder extends Module {
    output_dim = 13;
    embedding = this.registerModule("embedding", new Embedding(13, 8));
    rnn = this.registerModule("rnn", new LSTM(8, 10, 2, { dropout: 0.5 }));
    fc_out = this.registerModule("fc_out", new Linear(10, 13));
    dropout = this.registerModule("dropout", new Dropout(0.5));
  }
  const ours = small(false, new Random(1));
  ours.apply((m) => initWeights(m, new Random(8)));
  ours.eval();
  const nb = new NotebookDecoder();
  nb.loadStateDict(new Map(ours.decoder.namedParameters().map(([n, p]) => [n, p as tf.Tensor])));
  nb.eval();
  const src = tf.tensor2d(
    [
      [2, 3],
      [4, 5],
    ],
    [2, 2],
    "int32",
  );
  const trg = tf.tensor2d(
    [
      [2, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ],
    [4, 2],
    "int32",
  );
  const [h, c] = ours.encoder.forward(src);
  for (const ratio of [0, 1]) {
    const want = ours.forward(src, trg, ratio);
    const got = decodeSequence(nb, trg, h, c, ratio, new Random(2));
    assert.ok(maxAbsDiff(got, want) < 1e-5, `ratio ${ratio}`);
  }
  assert.throws(() => decodeSequence(new (class extends Module {})(), trg, h, c, 1), /decoder has no parameter embedding\.weight/);
  assert.throws(() => decodeSequence(nb, trg, tf.zeros([1, 2, 10]) as tf.Tensor3D, c, 1), /hidden and cell must be \[2, 2, 10\]/);
});

test("bad input gives clear errors", () => {
  const m = small(true, new Random(6));
  const src = tf.tensor2d([[2, 3]], [1, 2], "int32");
  const trg = tf.tensor2d(
    [
      [2, 2],
      [3, 3],
    ],
    [2, 2],
    "int32",
  );
  assert.throws(() => m.forward(tf.tensor2d([[2, 11]], [1, 2], "int32"), trg), /src: token id 11 is outside the vocabulary \[0, 11\)/);
  assert.throws(
    () =>
      m.forward(
        src,
        tf.tensor2d(
          [
            [2, 2],
            [13, 3],
          ],
          [2, 2],
          "int32",
        ),
      ),
    /token id 13 is outside the vocabulary \[0, 13\)/,
  );
  assert.throws(() => m.forward(src, tf.tensor2d([[2], [3]], [2, 1], "int32")), /batch sizes differ \(2 vs 1\)/);
  assert.throws(() => m.forward(src, tf.tensor2d([[2, 2]], [1, 2], "int32")), /trg needs at least <sos> and one more token/);
  assert.throws(() => m.forward(tf.zeros([0, 2], "int32") as tf.Tensor2D, trg), /empty source/);
  assert.throws(() => m.forward(tf.tensor2d([[2, 3]], [1, 2], "float32"), trg), /must be int32/);
  assert.throws(
    () => new Seq2Seq(new Encoder(5, 4, 6, 2, 0), new Decoder(5, 4, 7, 2, 0)),
    /Hidden dimensions of encoder and decoder must be equal/,
  );
  assert.throws(() => new Seq2Seq(new Encoder(5, 4, 6, 2, 0), new Decoder(5, 4, 6, 1, 0)), /equal number of layers/);
});

test.run();
