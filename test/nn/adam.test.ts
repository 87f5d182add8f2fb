import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { initBackend } from "../../lib/engine";
import { Adam, AdamW, type AdamOptions } from "../../lib/optim/adam";
import { forceHeapLoops, nativeBlasStatus, type HeapLoopsKind } from "../../lib/engine";

// Expected values come from PyTorch 1.13 (test/fixtures/adam/make_adam_fixture.py).
interface Fixture {
  shapes: number[][];
  steps: number;
  init: number[][];
  grads: number[][][];
  cases: Array<{
    name: string;
    cls: "Adam" | "AdamW";
    kw: { lr?: number; betas?: [number, number]; eps?: number; weight_decay?: number; amsgrad?: boolean };
    after: number[][][];
  }>;
}
const fx = JSON.parse(readFileSync(resolve(__dirname, "../fixtures/adam/adam-torch.json"), "utf8")) as Fixture;

const mkVar = (v: number[], shape: number[]) => {
  const t = tf.tensor(v, shape);
  const p = tf.variable(t);
  t.dispose();
  return p;
};

function replay(c: Fixture["cases"][number], fused: boolean): number[][][] {
  const params = fx.init.map((v, k) => mkVar(v, fx.shapes[k]));
  const opts: AdamOptions = { fused };
  if (c.kw.lr !== undefined) opts.lr = c.kw.lr;
  if (c.kw.betas) opts.betas = c.kw.betas;
  if (c.kw.eps !== undefined) opts.eps = c.kw.eps;
  if (c.kw.weight_decay !== undefined) opts.weightDecay = c.kw.weight_decay;
  if (c.kw.amsgrad !== undefined) opts.amsgrad = c.kw.amsgrad;
  const opt = c.cls === "Adam" ? new Adam(params, opts) : new AdamW(params, opts);
  const after: number[][][] = [];
  for (let t = 0; t < fx.steps; t++) {
    opt.zeroGrad();
    const grads = new Map(params.map((p, k) => [p.name, tf.tensor(fx.grads[t][k], fx.shapes[k])] as [string, tf.Tensor]));
    opt.step(grads);
    tf.dispose([...grads.values()]);
    after.push(params.map((p) => Array.from(p.dataSync())));
  }
  opt.dispose();
  tf.dispose(params);
  return after;
}

// wasm's fused kernel runs the C loop (native/loops) in the native binding when built, else in the
// WebAssembly module, else the JS loop: all three tested.
const variants = [
  { backend: "cpu", fused: true, loops: "js", label: "cpu, fused kernel" },
  { backend: "cpu", fused: false, loops: "js", label: "cpu, tensor ops" },
  { backend: "wasm", fused: true, loops: "native", label: "wasm, fused kernel in native C" },
  { backend: "wasm", fused: true, loops: "wasm", label: "wasm, fused kernel in WebAssembly C" },
  { backend: "wasm", fused: true, loops: "js", label: "wasm, fused kernel in JS" },
  { backend: "wasm", fused: false, loops: "js", label: "wasm, tensor ops" },
] as const;
for (const vr of variants)
  for (const c of fx.cases)
    test(`${c.name} (${vr.label}) = torch over ${fx.steps} steps`, async () => {
      const { backend, fused } = vr;
      await initBackend({ backend: "wasm" });
      await tf.setBackend(backend);
      forceHeapLoops(vr.loops);
      const before = tf.memory().numTensors;
      const got = replay(c, fused);
      forceHeapLoops(undefined);
      assert.is(tf.memory().numTensors, before, "no leaked tensors");
      for (let t = 0; t < fx.steps; t++)
        for (let k = 0; k < got[t].length; k++)
          got[t][k].forEach((v, i) => {
            const want = c.after[t][k][i];
            assert.ok(Math.abs(v - want) <= 2e-6 * (1 + Math.abs(want)), `step ${t + 1} param ${k}[${i}]: ${v} vs torch ${want}`);
          });
      await tf.setBackend("wasm");
    });

const replayWith = (c: Fixture["cases"][number], loops: HeapLoopsKind) => {
  forceHeapLoops(loops);
  try {
    return replay(c, true);
  } finally {
    forceHeapLoops(undefined);
  }
};

