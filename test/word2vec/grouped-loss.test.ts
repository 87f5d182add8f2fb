import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine";
import { Word2Vec } from "../../lib/word2vec/model";
import { groupedPairLoss, perPairLoss } from "../../lib/word2vec/loss";
import { Random } from "../../lib/random";

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
