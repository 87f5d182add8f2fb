import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine";
import { countsCrossEntropy, crossEntropy, pairedCrossEntropy } from "../../lib/nn/losses";
import { forceHeapLoops, nativeBlasStatus, type HeapLoopsKind } from "../../lib/engine";

test.before(async () => {
  await initBackend({ backend: "wasm" });
});

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);
const softmax = (r: number[]) => {
  const e = r.map(Math.exp);
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / s);
};

test("crossEntropy = mean of −log softmax[target] (hand-computed), gradient (softmax − onehot)/N", () => {
  const L = [
    [1, 2, 3],
    [1, 1, 1],
    [0, -2, 4],
  ];
  const T = [2, 0, 1];
  const want = T.map((t, i) => -Math.log(softmax(L[i])[t])).reduce((a, b) => a + b) / 3;
  const logits = tf.tensor2d(L);
  const targets = tf.tensor1d(T, "int32");
  close(crossEntropy(logits, targets).dataSync()[0], want);
  const g = tf
    .grad((l: tf.Tensor) => crossEntropy(l as tf.Tensor2D, targets))(logits)
    .arraySync() as number[][];
  L.forEach((r, i) => softmax(r).forEach((p, j) => close(g[i][j], (p - (j === T[i] ? 1 : 0)) / 3)));
});

test("ignoreIndex (default -100, as PyTorch) drops rows from the mean and the gradient; all ignored → NaN", () => {
  const L = [
    [1, 2, 3],
    [5, 1, 1],
    [0, -2, 4],
  ];
  const logits = tf.tensor2d(L);
  const t1 = tf.tensor1d([2, -100, 1], "int32");
  const want = (-Math.log(softmax(L[0])[2]) - Math.log(softmax(L[2])[1])) / 2;
  close(crossEntropy(logits, t1).dataSync()[0], want);
  const g = tf
    .grad((l: tf.Tensor) => crossEntropy(l as tf.Tensor2D, t1))(logits)
    .arraySync() as number[][];
  assert.equal(g[1], [0, 0, 0]);
  close(g[0][2], (softmax(L[0])[2] - 1) / 2);
  const t2 = tf.tensor1d([2, 1, 1], "int32");
  close(crossEntropy(logits, t2, { ignoreIndex: 1 }).dataSync()[0], -Math.log(softmax(L[0])[2]));
  assert.ok(Number.isNaN(crossEntropy(logits, tf.tensor1d([1, 1, 1], "int32"), { ignoreIndex: 1 }).dataSync()[0]));
});

for (const backend of ["wasm", "cpu"] as const)
  for (const fused of [true, false])
    test(`${backend}, ${fused ? "fused kernel" : "tensor ops"}: crossEntropy and pairedCrossEntropy by hand, ignored rows`, async () => {
      await tf.setBackend(backend);
      const L = [
        [1, 2, 3],
        [5, 1, 1],
        [0, -2, 4],
        [9, 9, -9],
      ];
      const logits = tf.tensor2d(L);
      // crossEntropy with row 1 ignored
      const t = tf.tensor1d([2, -100, 1, 0], "int32");
      const ce = tf.valueAndGrad((l: tf.Tensor) => crossEntropy(l as tf.Tensor2D, t, { fused }))(logits);
      const want = (-Math.log(softmax(L[0])[2]) - Math.log(softmax(L[2])[1]) - Math.log(softmax(L[3])[0])) / 3;
      close(ce.value.dataSync()[0], want);
      const g = ce.grad.arraySync() as number[][];
      assert.equal(g[1], [0, 0, 0]);
      [
        [0, 2],
        [2, 1],
        [3, 0],
      ].forEach(([r, tt]) => softmax(L[r]).forEach((p, j) => close(g[r][j], (p - (j === tt ? 1 : 0)) / 3)));
      // pairs reusing rows: (0,2), (0,2), (3,1), (0,0); row 1 and 2 unused
      const rows = Int32Array.from([0, 0, 3, 0]),
        tg = Int32Array.from([2, 2, 1, 0]);
      const pc = tf.valueAndGrad((l: tf.Tensor) => pairedCrossEntropy(l as tf.Tensor2D, rows, tg, { fused }))(logits);
      const wantP = (-2 * Math.log(softmax(L[0])[2]) - Math.log(softmax(L[3])[1]) - Math.log(softmax(L[0])[0])) / 4;
      close(pc.value.dataSync()[0], wantP);
      const gp = pc.grad.arraySync() as number[][];
      assert.equal(
        [gp[1], gp[2]],
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
      );
      softmax(L[0]).forEach((p, j) => close(gp[0][j], (3 * p - (j === 2 ? 2 : 0) - (j === 0 ? 1 : 0)) / 4));
      softmax(L[3]).forEach((p, j) => close(gp[3][j], (p - (j === 1 ? 1 : 0)) / 4));
      // An upstream gradient ≠ 1 scales the gradient (the fused kernel's shortcut is only for dy = 1).
      const g25 = tf
        .grad((l: tf.Tensor) => tf.mul(pairedCrossEntropy(l as tf.Tensor2D, rows, tg, { fused }), 2.5))(logits)
        .arraySync() as number[][];
      g25.forEach((r, i) => r.forEach((v, j) => close(v, 2.5 * gp[i][j])));
      assert.ok(Number.isNaN(pairedCrossEntropy(logits, new Int32Array(0), new Int32Array(0), { fused }).dataSync()[0]));
      await tf.setBackend("wasm");
    });

