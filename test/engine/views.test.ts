import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, installWasmKernelFixes, installWasmViews, overriddenKernels } from "../../lib/engine";
import { sharesMemory, viewSupportProblem } from "../../lib/engine/views";
import { startHeapMeter } from "../../lib/engine/heap-meter";
import { wasmHeapMemory } from "../../lib/engine/heap-growth";
import { bits, rand, stock } from "./helpers";

interface Offsets {
  getMemoryOffset(d: tf.DataId): number;
  numDataIds(): number;
}
const backend = () => tf.backend() as unknown as Offsets;
const offsetOf = (t: tf.Tensor) => backend().getMemoryOffset(t.dataId);

/** Plain values of every tensor `f` returns (disposed), as float32 bit patterns or integers. */
function values(f: () => tf.Tensor[]): number[][] {
  return tf.tidy(() => f().map((t) => (t.dtype === "float32" ? bits(t.dataSync()) : Array.from(t.dataSync()))));
}

test.before(async () => {
  await initBackend({ backend: "wasm" });
});

test("views are installed on wasm: Slice and Pack are overridden", () => {
  const o = overriddenKernels().join("\n");
  assert.match(o, "wasm/Slice: views");
  assert.match(o, "wasm/Pack: one copy");
  assert.is(viewSupportProblem(tf.backend(), "4.22.0"), undefined);
});

test("a contiguous slice shares its input's memory: no allocation, offset into the input", () => {
  const x = tf.tensor3d(rand(5 * 4 * 3), [5, 4, 3]);
  const meter = startHeapMeter();
  try {
    const s = tf.slice(x, 1); // output[1:]
    const r = tf.reshape(s, [-1, 3]);
    const inner = tf.slice(x, [2, 1, 0], [1, 2, 3]); // leading size-1 axis, one ranged axis, full rest
    assert.is(meter.live, 0, "nothing allocated");
    assert.is(offsetOf(s) - offsetOf(x), 4 * 3 * 4);
    assert.is(offsetOf(inner) - offsetOf(x), (2 * 12 + 3) * 4);
    assert.ok(sharesMemory(s.dataId) && sharesMemory(x.dataId));
    // a strided slice is a copy
    const strided = tf.slice(x, [0, 1, 0], [5, 2, 3]);
    assert.is(meter.live, 5 * 2 * 3 * 4);
    assert.ok(!sharesMemory(strided.dataId));
    tf.dispose([s, r, inner, strided]);
    assert.is(meter.live, 0);
  } finally {
    meter.stop();
    x.dispose();
  }
});

test("slices equal the stock kernel's bit for bit (float32, int32, bool; views and copies)", () => {
  const cases = (): tf.Tensor[] => {
    const x = tf.tensor3d(rand(6 * 4 * 5, 7), [6, 4, 5]);
    const i = tf.tensor2d(
      Array.from({ length: 24 }, (_, k) => k * 7 - 50),
      [6, 4],
      "int32",
    );
    const b = tf.tensor2d(
      Array.from({ length: 24 }, (_, k) => k % 3 === 0),
      [6, 4],
      "bool",
    );
    return [
      tf.slice(x, 1),
      tf.slice(x, 2, 3),
      tf.slice(x, [1, 0, 0], [-1, 4, 5]),
      tf.slice(x, [3, 2, 0], [1, 2, 5]),
      tf.slice(x, [3, 2, 1], [1, 1, 3]),
      tf.slice(x, [0, 1, 1], [6, 2, 3]),
      tf.slice(x, [0, 0, 0], [6, 4, 5]),
      tf.slice(i, 1),
      tf.slice(i, [2, 1], [3, 2]),
      tf.slice(b, 2),
      tf.slice(b, [0, 1], [6, 1]),
    ];
  };
  assert.equal(
    values(cases),
    stock(() => values(cases)),
  );
});

