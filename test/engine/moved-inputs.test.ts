import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { maxAbsDiff, onBackend, rand } from "./helpers";

// A tensor made on another backend (e.g. before initBackend() in a notebook) moves to wasm lazily,
// on the first lookup of its data, and the move allocates on the wasm heap. Our JS kernels take
// views of the heap; if the move happened after they allocated their output, the heap could grow
// under views already taken ("detached ArrayBuffer", seen in the notebook's Word2Vec cell).
// Each case makes its inputs on cpu, then runs on wasm with an output larger than the heap so far.

function heapBytes(): number {
  return (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
}

async function onCpuThenWasm(make: () => tf.Tensor[], run: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await onBackend("wasm", () => 0);
  await tf.setBackend("cpu");
  const xs = make();
  await tf.setBackend("wasm");
  try {
    const out = run(xs);
    const list = Array.isArray(out) ? out : [out];
    const data = list.map((t) => t.dataSync() as Float32Array);
    tf.dispose(list);
    return data;
  } finally {
    tf.dispose(xs);
  }
}

test("matMul of cpu-made tensors with an output that grows the heap", async () => {
  await onBackend("wasm", () => 0);
  const n = Math.ceil(Math.sqrt(heapBytes() / 4)) + 64; // [n, n] float32 output > current heap
  const A = rand(n * 8, 1),
    B = rand(8 * n, 2);
  const [w] = await onCpuThenWasm(
    () => [tf.tensor2d(A, [n, 8]), tf.tensor2d(B, [n, 8])],
    ([a, b]) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true),
  );
  const p = await onBackend("cpu", () => tf.matMul(tf.tensor2d(A, [n, 8]), tf.tensor2d(B, [n, 8]), false, true).dataSync());
  assert.ok(maxAbsDiff(w, p) < 1e-5);
});

test("unstack, gather gradient and fused matMul with bias on cpu-made tensors", async () => {
  await onBackend("wasm", () => 0);
  const rows = Math.ceil(heapBytes() / 4 / 64) + 16;
  const X = rand(rows * 64, 3);
  const run = (xs: tf.Tensor[]) => {
    const [x, ids, w, bias] = xs;
    const parts = tf.unstack(x.reshape([rows, 64]));
    const g = tf.grad((t: tf.Tensor) => tf.gather(t, ids as tf.Tensor1D).sum())(x.reshape([rows, 64]));
    const f = tf.fused.matMul({ a: x.reshape([rows, 64]) as tf.Tensor2D, b: w as tf.Tensor2D, bias });
    return [parts[0], parts[rows - 1], g, f];
  };
  const make = () => [
    tf.tensor1d(X),
    tf.tensor1d([0, 2, 2, rows - 1], "int32"),
    tf.tensor2d(rand(64 * 3, 4), [64, 3]),
    tf.tensor1d([1, 2, 3]),
  ];
  const w = await onCpuThenWasm(make, run);
  const p = await onBackend("cpu", () => run(make()).map((t) => t.dataSync() as Float32Array));
  w.forEach((d, i) => assert.ok(maxAbsDiff(d, p[i]) < 1e-4, `output ${i}: ${maxAbsDiff(d, p[i])}`));
});

test.run();
