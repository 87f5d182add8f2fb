import { test } from "uvu";
import * as assert from "uvu/assert";
import { nativeBlasStatus, type NativeBlas } from "../../lib/engine/kernels/native-blas";
import { rand } from "./helpers";

// The native GEMM must give the same bits whatever its thread count, so that a notebook prints the
// same losses on a laptop, with `--jobs 1` (two GEMM threads here) and with `--jobs 2` (one).
// OpenBLAS alone did not: its K blocking differs between its single- and multi-threaded drivers.

function blas(): NativeBlas {
  const s = nativeBlasStatus();
  if (!s.loaded) throw new Error(`native GEMM not loaded: ${s.reason}`);
  return s.blas;
}

interface Product {
  m: number;
  n: number;
  k: number;
  tA: boolean;
  tB: boolean;
  beta: 0 | 1;
}

function product(b: NativeBlas, p: Product, threads: number): Float32Array {
  const c = rand(p.m * p.n, 3);
  const before = b.threads();
  b.setThreads(threads);
  try {
    b.sgemm(rand(p.m * p.k, 1), rand(p.k * p.n, 2), c, p.m, p.n, p.k, p.tA, p.tB, p.beta);
  } finally {
    b.setThreads(before);
  }
  return c;
}

const label = (p: Product) => `[${p.m},${p.k}]${p.tA ? "ᵀ" : ""}·[${p.k},${p.n}]${p.tB ? "ᵀ" : ""}${p.beta ? " + C" : ""}`;

// The Seq2Seq weight gradient that differed in 68% of its elements, the other training shapes, and
// K around the slice sizes (128, 256) and OpenBLAS's block sizes (a few hundred).
const shapes: Product[] = [
  { m: 2048, n: 512, k: 3128, tA: true, tB: false, beta: 0 },
  { m: 128, n: 2048, k: 1024, tA: false, tB: true, beta: 1 },
  { m: 128, n: 512, k: 5893, tA: false, tB: false, beta: 0 },
  { m: 5893, n: 512, k: 128, tA: true, tB: false, beta: 0 },
  { m: 3066, n: 50, k: 3085, tA: false, tB: false, beta: 0 },
  ...[129, 255, 256, 257, 300, 383, 385, 700, 1000, 1100].map((k, i) => ({
    m: 300,
    n: 200,
    k,
    tA: i % 2 === 1,
    tB: i % 3 === 1,
    beta: (i % 2) as 0 | 1,
  })),
];

test("the native GEMM gives the same bits with 1, 2 and 3 threads", () => {
  const b = blas();
  for (const p of shapes) {
    const one = product(b, p, 1);
    for (const t of [2, 3]) {
      const other = product(b, p, t);
      let differ = 0;
      for (let i = 0; i < one.length; i++) if (!Object.is(one[i], other[i])) differ++;
      assert.is(differ, 0, `${label(p)}: ${differ} of ${one.length} elements differ between 1 and ${t} threads`);
    }
  }
});

/** `f` with the binding on `threads` threads, then its thread count as it was. */
function withThreads<T>(b: NativeBlas, threads: number, f: () => T): T {
  const before = b.threads();
  b.setThreads(threads);
  try {
    return f();
  } finally {
    b.setThreads(before);
  }
}

const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