test("crossEntropy bad input: out-of-range target, float targets, mismatched lengths", () => {
  const logits = tf.zeros([2, 3]) as tf.Tensor2D;
  assert.throws(() => crossEntropy(logits, tf.tensor1d([0, 3], "int32")), /el objetivo 3 de la fila 1 está fuera de \[0, 3\)/);
  assert.throws(
    () => crossEntropy(logits, tf.tensor1d([0, 1])),
    /los objetivos deben ser índices int32 y son float32: conviértalos con tf\.cast/,
  );
  assert.throws(
    () => crossEntropy(logits, tf.tensor1d([0], "int32")),
    /hay 2 filas de predicciones y los objetivos son \[1\], deben ser \[2\]/,
  );
});

/** Value and gradient of pairedCrossEntropy on the C loops (native or WebAssembly) or the JS ones. */
function pairedCE(
  z: ArrayLike<number>,
  shape: [number, number],
  rows: number[],
  targets: number[],
  loops: HeapLoopsKind,
): { value: number; grad: Float32Array } {
  forceHeapLoops(loops);
  try {
    const f = (l: tf.Tensor) => pairedCrossEntropy(l as tf.Tensor2D, Int32Array.from(rows), Int32Array.from(targets));
    const r = tf.valueAndGrad(f)(tf.tensor2d(Float32Array.from(z), shape));
    return { value: r.value.dataSync()[0]!, grad: r.grad.dataSync() as Float32Array };
  } finally {
    forceHeapLoops(undefined);
  }
}

/** The native and WebAssembly builds of the same C: the same bits, value and gradient. */
function sameBits(a: { value: number; grad: Float32Array }, b: { value: number; grad: Float32Array }, what: string): void {
  assert.ok(Object.is(a.value, b.value), `${what}: loss ${a.value} (native) vs ${b.value} (WebAssembly)`);
  const diff = a.grad.findIndex((v, i) => !Object.is(v, b.grad[i]));
  assert.is(diff, -1, `${what}: gradient ${diff} differs: ${a.grad[diff]} (native) vs ${b.grad[diff]} (WebAssembly)`);
}