test("the native, WebAssembly and JS Adam loops give bit-identical parameters (every torch case, every step)", async () => {
  const st = nativeBlasStatus();
  assert.ok(st.loaded, st.loaded ? "" : `native kernels not built: ${st.reason}`);
  await initBackend({ backend: "wasm" });
  for (const c of fx.cases) {
    const js = replayWith(c, "js");
    assert.equal(replayWith(c, "native"), js, `${c.name}: native`);
    assert.equal(replayWith(c, "wasm"), js, `${c.name}: WebAssembly`);
  }
});

test("the native, WebAssembly and JS Adam loops give bit-identical parameters on 10,007 random weights (vector body, tail)", async () => {
  await initBackend({ backend: "wasm" });
  const n = 10007;
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const init = Array.from({ length: n }, () => rnd() * 2);
  const grads = Array.from({ length: 4 }, () => Array.from({ length: n }, () => rnd() * 10 ** Math.floor(rnd() * 8)));
  const run = (cls: typeof Adam | typeof AdamW, loops: HeapLoopsKind, opts: AdamOptions) => {
    forceHeapLoops(loops);
    const p = mkVar(init, [n]);
    const opt = new cls([p], { lr: 0.01, ...opts });
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      opt.step(new Map([[p.name, gt]]));
      gt.dispose();
    }
    const out = Array.from(p.dataSync());
    opt.dispose();
    p.dispose();
    forceHeapLoops(undefined);
    return out;
  };
  const settings: AdamOptions[] = [{}, { weightDecay: 0.1 }, { amsgrad: true }, { weightDecay: 0.01, amsgrad: true }];
  for (const cls of [Adam, AdamW])
    for (const opts of settings) {
      const js = run(cls, "js", opts);
      for (const loops of ["native", "wasm"] as const) {
        const c = run(cls, loops, opts);
        const diff = c.findIndex((v, i) => !Object.is(v, js[i]));
        assert.is(diff, -1, `${cls.name} ${JSON.stringify(opts)} ${loops}: weight ${diff} differs: ${c[diff]} vs JS ${js[diff]}`);
      }
    }
});

test("hand-derived first step: Adam moves each weight by ≈ lr·sign(g) (bias-corrected m/√v = g/|g|)", async () => {
  await initBackend({ backend: "wasm" });
  const p = tf.variable(tf.tensor1d([1, -2, 3]));
  const opt = new Adam([p], { lr: 0.1 });
  const g = tf.tensor1d([0.5, -4, 1e-3]);
  opt.step({ [p.name]: g });
  const want = [1 - 0.1, -2 + 0.1, 3 - 0.1 * (1e-3 / (1e-3 + 1e-8))];
  Array.from(p.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
  // AdamW with lr 0.1, wd 0.5 first scales by 1 - 0.05 then takes the same step.
  const q = tf.variable(tf.tensor1d([1, -2, 3]));
  new AdamW([q], { lr: 0.1, weightDecay: 0.5 }).step(new Map([[q.name, g]]));
  const wantW = [0.95 - 0.1, -1.9 + 0.1, 2.85 - 0.1 * (1e-3 / (1e-3 + 1e-8))];
  Array.from(q.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - wantW[i]) < 1e-6, `${v} vs ${wantW[i]}`));
  tf.dispose([p, q, g]);
});

test("defaults match torch: Adam wd 0, AdamW wd 1e-2, lr 1e-3, betas (0.9, 0.999), eps 1e-8", () => {
  const p = tf.variable(tf.zeros([1]));
  const a = new Adam([p]);
  const w = new AdamW([p]);
  assert.equal([a.lr, a.betas, a.eps, a.weightDecay], [1e-3, [0.9, 0.999], 1e-8, 0]);
  assert.equal([w.lr, w.betas, w.eps, w.weightDecay], [1e-3, [0.9, 0.999], 1e-8, 1e-2]);
  p.dispose();
});

test("bad input: torch's argument errors, mismatched gradient shape, unknown names ignored", () => {
  const p = tf.variable(tf.zeros([2]));
  assert.throws(() => new Adam([p], { lr: -1 }), /Invalid learning rate: -1/);
  assert.throws(() => new AdamW([p], { betas: [1, 0.999] }), /Invalid beta parameter at index 0: 1/);
  assert.throws(() => new AdamW([p], { weightDecay: -0.1 }), /Invalid weight_decay value: -0.1/);
  assert.throws(() => new Adam([]), /empty parameter list/);
  const opt = new Adam([p]);
  assert.throws(() => opt.step({ [p.name]: tf.zeros([3]) }), /shape \[3\], parameter has \[2\]/);
  opt.step({ "some-other-variable": tf.ones([7]) });
  assert.equal(Array.from(p.dataSync()), [0, 0]);
  assert.is(opt.stepCount(p), 0);
  p.dispose();
});

