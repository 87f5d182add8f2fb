import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine";
import { Word2Vec } from "../../lib/word2vec/model";
import { groupedPairLoss, perPairLoss } from "../../lib/word2vec/loss";
import { Random } from "../../lib/random";
import { Word2VecBatch } from "../../lib/word2vec/batch";
import { crossEntropy } from "../../lib/nn/losses";

// A batch with repeated contexts, repeated (context, center) pairs and unused vocabulary words.
function batch(n: number, vocab: number, seed: number) {
  const r = new Random(seed);
  const center = new Int32Array(n),
    context = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    context[i] = r.int(Math.ceil(vocab / 3)); // few distinct contexts
    center[i] = r.random() < 0.3 ? context[i] : r.int(vocab);
  }
  return { center, context };
}

// Independent reference: the per-pair loss and gradients computed in float64 by hand
// (logits = E[ctx]·Wᵀ; dL/dlogits = (softmax − onehot)/B; dW = dLᵀ·h; dE[ctx] += dL·W).
function reference(model: Word2Vec, b: { center: Int32Array; context: Int32Array }) {
  const E = model.embed.weight.arraySync() as number[][];
  const W = model.expand.weight.arraySync() as number[][];
  const V = W.length,
    D = W[0].length,
    B = b.center.length;
  const dE = E.map((r) => r.map(() => 0)),
    dW = W.map((r) => r.map(() => 0));
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const h = E[b.context[i]];
    const z = W.map((w) => w.reduce((s, v, k) => s + v * h[k], 0));
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    loss += (lse - z[b.center[i]]) / B;
    for (let c = 0; c < V; c++) {
      const g = (Math.exp(z[c] - lse) - (c === b.center[i] ? 1 : 0)) / B;
      for (let k = 0; k < D; k++) {
        dW[c][k] += g * h[k];
        dE[b.context[i]][k] += g * W[c][k];
      }
    }
  }
  return { loss, dE, dW };
}

for (const backend of ["wasm", "cpu"] as const)
  for (const fused of [true, false])
    test(`${backend}, ${fused ? "fused JS kernel" : "tensor ops"}: batch loss and gradients = the per-pair computation`, async () => {
      await initBackend({ backend: "wasm" });
      await tf.setBackend(backend);
      const model = new Word2Vec(23, 5, { rng: new Random(7) });
      const b = batch(300, 23, 11);
      const vars = model.parameters();
      const g = tf.variableGrads(() => groupedPairLoss(model, b, { fused }), vars);
      const p = tf.variableGrads(() => perPairLoss(model, b), vars);
      const ref = reference(model, b);
      const close = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) <= 2e-5 * (1 + Math.abs(y)), `${what}: ${x} vs ${y}`);
      close(g.value.dataSync()[0], ref.loss, "grouped loss");
      close(p.value.dataSync()[0], ref.loss, "per-pair loss");
      const [eName, wName] = [model.embed.weight.name, model.expand.weight.name];
      for (const [grads, label] of [
        [g.grads, "grouped"],
        [p.grads, "per-pair"],
      ] as const) {
        const dE = grads[eName].arraySync() as number[][],
          dW = grads[wName].arraySync() as number[][];
        ref.dE.forEach((r, i) => r.forEach((v, k) => close(dE[i][k], v, `${label} dE[${i}][${k}]`)));
        ref.dW.forEach((r, i) => r.forEach((v, k) => close(dW[i][k], v, `${label} dW[${i}][${k}]`)));
      }
      // Unused rows of the embedding get exactly zero gradient.
      const used = new Set(b.context);
      const dE = g.grads[eName].arraySync() as number[][];
      dE.forEach((r, i) => {
        if (!used.has(i)) assert.equal(r, [0, 0, 0, 0, 0]);
      });
      tf.dispose([g.value, p.value, ...Object.values(g.grads), ...Object.values(p.grads)]);
      model.dispose();
      await tf.setBackend("wasm");
    });

for (const backend of ["wasm", "cpu"] as const)
  test(`${backend}: the notebook's two lines on a grouped batch equal groupedPairLoss bit for bit`, async () => {
    await initBackend({ backend: "wasm" });
    await tf.setBackend(backend);
    const model = new Word2Vec(23, 5, { rng: new Random(3) });
    const pairs = batch(400, 23, 5);
    const vars = model.parameters();
    const grouped = new Word2VecBatch(pairs, 23);
    const before = tf.memory().numTensors;
    // logits = model(input_=context); loss = loss_fn(logits, center)
    const n = tf.variableGrads(() => {
      const logits = model.forward(grouped.context);
      return crossEntropy(logits, grouped.center);
    }, vars);
    const g = tf.variableGrads(() => groupedPairLoss(model, pairs), vars);
    assert.is(n.value.dataSync()[0], g.value.dataSync()[0]);
    for (const v of vars) assert.equal(n.grads[v.name].dataSync(), g.grads[v.name].dataSync(), v.name);
    // and both are the per-pair loss (the independent float64 computation)
    const ref = reference(model, pairs);
    assert.ok(Math.abs(n.value.dataSync()[0] - ref.loss) <= 2e-5 * ref.loss);
    tf.dispose([n.value, g.value, ...Object.values(n.grads), ...Object.values(g.grads)]);
    grouped.dispose();
    assert.is(tf.memory().numTensors, before, "the context tensor (made on first use) is freed with the batch; nothing leaked");
    model.dispose();
    await tf.setBackend("wasm");
  });

test("grouped targets: wrong logits rows, the context as targets, swapped arguments are Spanish errors", async () => {
  await initBackend({ backend: "wasm" });
  const model = new Word2Vec(10, 3);
  const b = new Word2VecBatch({ center: new Int32Array([1, 2, 3, 4]), context: new Int32Array([5, 5, 6, 7]) }, 10);
  const logits = model.forward(b.context);
  assert.equal(logits.shape, [3, 10]);
  assert.throws(() => crossEntropy(logits, b.context), /los objetivos son las palabras de contexto del lote .*loss_fn\(logits, center\)/);
  const perPair = model.forward(tf.tensor1d(b.pairs.context, "int32"));
  assert.throws(
    () => crossEntropy(perPair, b.center),
    /esperan logits \[3, clases\].* son \[4, 10\]: calcúlelas con model.forward\(context\)/,
  );
  assert.throws(
    () => crossEntropy(b.center as unknown as tf.Tensor, logits),
    /las predicciones deben ser un tensor y recibió GroupedTargets/,
  );
  assert.throws(() => crossEntropy(tf.zeros([3, 4]), b.center), /el objetivo 4 del par 3 está fuera de \[0, 4\)/);
  // plain [N] int targets still work
  const plain = crossEntropy(perPair, tf.tensor1d(b.pairs.center, "int32"));
  assert.is(plain.dataSync()[0], crossEntropy(logits, b.center).dataSync()[0]);
  b.dispose();
  model.dispose();
});

test("bad batches: mismatched lengths and ids outside the vocabulary are clear errors", async () => {
  await initBackend({ backend: "wasm" });
  const model = new Word2Vec(10, 3);
  assert.throws(() => groupedPairLoss(model, { center: new Int32Array([1, 2]), context: new Int32Array([1]) }), /2 centers but 1 contexts/);
  assert.throws(
    () => groupedPairLoss(model, { center: new Int32Array([10]), context: new Int32Array([1]) }),
    /word id 10 .* outside \[0, 10\)/,
  );
  model.dispose();
});

test.run();
