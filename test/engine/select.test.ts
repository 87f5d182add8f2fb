import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, deviceDescription, initBackend, selectBackend, type Candidate } from "../../lib/engine";

const fake = (name: Candidate["name"], pkg: string, fail?: string): Candidate => ({
  name,
  package: pkg,
  async load() {
    if (fail) throw new Error(fail);
    await tf.setBackend("cpu");
    return { device: "cpu", details: ["fake"], kernelFixes: [] };
  },
});

test("selectBackend takes the first candidate that loads, recording why others were skipped", async () => {
  const info = await selectBackend([
    fake("tensorflow", "gpu-pkg", "not installed"),
    fake("tensorflow", "node-pkg", "libtensorflow.so missing"),
    fake("wasm", "wasm-pkg"),
    fake("cpu", "cpu-pkg"),
  ]);
  assert.is(info.package, "wasm-pkg");
  assert.equal(info.skipped, [
    { package: "gpu-pkg", reason: "not installed" },
    { package: "node-pkg", reason: "libtensorflow.so missing" },
  ]);
});

test("a candidate that loads but fails the self-test is skipped", async () => {
  let calls = 0;
  const info = await selectBackend([fake("wasm", "wasm-pkg"), fake("cpu", "cpu-pkg")], undefined, undefined, () => {
    if (calls++ === 0) throw new Error("backend self-test 'grad of gather' failed");
  });
  assert.is(info.name, "cpu");
  assert.match(info.skipped[0].reason, /self-test/);
});

test("a forced backend that cannot run fails loudly, naming the override and the reason", async () => {
  try {
    await selectBackend(
      [fake("tensorflow", "@tensorflow/tfjs-node", "not installed"), fake("cpu", "cpu-pkg")],
      "tensorflow",
      "LAB4_BACKEND=tensorflow",
    );
    assert.unreachable("should throw");
  } catch (e) {
    assert.match(
      (e as Error).message,
      /backend 'tensorflow' \(LAB4_BACKEND=tensorflow\) is not usable: @tensorflow\/tfjs-node: not installed/,
    );
  }
});

test("LAB4_BACKEND with an unknown name is a clear error", async () => {
  const old = process.env.LAB4_BACKEND;
  process.env.LAB4_BACKEND = "gpu";
  try {
    await initBackend();
    assert.unreachable("should throw");
  } catch (e) {
    assert.match((e as Error).message, /LAB4_BACKEND=gpu is not a backend: use one of tensorflow, wasm, cpu/);
  } finally {
    if (old === undefined) delete process.env.LAB4_BACKEND;
    else process.env.LAB4_BACKEND = old;
  }
});

test("initBackend is idempotent and re-activates its backend", async () => {
  const a = await initBackend({ backend: "wasm" });
  const b = await initBackend();
  assert.is(a, b);
  await tf.setBackend("cpu");
  const c = await initBackend();
  assert.is(c, a);
  assert.is(tf.getBackend(), "wasm");
  const [x, y, z] = await Promise.all([initBackend(), initBackend(), initBackend()]);
  assert.ok(x === a && y === a && z === a);
  assert.is(backendInfo(), a);
});

test("LAB4_BACKEND=cpu forces the cpu backend", async () => {
  const old = process.env.LAB4_BACKEND;
  process.env.LAB4_BACKEND = "cpu";
  try {
    const info = await initBackend();
    assert.is(info.name, "cpu");
    assert.is(info.forcedBy, "LAB4_BACKEND=cpu");
    assert.is(tf.getBackend(), "cpu");
  } finally {
    if (old === undefined) delete process.env.LAB4_BACKEND;
    else process.env.LAB4_BACKEND = old;
  }
  const back = await initBackend({ backend: "wasm" });
  assert.is(back.name, "wasm");
});

test("describeDevice prints like the original lab's 'Using: cuda'", async () => {
  const info = await initBackend({ backend: "wasm" });
  assert.match(
    deviceDescription(info),
    /^Using: cpu \(TensorFlow\.js wasm backend, (SIMD|no SIMD), \d+ threads?, matmul on (OpenBLAS \S+ GEMM( \(prebuilt\))?, \d+ threads?|wasm \(native BLAS: .+\))\)$/,
  );
  assert.is(
    deviceDescription({ ...info, name: "tensorflow", device: "cuda", details: ["libtensorflow via @tensorflow/tfjs-node-gpu"] }),
    "Using: cuda (TensorFlow.js tensorflow backend, libtensorflow via @tensorflow/tfjs-node-gpu)",
  );
});

test.run();