test("tf.stack leaves one copy: the parts then read their rows of it, values equal stock", () => {
  const make = () => [0, 1, 2, 3].map((k) => tf.add(tf.tensor2d(rand(3 * 5, k + 1), [3, 5]), k));
  const meter = startHeapMeter();
  const parts = tf.tidy(make);
  try {
    const s = tf.stack(parts);
    assert.equal(
      parts.map((p) => offsetOf(p) - offsetOf(s)),
      [0, 1, 2, 3].map((k) => k * 15 * 4),
    );
    assert.is(meter.live, 4 * 15 * 4, "one copy: the parts' own memory is freed");
    const got = values(() => [s, ...parts, ...tf.unstack(s)]);
    const want = stock(() =>
      values(() => {
        const ps = make();
        return [tf.stack(ps), ...ps, ...tf.unstack(tf.stack(ps))];
      }),
    );
    assert.equal(got, want);
    tf.dispose([s, ...parts]);
  } finally {
    meter.stop();
  }
  const cases = (): tf.Tensor[] => {
    const a = tf.tensor3d(rand(2 * 3 * 4, 3), [2, 3, 4]);
    const b = tf.tensor3d(rand(2 * 3 * 4, 4), [2, 3, 4]);
    const one = tf.tensor3d(rand(3 * 4, 5), [1, 3, 4]);
    const i = tf.tensor1d([1, 2, 3], "int32");
    return [
      tf.stack([a, b]),
      tf.stack([a, b], 1), // (not contiguous: stock)
      tf.stack([a, b], -1),
      tf.stack([one, one, tf.add(one, 1)], 1), // leading size-1 axis: contiguous
      tf.stack([i, tf.add(i, tf.scalar(1, "int32")), i]),
      tf.unstack(tf.stack([a, b]))[1],
      tf.unstack(a, 1)[2],
      tf.unstack(one, 1)[1],
    ];
  };
  assert.equal(
    values(cases),
    stock(() => values(cases)),
  );
});

test("stack of a repeated part and of a variable: values right, the variable keeps its memory", () => {
  const a = tf.tensor1d([1, 2, 3]);
  const v = tf.variable(tf.tensor1d([4, 5, 6]));
  const vOffset = offsetOf(v);
  const s = tf.stack([a, v, a]);
  assert.equal(Array.from(s.dataSync()), [1, 2, 3, 4, 5, 6, 1, 2, 3]);
  assert.is(offsetOf(v), vOffset);
  assert.is(offsetOf(a), offsetOf(s));
  assert.equal(Array.from(a.dataSync()), [1, 2, 3]);
  v.assign(tf.tensor1d([7, 8, 9]));
  assert.equal(Array.from(s.dataSync()), [1, 2, 3, 4, 5, 6, 1, 2, 3]);
  tf.dispose([a, v, s]);
});

test("any disposal order frees everything: heap, data ids and tf.memory back to the start", () => {
  // owner, a view, a view of the view, a reshape (same data), a stack whose parts are views, its unstack
  const build = () => {
    const x = tf.tensor3d(rand(4 * 3 * 2, 9), [4, 3, 2]);
    const v = tf.slice(x, 1);
    const vv = tf.slice(v, 1, 1);
    const r = tf.reshape(v, [-1, 2]);
    const p1 = tf.add(vv, 1);
    const s = tf.stack([p1, vv, tf.slice(x, 0, 1)]);
    const u = tf.unstack(s);
    return [x, v, vv, r, p1, s, ...u];
  };
  const permutations = (n: number): number[][] => {
    // a few orders: forwards, backwards, and 30 pseudo-random shuffles
    const out = [Array.from({ length: n }, (_, i) => i), Array.from({ length: n }, (_, i) => n - 1 - i)];
    let seed = 12345;
    for (let k = 0; k < 30; k++) {
      const p = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const j = seed % (i + 1);
        [p[i], p[j]] = [p[j], p[i]];
      }
      out.push(p);
    }
    return out;
  };
  const start = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, ids: backend().numDataIds() };
  const meter = startHeapMeter();
  try {
    for (const order of permutations(9)) {
      const ts = tf.tidy(build);
      assert.is(ts.length, 9);
      const expected = ts.map((t) => Array.from(t.dataSync()));
      for (let k = 0; k < order.length; k++) {
        ts[order[k]].dispose();
        // everything still alive reads what it read at the start
        for (let j = k + 1; j < order.length; j++) assert.equal(Array.from(ts[order[j]].dataSync()), expected[order[j]]);
      }
      assert.is(meter.live, 0, `order ${order}`);
    }
    assert.is(meter.unknownFrees, 0, "no double free");
  } finally {
    meter.stop();
  }
  assert.equal({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, ids: backend().numDataIds() }, start);
});