test("the C cross-entropy loops (native = WebAssembly, bit for bit) and JS agree to float precision, large logits included", () => {
  const st = nativeBlasStatus();
  assert.ok(st.loaded, st.loaded ? "" : `native kernels not built: ${st.reason}`);
  const U = 300,
    C = 997,
    N = 700;
  const z = new Float32Array(U * C);
  let s = 7;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < z.length; i++) z[i] = (rnd() - 0.5) * (i < C ? 2000 : 8); // row 0: logits in ±1000
  const rows = Array.from({ length: N }, (_, i) => (i === 0 ? 0 : Math.floor(rnd() * (U - 10)))); // last rows unused
  const targets = Array.from({ length: N }, () => Math.floor(rnd() * C));
  const c = pairedCE(z, [U, C], rows, targets, "native"),
    js = pairedCE(z, [U, C], rows, targets, "js");
  sameBits(c, pairedCE(z, [U, C], rows, targets, "wasm"), "random logits");
  assert.ok(Number.isFinite(c.value));
  close(c.value, js.value, 1e-6);
  let worst = 0;
  js.grad.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.grad[i]))));
  assert.ok(worst < 1e-8, `max gradient difference ${worst}`); // gradients are ≤ 1/N ≈ 1.4e-3
  for (let i = (U - 5) * C; i < U * C; i++) assert.is(c.grad[i], 0, "unused rows get zero gradient");
});

test("the C loop takes non-finite logits like the JS one: -Infinity is a zero probability, NaN makes the loss NaN", () => {
  const st = nativeBlasStatus();
  assert.ok(st.loaded, st.loaded ? "" : `native kernels not built: ${st.reason}`);
  const C = 37; // not a multiple of the vector width: the tail loop runs too
  const base = Array.from({ length: 3 * C }, (_, i) => Math.sin(i) * 3);
  const run = (z: number[], loops: HeapLoopsKind) => pairedCE(z, [3, C], [0, 1, 2], [4, 5, 6], loops);
  const masked = [...base];
  for (let k = 10; k < 20; k++) masked[C + k] = -Infinity; // row 1: ten masked classes
  const c = run(masked, "native"),
    js = run(masked, "js");
  sameBits(c, run(masked, "wasm"), "masked logits");
  assert.ok(Number.isFinite(c.value), `loss ${c.value}`);
  close(c.value, js.value, 1e-6);
  for (let k = 10; k < 20; k++) assert.is(c.grad[C + k], 0, "a masked class gets no gradient");
  c.grad.forEach((v, i) => close(v, js.grad[i]!, 1e-6));
  const nan = [...base];
  nan[2 * C + 3] = NaN;
  assert.ok(Number.isNaN(run(nan, "native").value), "NaN logit -> NaN loss (native)");
  assert.ok(Number.isNaN(run(nan, "wasm").value), "NaN logit -> NaN loss (WebAssembly: no trap converting NaN)");
  assert.ok(Number.isNaN(run(nan, "js").value), "NaN logit -> NaN loss (JS)");
});

test("countsCrossEntropy over count rows = crossEntropy over the expanded pairs (value and gradient)", () => {
  // Rows are distinct inputs; counts[u][c] = number of pairs (u, c).
  const L = [
    [0.3, -1, 2, 0],
    [1, 1, -0.5, 0.2],
    [0, 0, 0, 3],
  ];
  const counts = [
    [2, 0, 1, 0],
    [0, 0, 0, 0],
    [1, 3, 0, 1],
  ];
  const rows: number[] = [],
    targets: number[] = [];
  counts.forEach((r, u) =>
    r.forEach((n, c) => {
      for (let k = 0; k < n; k++) {
        rows.push(u);
        targets.push(c);
      }
    }),
  );
  const logits = tf.tensor2d(L);
  const naive = (l: tf.Tensor) => crossEntropy(tf.gather(l, tf.tensor1d(rows, "int32")) as tf.Tensor2D, tf.tensor1d(targets, "int32"));
  const grouped = (l: tf.Tensor) => countsCrossEntropy(l as tf.Tensor2D, tf.tensor2d(counts));
  const a = tf.valueAndGrad(naive)(logits);
  const b = tf.valueAndGrad(grouped)(logits);
  close(b.value.dataSync()[0], a.value.dataSync()[0]);
  const ga = a.grad.dataSync(),
    gb = b.grad.dataSync();
  ga.forEach((v, i) => close(gb[i], v));
  assert.throws(() => countsCrossEntropy(logits, tf.zeros([3, 4]) as tf.Tensor2D), /all zero/);
  assert.throws(() => countsCrossEntropy(logits, tf.fill([3, 4], -1) as tf.Tensor2D), /non-negative/);
});

test.run();
