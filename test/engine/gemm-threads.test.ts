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
