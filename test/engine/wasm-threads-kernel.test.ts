/**
 * The wasm thread pool inside the real tslab kernel (what a student's notebook runs on): a notebook
 * with the native GEMM turned off starts the pool, says so on its "Using:" line, and a training
 * product gives the same bits as one thread in plain Node; the Adam update runs on the WebAssembly
 * loops' worker threads with one thread's bits. The kernelspec points at this checkout's
 * tslab (a private JUPYTER_PATH), the notebook imports the built `lab4` (npm run build).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { executeNotebook } from "../../grading/execute";
import { readNotebook } from "../../grading/notebook";
import { MAX_DEFAULT_WASM_THREADS } from "../../lib/engine/wasm-threads";

const root = path.resolve(__dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-wasm-threads-kernel-"));
const spec = path.join(dir, "jp", "kernels", "lab4-here");
fs.mkdirSync(spec, { recursive: true });
fs.writeFileSync(
  path.join(spec, "kernel.json"),
  JSON.stringify({
    argv: [path.join(root, "node_modules", ".bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
    display_name: "lab4 here",
    language: "typescript",
  }),
);

// [3128, 2048]ᵀ·[3128, 512]: the Seq2Seq gate-weight gradient (the child's product 3, same data).
const cells = [
  `import * as crypto from "crypto";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, describeDevice } from "lab4";
const info = await initBackend();
describeDevice();`,
  `function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
const [m, n, k] = [2048, 512, 3128];
const c = tf.tidy(
  () => tf.matMul(tf.tensor2d(rand(m * k, 1), [k, m]), tf.tensor2d(rand(k * n, 2), [k, n]), true, false).dataSync() as Float32Array,
);
const hash = crypto.createHash("sha256").update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)).digest("hex");
console.log("hash", hash.slice(0, 16), "threads " + String(info.threads));`,
  // The Adam update on the loops' worker threads (engine internals, by path: the module lab4 loaded).
  `import * as engine from ${JSON.stringify(path.join(root, "dist", "lib", "engine"))};
import { Adam } from "lab4";
const status = engine.wasmLoopsFor(tf.backend());
const pool = status.loaded ? status.pool : undefined;
const adamBits = (threads: number | undefined) => {
  engine.singleThreadWasmLoops(threads === 1);
  const p = tf.variable(tf.tensor2d(rand(5893 * 512, 3), [5893, 512]));
  const opt = new Adam([p], { lr: 1e-3 });
  opt.step(new Map([[p.name, tf.tensor2d(rand(5893 * 512, 4), [5893, 512])]]));
  engine.singleThreadWasmLoops(false);
  const out = Buffer.from((p.dataSync() as Float32Array).buffer).toString("hex");
  opt.zeroGrad();
  opt.dispose();
  p.dispose();
  return out;
};
const before = pool?.handedOff ?? 0;
const many = adamBits(undefined);
const shared = (pool?.handedOff ?? 0) - before;
const same = many === adamBits(1);
console.log("adam loop threads " + String(pool?.threads() ?? 1), "handed off " + String(shared), "same as one thread " + String(same));`,
];

test("in the tslab kernel: the pool starts, the Using: line counts it, a product and Adam have one thread's bits", () => {
  const source = path.join(dir, "threads.ipynb");
  const nb = {
    cells: cells.map((src, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, source: src, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: "lab4-here", display_name: "lab4 here", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(source, JSON.stringify(nb));
  const out = path.join(dir, "threads.out.ipynb");
  const r = executeNotebook(source, out, {
    kernelName: "lab4-here",
    cwd: root,
    timeoutCellSeconds: 300,
    env: { JUPYTER_PATH: path.join(dir, "jp"), LAB4_NATIVE_BLAS: "0", LAB4_WASM_THREADS: "", LAB4_BACKEND: "" },
  });
  assert.ok(r.ok, r.message);
  const text = readNotebook(out)
    .cells.flatMap((c) => c.outputs ?? [])
    .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
    .join("");
  const want = Math.min(os.availableParallelism(), MAX_DEFAULT_WASM_THREADS);
  assert.ok(
    text.includes(
      `Using: cpu (TensorFlow.js wasm backend, SIMD, ${want} thread${want === 1 ? "" : "s"}, matmul on wasm (native BLAS: ` +
        `LAB4_NATIVE_BLAS=0))`,
    ),
    text,
  );
  const got = /hash (\w+) threads (\d+)/.exec(text);
  assert.ok(got, text);
  assert.is(Number(got[2]), want);
  const adam = /adam loop threads (\d+) handed off (\d+) same as one thread (\w+)/.exec(text);
  assert.ok(adam, text);
  assert.is(Number(adam[1]), want, "the Adam loop's threads follow the wasm pool's");
  assert.ok(want === 1 || Number(adam[2]) > 0, "workers took ranges of the Adam update");
  assert.is(adam[3], "true", "the Adam update's bits on the loops' threads differ from one thread's");

  const e: NodeJS.ProcessEnv = { ...process.env, LAB4_NATIVE_BLAS: "0", LAB4_WASM_THREADS: "1" };
  delete e.LAB4_BACKEND;
  const plain = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(__dirname, "..", "fixtures", "engine", "wasm-threads-child.ts")],
    { encoding: "utf8", env: e, timeout: 180_000 },
  );
  assert.is(plain.status, 0, plain.stderr);
  const oneThread = JSON.parse(plain.stdout.trim().split("\n").pop() as string) as { threads: number; hashes: string[] };
  assert.is(oneThread.threads, 1);
  assert.is(got[1], oneThread.hashes[3], "the kernel's product differs from one thread's in plain Node");
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
