import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, overriddenKernels } from "../../lib/engine";
import { wasmHeapMemory } from "../../lib/engine/heap-growth";
import { bits, onBackend, rand, stock } from "./helpers";

/** The gathered values as bit patterns (float32) or integers, with the shape. */
function gathered(x: () => tf.Tensor, indices: () => tf.Tensor, axis: number, batchDims = 0): { shape: number[]; v: number[] } {
  return tf.tidy(() => {
    const g = tf.gather(x(), indices(), axis, batchDims);
    return { shape: g.shape, v: g.dtype === "float32" ? bits(g.dataSync()) : Array.from(g.dataSync()) };
  });
}

test.before(async () => {
  await initBackend({ backend: "wasm" });
});

test("GatherV2 is overridden on wasm", () => {
  assert.match(overriddenKernels().join("\n"), "wasm/GatherV2: block copies");
});

const CASES: Array<{ name: string; shape: number[]; dtype: "float32" | "int32"; idx: number[]; idxShape: number[]; axis: number }> = [
  { name: "embedding rows, 1-D ids", shape: [7, 5], dtype: "float32", idx: [3, 0, 6, 3], idxShape: [4], axis: 0 },
  { name: "embedding rows, [1, B] ids", shape: [9, 4], dtype: "float32", idx: [8, 1, 1, 0, 5], idxShape: [1, 5], axis: 0 },
  { name: "[T, B] ids", shape: [11, 3], dtype: "float32", idx: [1, 2, 3, 4, 5, 10], idxShape: [3, 2], axis: 0 },
  { name: "middle axis", shape: [4, 6, 3], dtype: "float32", idx: [5, 0, 2], idxShape: [3], axis: 1 },
  { name: "last axis (negative)", shape: [4, 6, 3], dtype: "float32", idx: [2, 2, 0, 1], idxShape: [2, 2], axis: -1 },
  { name: "int32 table", shape: [6, 2], dtype: "int32", idx: [5, 4, 0], idxShape: [3], axis: 0 },
  { name: "no indices", shape: [6, 2], dtype: "float32", idx: [], idxShape: [0], axis: 0 },
];

for (const c of CASES)
  test(`GatherV2 ${c.name}: the same values as the stock wasm kernel and the cpu backend`, async () => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const values = c.dtype === "float32" ? rand(n, 7) : Int32Array.from({ length: n }, (_, i) => i * 3 - 5);
    const x = () => tf.tensor(values, c.shape, c.dtype);
    const ids = () => tf.tensor(c.idx, c.idxShape, "int32");
    const ours = gathered(x, ids, c.axis);
    assert.equal(
      ours,
      stock(() => gathered(x, ids, c.axis)),
    );
    assert.equal(ours, await onBackend("cpu", () => gathered(x, ids, c.axis)));
  });

test("GatherV2 with batchDims goes to the stock kernel and agrees with the cpu backend", async () => {
  const x = () => tf.tensor(rand(24, 3), [2, 4, 3]);
  const ids = () =>
    tf.tensor(
      [
        [3, 0],
        [1, 1],
      ],
      [2, 2],
      "int32",
    );
  const ours = gathered(x, ids, 1, 1);
  assert.equal(
    ours,
    stock(() => gathered(x, ids, 1, 1)),
  );
  assert.equal(ours, await onBackend("cpu", () => gathered(x, ids, 1, 1)));
});

test("an index out of range fails with the stock kernel's message, and nothing leaks", () => {
  const x = tf.tensor(rand(12, 1), [4, 3]);
  for (const bad of [4, -1]) {
    const ids = tf.tensor1d([0, bad], "int32");
    const before = tf.memory().numTensors;
    let ours = "";
    let theirs = "";
    try {
      tf.gather(x, ids);
    } catch (e) {
      ours = (e as Error).message;
    }
    stock(() => {
      try {
        tf.gather(x, ids);
      } catch (e) {
        theirs = (e as Error).message;
      }
    });
    assert.is(ours, `GatherV2: the index value ${bad} is not in [0, 3]`);
    assert.is(ours, theirs);
    assert.is(tf.memory().numTensors, before);
    ids.dispose();
  }
  x.dispose();
});

test("an output that grows the heap still gets the right rows", () => {
  const heap = () => wasmHeapMemory(tf.backend())!.buffer.byteLength;
  const inner = 2 ** 20; // 4 MiB rows
  const x = tf.tensor(rand(3 * inner, 5), [3, inner]);
  const rows = Math.ceil(heap() / (4 * inner)) + 1; // more than the whole heap holds
  const idx = Int32Array.from({ length: rows }, (_, i) => (i * 2 + 1) % 3);
  const before = heap();
  const g = tf.gather(x, tf.tensor1d(idx, "int32"));
  assert.ok(heap() > before, "the heap grew");
  const want = x.dataSync();
  const got = g.dataSync();
  for (const i of [0, 1, rows - 1])
    for (const j of [0, 12345, inner - 1]) assert.is(got[i * inner + j], want[idx[i] * inner + j], `row ${i}, column ${j}`);
  tf.dispose([x, g]);
});

test.run();
