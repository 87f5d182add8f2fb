import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { maxAbsDiff, onBackend, rand } from "./helpers";
import { overriddenKernels } from "../../lib/engine";

// The wasm wrappers (explicit transpose, batches as 2-D products) must give the cpu backend's
// products for every transpose combination, batch shape and the fused variant.
type Case = { a: number[]; b: number[]; tA: boolean; tB: boolean };
const cases: Case[] = [];
for (const tA of [false, true])
  for (const tB of [false, true]) {
    const [m, k, n] = [7, 5, 3];
    const shapeA = (batch: number[]) => [...batch, ...(tA ? [k, m] : [m, k])];
    const shapeB = (batch: number[]) => [...batch, ...(tB ? [n, k] : [k, n])];
    cases.push({ a: shapeA([]), b: shapeB([]), tA, tB });
    cases.push({ a: shapeA([4]), b: shapeB([4]), tA, tB });
    cases.push({ a: shapeA([4]), b: shapeB([1]), tA, tB }); // broadcast b
    cases.push({ a: shapeA([1]), b: shapeB([4]), tA, tB }); // broadcast a
    cases.push({ a: shapeA([2, 3]), b: shapeB([2, 3]), tA, tB });
  }

// Shapes where computing Cᵀ = op(B)ᵀ·op(A)ᵀ moves less data (one operand much larger).
cases.push({ a: [40, 30], b: [40, 2], tA: true, tB: false });
cases.push({ a: [2, 40], b: [300, 40], tA: false, tB: true });
cases.push({ a: [40, 3], b: [5, 40], tA: true, tB: true });
cases.push({ a: [1, 40, 30], b: [1, 40, 2], tA: true, tB: false });
cases.push({ a: [40, 30], b: [1, 40, 2], tA: true, tB: false });

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

test("wasm fixes are installed", async () => {
  await onBackend("wasm", () => 0);
  const o = overriddenKernels().join("\n");
  for (const k of ["wasm/BatchMatMul", "wasm/_FusedMatMul", "wasm/UnsortedSegmentSum", "wasm/Identity"]) assert.ok(o.includes(k), k);
});

for (const c of cases) {
  test(`matMul a[${c.a}] b[${c.b}] transposeA=${c.tA} transposeB=${c.tB}: wasm = cpu`, async () => {
    const A = rand(size(c.a), 3), B = rand(size(c.b), 4);
    const run = () => {
      const r = tf.matMul(tf.tensor(A, c.a), tf.tensor(B, c.b), c.tA, c.tB);
      return { shape: r.shape, data: r.dataSync() };
    };
    const w = await onBackend("wasm", run);
    const p = await onBackend("cpu", run);
    assert.equal(w.shape, p.shape);
    assert.ok(maxAbsDiff(w.data, p.data) < 1e-5, `max diff ${maxAbsDiff(w.data, p.data)}`);
  });
}

test("fused matMul with bias and relu, transposed operands: wasm = cpu", async () => {
  const A = rand(6 * 4, 5), B = rand(3 * 6, 6), bias = rand(3, 7);
  const run = () =>
    tf.fused
      .matMul({ a: tf.tensor2d(A, [6, 4]), b: tf.tensor2d(B, [3, 6]), transposeA: true, transposeB: true, bias: tf.tensor1d(bias), activation: "relu" })
      .dataSync();
  const w = await onBackend("wasm", run);
  const p = await onBackend("cpu", run);
  assert.ok(maxAbsDiff(w, p) < 1e-5);
});

test("no tensors leak from the wrappers", async () => {
  await onBackend("wasm", () => 0);
  const a = tf.tensor(rand(4 * 5 * 6), [4, 5, 6]);
  const before = tf.memory().numBytes;
  for (let i = 0; i < 5; i++) tf.matMul(a, a, true, false).dispose();
  for (let i = 0; i < 5; i++) tf.matMul(a, a, false, true).dispose();
  assert.is(tf.memory().numBytes, before);
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const ids = backend.numDataIds();
  tf.matMul(a, a, true, false).dispose();
  assert.is(backend.numDataIds(), ids, "backend data ids (temporaries) are freed");
  a.dispose();
});

test.run();
