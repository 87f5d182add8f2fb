/**
 * The notebook's Seq2Seq cells before and after issue #15: `tf.stack(outputs)` and
 * `tf.slice(output, 1)` (views on wasm) give the loss and every gradient of the cells they replace
 * (stackRows, rowSlice and their inputs disposed by hand) bit for bit, on wasm and cpu.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import "../../lib/engine/setup";
import { initBackend } from "../../lib/engine";
import { startHeapMeter } from "../../lib/engine/heap-meter";
import { Encoder, Decoder, Seq2Seq, initWeights } from "../../reference/seq2seq/model";
import { crossEntropy } from "../../lib/nn/losses";
import { rowSlice, stackRows } from "../../lib/nn/rows";
import { manualSeed, globalRandom } from "../../lib/random";

/** Seq2Seq.forward as the notebook writes it (step by step, teacher forcing from the global RNG). */
function forward(model: Seq2Seq, src: tf.Tensor2D, trg: tf.Tensor2D, old: boolean): tf.Tensor3D {
  const [trgLen, batch] = trg.shape;
  const outputs: tf.Tensor2D[] = [tf.zeros([batch, model.decoder.outputDim])];
  let [hidden, cell] = model.encoder.forward(src);
  const steps = tf.unstack(trg) as tf.Tensor1D[];
  let input = steps[0];
  for (let t = 1; t < trgLen; t++) {
    let output: tf.Tensor2D;
    [output, hidden, cell] = model.decoder.forward(input, hidden, cell);
    outputs[t] = output;
    const teacherForce = globalRandom.random() < 0.5;
    input = teacherForce ? steps[t] : (tf.argMax(output, 1) as tf.Tensor1D);
  }
  if (!old) return tf.stack(outputs) as tf.Tensor3D;
  const stacked = stackRows<tf.Tensor3D>(outputs);
  tf.dispose(outputs);
  return stacked;
}

/** One training step's loss and gradients (float32 bit patterns), old or new cells. */
function step(old: boolean): number[][] {
  manualSeed(7);
  const model = new Seq2Seq(new Encoder(17, 8, 12, 2, 0.5), new Decoder(19, 8, 12, 2, 0.5), { fused: false });
  model.apply((m) => initWeights(m));
  const src = tf.tensor2d(
    Array.from({ length: 9 * 4 }, (_, i) => (i * 7) % 17),
    [9, 4],
    "int32",
  );
  const trg = tf.tensor2d(
    Array.from({ length: 11 * 4 }, (_, i) => (i * 5) % 19),
    [11, 4],
    "int32",
  );
  const { value, grads } = tf.variableGrads(() => {
    const output = forward(model, src, trg, old);
    const dim = output.shape[2];
    let out: tf.Tensor2D;
    let tgt: tf.Tensor1D;
    if (old) {
      out = tf.reshape(rowSlice(output, 1, output.shape[0] - 1), [-1, dim]) as tf.Tensor2D;
      output.dispose();
      tgt = tf.reshape(rowSlice(trg, 1, trg.shape[0] - 1), [-1]) as tf.Tensor1D;
    } else {
      out = tf.reshape(tf.slice(output, 1), [-1, dim]) as tf.Tensor2D;
      tgt = tf.reshape(tf.slice(trg, 1), [-1]) as tf.Tensor1D;
    }
    return crossEntropy(out, tgt, { ignoreIndex: 1 });
  }, model.parameters());
  const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
  const out = [bits(value), ...model.parameters().map((p) => bits(grads[p.name]))];
  tf.dispose([value, src, trg, ...Object.values(grads)]);
  model.dispose();
  return out;
}

for (const backend of ["wasm", "cpu"] as const)
  test(`${backend}: tf.stack + tf.slice cells = stackRows + rowSlice cells, loss and gradients bit for bit`, async () => {
    await initBackend({ backend });
    step(true); // (first use: kernels and caches set up)
    let before = tf.memory().numTensors;
    const old = step(true);
    assert.is(tf.memory().numTensors, before, "old cells: no tensor left behind");
    before = tf.memory().numTensors;
    // The heap after a step: the new cells leave what the old ones leave (per-model caches that the
    // next step replaces), nothing more.
    const heapAfter = (old: boolean) => {
      const m = startHeapMeter();
      step(old);
      m.stop();
      return { live: m.live, unknownFrees: m.unknownFrees };
    };
    if (backend === "wasm") assert.equal(heapAfter(false), heapAfter(true));
    const now = step(false);
    assert.is(now.length, old.length);
    assert.ok(old[0].length === 1 && old.length > 10);
    now.forEach((g, i) => assert.equal(g, old[i], `output ${i} differs`));
    assert.is(tf.memory().numTensors, before, "no tensor left behind");
  });

test.run();
