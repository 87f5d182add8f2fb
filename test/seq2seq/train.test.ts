/**
 * train() / evaluate() / epochTime() against the original lab's Python functions run by PyTorch
 * (test/fixtures/torch/seq2seq_train_reference.py): one epoch over two batches with Adam and
 * CLIP = 1 must give the same batch losses and the same parameters afterwards; evaluate() the same
 * loss. Plus the divergence guard (NaN / exploding loss stops, naming epoch and batch, and applies
 * no update).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { Encoder, Decoder, Seq2Seq } from "../../reference/seq2seq/model";
import { train, evaluate, epochTime, crossEntropyLoss, type Criterion, type Seq2SeqBatch } from "../../reference/seq2seq/train";
import { TrainingDivergedError } from "../../lib/optim/diverged";
import { crossEntropy } from "../../lib/nn/losses";
import { Adam } from "../../lib/optim/adam";
import { Random } from "../../lib/random";
import { maxAbsDiff, torchReference } from "../fixtures/torch/run";

tf.setBackend("cpu");

/** A generator whose coin always says "teacher-force" (the fixture patches random.random → 0). */
class Zero extends Random {
  override random(): number {
    return 0;
  }
}

const criterion = (o: tf.Tensor2D, t: tf.Tensor1D) => crossEntropy(o, t, { ignoreIndex: 1 });

function model(fused = true): Seq2Seq {
  return new Seq2Seq(new Encoder(11, 8, 10, 2, 0), new Decoder(13, 8, 10, 2, 0), { rng: new Zero(), fused });
}

function load(m: Seq2Seq, ref: Map<string, tf.Tensor>, prefix: string): void {
  m.loadStateDict(new Map(m.namedParameters().map(([n]) => [n, ref.get(prefix + n)!])));
}

const batchesOf = (ref: Map<string, tf.Tensor>): Seq2SeqBatch[] =>
  [0, 1].map((i) => ({ src: ref.get(`src_${i}`) as tf.Tensor2D, trg: ref.get(`trg_${i}`) as tf.Tensor2D }));

// A plain function takes the original lab's output[1:] path; crossEntropyLoss advertises its ignoreIndex
// and takes the full-output path. Both must give PyTorch's numbers.
const criteria: Array<[string, Criterion]> = [
  ["plain criterion", criterion],
  ["crossEntropyLoss", crossEntropyLoss({ ignoreIndex: 1 })],
];
for (const fused of [true, false])
  for (const [critName, crit] of criteria)
    test(`one train() epoch (${fused ? "fused" : "step-by-step"}, ${critName}) = the original lab's in PyTorch; evaluate too`, async () => {
      const ref = torchReference("seq2seq_train_reference.py");
      if (!ref) return;
      const m = model(fused);
      load(m, ref, "init.");
      const losses: number[] = [];
      const trainLoss = await train(m, batchesOf(ref), new Adam(m.parameters()), crit, 1, {
        onBatch: (_i, l) => losses.push(l),
      });
      const want = Array.from(ref.get("batch_losses")!.dataSync());
      losses.forEach((l, i) => assert.ok(Math.abs(l - want[i]) < 1e-4, `batch ${i}: ${l} vs ${want[i]}`));
      assert.ok(Math.abs(trainLoss - ref.get("train_loss")!.dataSync()[0]) < 1e-4);
      for (const [n, p] of m.namedParameters()) {
        const d = maxAbsDiff(p, ref.get(`final.${n}`)!);
        assert.ok(d < 1e-4, `${n} after the epoch differs by ${d}`);
      }
      const validLoss = await evaluate(m, batchesOf(ref), crit);
      assert.ok(Math.abs(validLoss - ref.get("valid_loss")!.dataSync()[0]) < 1e-4, "valid loss");
      assert.is(m.encoder.training, false, "evaluate() leaves the model in eval mode");
      // evaluate() computes no gradients: the parameters are unchanged.
      for (const [n, p] of m.namedParameters()) assert.ok(maxAbsDiff(p, ref.get(`final.${n}`)!) < 1e-4, n);
    });

test("a NaN or exploding loss stops training naming epoch and batch, before applying the update", async () => {
  const ref = torchReference("seq2seq_train_reference.py");
  if (!ref) return;
  for (const [bad, re] of [
    [NaN, /el entrenamiento se detuvo en la época 3, lote 2: la pérdida es NaN\. Baje el learning rate/],
    [5e3, /época 3, lote 2: la pérdida 5000 supera 1000 \(explota\)/],
  ] as const) {
    const m = model();
    load(m, ref, "init.");
    let calls = 0;
    let before: Float32Array[] = [];
    const crit = (o: tf.Tensor2D, t: tf.Tensor1D): tf.Scalar => {
      calls++;
      if (calls === 2) {
        before = m.parameters().map((p) => p.dataSync() as Float32Array);
        return tf.add(tf.mul(crossEntropy(o, t), 0), bad) as tf.Scalar;
      }
      return crossEntropy(o, t, { ignoreIndex: 1 });
    };
    let err: unknown;
    try {
      await train(m, batchesOf(ref), new Adam(m.parameters()), crit, 1, { epoch: 3 });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof TrainingDivergedError, String(err));
    assert.match((err as Error).message, re);
    assert.is((err as TrainingDivergedError).batch, 2);
    m.parameters().forEach((p, i) => assert.equal(Array.from(p.dataSync()), Array.from(before[i]), "no update applied"));
  }
});

test("evaluate() refuses a NaN loss; empty iterators are errors", async () => {
  const m = model();
  const b = [{ src: tf.tensor2d([[2]], [1, 1], "int32"), trg: tf.tensor2d([[2], [3]], [2, 1], "int32") }];
  let msg = "";
  await evaluate(m, b, () => tf.scalar(NaN), { epoch: 4 }).catch((e: Error) => (msg = e.message));
  assert.match(msg, /época 4, lote 1: la pérdida de validación es NaN/);
  msg = "";
  await train(m, [], new Adam(m.parameters()), criterion, 1).catch((e: Error) => (msg = e.message));
  assert.match(msg, /yielded no batches/);
});

test("epochTime is the original lab's (int minutes, int seconds) of the elapsed time", () => {
  assert.equal(epochTime(0, 125_900), [2, 5]);
  assert.equal(epochTime(1000, 1000 + 59_999), [0, 59]);
  assert.equal(epochTime(0, 3_600_000), [60, 0]);
});

test.run();
