import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { maxAbsDiff, onBackend, rand } from "./helpers";
import { installWasmKernelFixes, nativeBlasStatus, overriddenKernels } from "../../lib/engine";

// Each product runs on both wasm paths: the native OpenBLAS GEMM (when built, as setup.sh does)
// and the XNNPACK-only fallback (for users without it).
const PATHS = [
  { name: "wasm+OpenBLAS", native: true },
  { name: "wasm XNNPACK", native: false },
];
async function onWasmPath<T extends tf.TensorContainer>(native: boolean, f: () => T): Promise<T> {
  await onBackend("wasm", () => 0);
  installWasmKernelFixes({ nativeBlas: native });
  try {
    return await onBackend("wasm", f);
  } finally {
    installWasmKernelFixes();
  }
}

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

test("the native OpenBLAS GEMM is built and loaded (npm run build:native; scripts/setup.sh builds it)", () => {
  const s = nativeBlasStatus();
  assert.ok(s.loaded, s.loaded ? "" : `not loaded: ${s.reason}`);
});

for (const path of PATHS)
  for (const c of cases) {
    test(`${path.name}: matMul a[${c.a}] b[${c.b}] transposeA=${c.tA} transposeB=${c.tB} = cpu`, async () => {
      const A = rand(size(c.a), 3),
        B = rand(size(c.b), 4);
      const run = () => {
        const r = tf.matMul(tf.tensor(A, c.a), tf.tensor(B, c.b), c.tA, c.tB);
        return { shape: r.shape, data: r.dataSync() };
      };
      const w = await onWasmPath(path.native, run);
      const p = await onBackend("cpu", run);
      assert.equal(w.shape, p.shape);
      assert.ok(maxAbsDiff(w.data, p.data) < 1e-5, `max diff ${maxAbsDiff(w.data, p.data)}`);
    });
  }

const fusedCases = [
  { label: "bias [n] and relu, transposed operands", biasShape: [3], activation: "relu" as const, tA: true, tB: true },
  { label: "bias [n], no activation (the LSTM gates)", biasShape: [3], activation: undefined, tA: false, tB: true },
  // (stock tfjs-wasm supports only rank-1 biases; the native path also takes [1, n])
  { label: "bias [1, n], no activation", biasShape: [1, 3], activation: undefined, tA: true, tB: false, nativeOnly: true },
  { label: "no bias, sigmoid", biasShape: null, activation: "sigmoid" as const, tA: false, tB: false },
];
for (const path of PATHS)
  for (const f of fusedCases.filter((c) => path.native || !("nativeOnly" in c))) {
    test(`${path.name}: fused matMul with ${f.label} = cpu`, async () => {
      const A = rand(6 * 4, 5),
        B = rand(3 * 6, 6);
      const bias = f.biasShape ? rand(size(f.biasShape), 7) : null;
      const run = () =>
        tf.fused
          .matMul({
            a: tf.tensor2d(A, f.tA ? [6, 4] : [4, 6]),
            b: tf.tensor2d(B, f.tB ? [3, 6] : [6, 3]),
            transposeA: f.tA,
            transposeB: f.tB,
            bias: bias && f.biasShape ? tf.tensor(bias, f.biasShape) : undefined,
            activation: f.activation,
          })
          .dataSync();
      const w = await onWasmPath(path.native, run);
      const p = await onBackend("cpu", run);
      assert.ok(maxAbsDiff(w, p) < 1e-5, `max diff ${maxAbsDiff(w, p)}`);
    });
  }

test("wasm+OpenBLAS: a product at Seq2Seq sizes ([128,512]·[5893,512]ᵀ) = cpu within float32 rounding", async () => {
  const A = rand(128 * 512, 11),
    B = rand(5893 * 512, 12);
  const run = () => tf.matMul(tf.tensor2d(A, [128, 512]), tf.tensor2d(B, [5893, 512]), false, true).dataSync();
  const w = await onWasmPath(true, run);
  const p = await onBackend("cpu", run);
  assert.ok(maxAbsDiff(w, p) < 1e-3, `max diff ${maxAbsDiff(w, p)}`); // sums of 512 products of |x| < 1
});

test("the binding refuses arrays smaller than their dimensions, and non-Float32Arrays", () => {
  const s = nativeBlasStatus();
  if (!s.loaded) throw new Error(`native GEMM not loaded: ${s.reason}`);
  const c = new Float32Array(4);
  assert.throws(() => s.blas.sgemm(new Float32Array(3), new Float32Array(4), c, 2, 2, 2, false, false), /smaller than its m\/n\/k/);
  assert.throws(() => s.blas.sgemm(new Float32Array(4), new Float32Array(4), new Float32Array(3), 2, 2, 2, false, false), /smaller/);
  assert.throws(
    () => s.blas.sgemm(new Float64Array(4) as unknown as Float32Array, new Float32Array(4), c, 2, 2, 2, false, false),
    /a must be a Float32Array/,
  );
  assert.throws(() => s.blas.sgemm(new Float32Array(4), new Float32Array(4), c, -1, 2, 2, false, false), /m must be an integer/);
  // k = 0: the product of empty sums is zero (BLAS would leave stale memory with beta 0).
  const z = new Float32Array([5, 5, 5, 5]);
  s.blas.sgemm(new Float32Array(0), new Float32Array(0), z, 2, 2, 0, false, false);
  assert.equal([...z], [0, 0, 0, 0]);
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