test("the native Adam update gives the same bits with 1, 2 and 3 threads (in place, amsgrad, L2, a tail)", () => {
  const b = blas();
  const n = 3 * 2 ** 17 + 37; // split into parts, with a last part that is not a multiple of 16
  const p = rand(n, 1);
  const g = rand(n, 2);
  const m = rand(n, 3).map((x) => x * 0.1);
  const v = rand(n, 4).map((x) => x * x * 0.01);
  const vmax = v.map((x, i) => (i % 3 === 0 ? x * 2 : x));
  for (const [name, amsgrad, l2, decay, inPlace] of [
    ["Adam", false, 0, 1, false],
    ["AdamW", false, 0, 0.99, false],
    ["Adam, L2 and amsgrad", true, 0.01, 1, false],
    ["Adam in place", false, 0, 1, true],
  ] as const) {
    const run = (threads: number) =>
      withThreads(b, threads, () => {
        const [po, mo, vo] = inPlace ? [p.slice(), m.slice(), v.slice()] : [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
        const vmo = amsgrad ? new Float32Array(n) : null;
        const [pi, mi, vi] = inPlace ? [po, mo, vo] : [p, m, v];
        b.adam(pi, g, mi, vi, amsgrad ? vmax : null, po, mo, vo, vmo, 0.9, 0.999, 1e-8, 1e-3 / 0.1, Math.sqrt(0.001), decay, l2);
        return [po, mo, vo, vmo ?? new Float32Array(0)];
      });
    const one = run(1);
    assert.ok(!sameBits(one[0], p), `${name}: the parameters moved`);
    for (const t of [2, 3]) {
      const other = run(t);
      one.forEach((x, k) => assert.ok(sameBits(x, other[k]), `${name}: output ${k} differs between 1 and ${t} threads`));
    }
  }
});

test("the native softmax cross-entropy gives the same loss and gradient bits with 1, 2 and 3 threads", () => {
  const b = blas();
  const [U, C] = [1664, 5893]; // the loss slice of a Seq2Seq batch
  const z = rand(U * C, 5).map((x) => x * 8);
  const pairs = 3000;
  const rows = Int32Array.from({ length: pairs }, (_, i) => (i * 7) % (U - 5)); // the last rows unused
  const targets = Int32Array.from({ length: pairs }, (_, i) => (i * 131) % C);
  const run = (threads: number, withGrad: boolean) =>
    withThreads(b, threads, () => {
      const grad = withGrad ? new Float32Array(U * C).fill(NaN) : null;
      const loss = b.pairedSoftmaxCE(z, U, C, rows, targets, grad);
      return { loss, grad };
    });
  for (const withGrad of [true, false]) {
    const one = run(1, withGrad);
    assert.ok(Number.isFinite(one.loss) && one.loss > 0, `loss ${one.loss}`);
    if (one.grad) assert.ok(one.grad.every(Number.isFinite), "the gradient is written everywhere, unused rows as zeros");
    for (const t of [2, 3]) {
      const other = run(t, withGrad);
      assert.ok(Object.is(one.loss, other.loss), `loss with 1 and ${t} threads: ${one.loss} vs ${other.loss}`);
      if (one.grad && other.grad) assert.ok(sameBits(one.grad, other.grad), `gradient differs between 1 and ${t} threads`);
    }
  }
});

// K is handed to OpenBLAS in slices; each transpose layout addresses a slice differently.
test("the native GEMM = float64 sums within float32 rounding for every transpose, K cut in slices", () => {
  const b = blas();
  for (const tA of [false, true])
    for (const tB of [false, true])
      for (const k of [1, 128, 200, 256, 600, 3128]) {
        const p: Product = { m: 37, n: 29, k, tA, tB, beta: 1 };
        const a = rand(p.m * k, 1);
        const bb = rand(k * p.n, 2);
        const c0 = rand(p.m * p.n, 3);
        const got = product(b, p, 2);
        for (let i = 0; i < p.m; i++)
          for (let j = 0; j < p.n; j++) {
            let sum = c0[i * p.n + j]!;
            let mag = Math.abs(sum);
            for (let q = 0; q < k; q++) {
              const x = (tA ? a[q * p.m + i]! : a[i * k + q]!) * (tB ? bb[j * k + q]! : bb[q * p.n + j]!);
              sum += x;
              mag += Math.abs(x);
            }
            const err = Math.abs(got[i * p.n + j]! - sum);
            if (err > 2 * k * 2 ** -24 * mag + 1e-30)
              assert.unreachable(`${label(p)} [${i},${j}]: ${got[i * p.n + j]} vs ${sum} (error ${err}, bound ${2 * k * 2 ** -24 * mag})`);
          }
      }
});

test.run();