test("views survive heap growth: the C++ kernels and readSync read the right bytes", () => {
  const memory = wasmHeapMemory();
  assert.ok(memory, "the wasm heap");
  const x = tf.tensor2d(rand(64 * 8, 11), [64, 8]);
  const v = tf.slice(x, 10, 20);
  const before = Array.from(v.dataSync());
  const size0 = memory.buffer.byteLength;
  const big = tf.zeros([Math.ceil(size0 / 4) + 1024]); // more than the whole heap: it must grow
  assert.ok(memory.buffer.byteLength > size0, "the heap grew");
  x.dispose(); // the view holds the memory now
  assert.equal(Array.from(v.dataSync()), before);
  const doubled = tf.mul(v, 2); // a C++ kernel reading the view through its tensor id
  assert.equal(
    Array.from(doubled.dataSync()),
    before.map((a) => Math.fround(a * 2)),
  );
  tf.dispose([big, v, doubled]);
});

test("gradients through tf.slice, tf.stack and tf.unstack equal the stock kernels' bit for bit", () => {
  const grads = () =>
    tf.tidy(() => {
      const a = tf.tensor3d(rand(5 * 3 * 4, 21), [5, 3, 4]);
      const b = tf.tensor2d(rand(3 * 4, 22), [3, 4]);
      const w = tf.tensor3d(rand(5 * 3 * 4, 23), [5, 3, 4]);
      const f = (x: tf.Tensor, y: tf.Tensor) => {
        const steps = tf.unstack(x);
        const out = tf.stack([y, ...steps.slice(1).map((s) => tf.tanh(tf.add(s, y)))]);
        const tail = tf.reshape(tf.slice(out, 1), [-1, 4]);
        return tf.add(tf.sum(tf.mul(out, w)), tf.sum(tf.square(tail))) as tf.Scalar;
      };
      return tf
        .grads(f)([a, b])
        .map((g) => bits(g.dataSync()));
    });
  assert.equal(grads(), stock(grads));
});

test("fallback: other internals or another version leave Slice and Pack stock, with a one-line notice", () => {
  const b = tf.backend() as unknown as Record<string, unknown>;
  assert.match(viewSupportProblem(b, "4.21.0") ?? "", "is not the pinned 4.22.0");
  const proto = Object.getPrototypeOf(b) as { disposeData: (...a: unknown[]) => unknown };
  const original = proto.disposeData;
  const warn = console.warn;
  const lines: string[] = [];
  console.warn = (...a: unknown[]) => void lines.push(a.join(" "));
  proto.disposeData = function (this: unknown, ...a: unknown[]) {
    return original.apply(this, a);
  };
  try {
    assert.match(viewSupportProblem(b, "4.22.0") ?? "", "disposeData is not as expected");
    const installed = installWasmKernelFixes();
    assert.not.ok(installed.includes("Slice") || installed.includes("Pack"));
    assert.not.match(overriddenKernels().join("\n"), "wasm/Slice");
    installWasmKernelFixes(); // the same problem again: no second notice
    assert.equal(lines, ["lab4: tf.slice/tf.stack copy on wasm (no views): tfjs-backend-wasm 4.22.0: disposeData is not as expected"]);
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const s = tf.slice(x, 1);
    assert.not.ok(offsetOf(s) === offsetOf(x) + 8, "a copy");
    assert.equal(Array.from(s.dataSync()), [3, 4]);
    tf.dispose([x, s]);
    assert.not.ok(installWasmViews({}, "4.22.0"));
  } finally {
    proto.disposeData = original;
    console.warn = warn;
    installWasmKernelFixes();
  }
  assert.match(overriddenKernels().join("\n"), "wasm/Slice");
});

test.run();