test("stateDict / loadStateDict resume exactly", async () => {
  await initBackend({ backend: "wasm" });
  const c = fx.cases.find((x) => x.kw.amsgrad && x.cls === "AdamW")!;
  const mk = () => fx.init.map((v, k) => tf.variable(tf.tensor(v, fx.shapes[k])));
  const opts = { lr: c.kw.lr, weightDecay: c.kw.weight_decay, amsgrad: true };
  const a = mk();
  const oa = new AdamW(a, opts);
  const stepAll = (o: AdamW, ps: tf.Variable[], t: number) =>
    o.step(new Map(ps.map((p, k) => [p.name, tf.tensor(fx.grads[t][k], fx.shapes[k])] as [string, tf.Tensor])));
  for (let t = 0; t < 3; t++) stepAll(oa, a, t);
  const b = a.map((p) => tf.variable(p.clone()));
  const ob = new AdamW(b, opts);
  ob.loadStateDict(oa.stateDict());
  for (let t = 3; t < fx.steps; t++) stepAll(ob, b, t);
  b.forEach((p, k) =>
    Array.from(p.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - c.after[fx.steps - 1][k][i]) < 2e-6 * (1 + Math.abs(v)))),
  );
});

test("the optimizer owns a step: zeroGrad frees its gradients and loss; a forgotten zeroGrad warns once and leaks nothing", async () => {
  await initBackend({ backend: "wasm" });
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const opt = new Adam([w], { lr: 0.1 });
  const x = tf.tensor1d([1, -1, 2]);
  const stepOnce = () => {
    const r = tf.variableGrads(() => tf.sum(tf.mul(w, x)) as tf.Scalar, [w]);
    opt.step(r.grads);
    return r;
  };
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.join(" "));
  try {
    opt.zeroGrad();
    const before = tf.memory().numTensors;
    const r = stepOnce();
    assert.is(r.value.dataSync()[0], 1 - 2 + 6); // still readable after step
    assert.is(tf.memory().numTensors, before + 2 + 2); // the held gradient and loss; m and v
    opt.zeroGrad();
    assert.ok(r.value.isDisposed && r.grads[w.name].isDisposed, "zeroGrad frees the loss and gradients");
    assert.is(tf.memory().numTensors, before + 2);
    for (let i = 0; i < 3; i++) stepOnce(); // no zeroGrad between steps
    assert.is(tf.memory().numTensors, before + 2 + 2, "only the last step's tensors are held");
    assert.is(warnings.filter((m) => /sin optimizer\.zeroGrad\(\)/.test(m)).length, 1, warnings.join("\n"));
  } finally {
    console.warn = warn;
  }
  opt.dispose();
  tf.dispose([w, x]);
});

test("a rebuilt optimizer over the same parameters frees the old one's state; dispose frees all", async () => {
  await initBackend({ backend: "wasm" });
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const base = tf.memory().numTensors;
  const step = (o: Adam) => {
    o.zeroGrad();
    o.step(tf.variableGrads(() => tf.sum(tf.square(w)) as tf.Scalar, [w]).grads);
  };
  const first = new Adam([w]);
  step(first);
  assert.is(tf.memory().numTensors, base + 2 + 2); // m, v + held gradient and loss
  const second = new Adam([w]);
  assert.is(tf.memory().numTensors, base, "the first optimizer's state is freed");
  assert.throws(() => first.step(new Map()), /replaced by a newer one over the same parameters/);
  step(second);
  second.dispose();
  assert.is(tf.memory().numTensors, base);
  w.dispose();
});

test("step refuses a NaN loss or gradient norm, changing nothing", async () => {
  await initBackend({ backend: "wasm" });
  const w = tf.variable(tf.tensor1d([1, 2]));
  const opt = new Adam([w]);
  const bad = tf.tensor1d([NaN, 1]);
  opt.zeroGrad();
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(w, bad)) as tf.Scalar, [w]);
  assert.throws(() => opt.step(grads), /loss is NaN/);
  assert.equal(Array.from(w.dataSync()), [1, 2]);
  assert.is(opt.stepCount(w), 0);
  opt.dispose();
  tf.dispose([w, bad]);
});

test.run();
