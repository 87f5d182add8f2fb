/**
 * Without the native GEMM the wasm backend runs its products on an XNNPACK thread pool sized to the
 * machine. Checked in fresh processes (the pool is sized once, before the backend starts), with the
 * native GEMM turned off explicitly (CI builds it): the same bits on 1, 2 and 3 threads for the
 * lab's training products, the pool size in the "Using:" line, a process that exits by itself, and
 * one thread with a one-line notice when the tfjs internals it relies on are not the pinned ones.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { initBackend } from "../../lib/engine";
import { MAX_DEFAULT_WASM_THREADS, PINNED_TFJS_WASM, threadSupportProblem, wantedWasmThreads } from "../../lib/engine/wasm-threads";

const child = path.join(__dirname, "..", "fixtures", "engine", "wasm-threads-child.ts");

interface ChildResult {
  threads: number;
  using: string;
  hashes: string[];
  worstErrorInBounds: number;
  idleCpuMs: number;
  /** the WebAssembly loops' threads (Adam) */
  loopThreads: number;
  /** ms between the child's last line and its exit, as seen here */
  exitLag: number;
  stderr: string;
}

function run(env: Record<string, string | undefined>, ...args: string[]): ChildResult {
  const e: NodeJS.ProcessEnv = { ...process.env, LAB4_NATIVE_BLAS: "0" };
  delete e.LAB4_WASM_THREADS;
  delete e.LAB4_BACKEND;
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete e[k];
    else e[k] = v;
  const r = spawnSync(process.execPath, ["--import", "tsx", child, ...args], { encoding: "utf8", env: e, timeout: 180_000 });
  const end = Date.now();
  assert.is(r.error, undefined, `the child did not exit by itself: ${r.error?.message}`);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  return { ...out, exitLag: end - out.done, stderr: r.stderr };
}

const results = new Map<string, ChildResult>();
const once = (key: string, f: () => ChildResult) => results.get(key) ?? results.set(key, f()).get(key)!;
const one = () => once("1", () => run({ LAB4_WASM_THREADS: "1" }));
const byDefault = () => once("default", () => run({}));

test("the pool has the machine's logical cores by default (at most 8), said on the Using: line", () => {
  const want = Math.min(os.availableParallelism(), MAX_DEFAULT_WASM_THREADS);
  const r = byDefault();
  assert.is(r.threads, want);
  assert.ok(r.using.includes(`SIMD, ${want} thread${want === 1 ? "" : "s"}, matmul on wasm (native BLAS: LAB4_NATIVE_BLAS=0)`), r.using);
  assert.is(r.stderr, "", "no notice when threads start");
});

test("the training products give the same bits on 1, 2 and 3 threads (and are right)", () => {
  const base = one();
  assert.is(base.threads, 1);
  assert.is(base.loopThreads, 1, "LAB4_WASM_THREADS=1: the WebAssembly loops on one thread too");
  assert.ok(base.using.includes("SIMD, 1 thread, matmul on wasm"), base.using);
  assert.ok(base.worstErrorInBounds <= 1, `a product is off by ${base.worstErrorInBounds}× the float32 bound`);
  for (const n of ["2", "3"]) {
    const r = once(n, () => run({ LAB4_WASM_THREADS: n }));
    assert.is(r.threads, Number(n));
    assert.is(r.loopThreads, Number(n), "the WebAssembly loops' threads follow the pool's");
    const differ = r.hashes.map((h, i) => (h === base.hashes[i] ? -1 : i)).filter((i) => i >= 0);
    assert.equal(differ, [], `products ${differ.join(", ")} differ between 1 and ${n} threads`);
  }
});

test("a process using the pool exits by itself, promptly, when its work is done; idle threads sleep", () => {
  assert.ok(results.has("2"), "ran with threads");
  for (const [key, r] of results) {
    assert.ok(r.exitLag < 5000, `LAB4_WASM_THREADS=${key}: exit ${r.exitLag} ms after the last line`);
    assert.ok(r.idleCpuMs <= 20, `LAB4_WASM_THREADS=${key}: an idle thread used ${r.idleCpuMs} ms of CPU in 400 ms`);
  }
});

test("tfjs internals not the pinned ones: one thread, one notice line, the same bits", () => {
  const r = run({}, "pretend-4.23");
  assert.is(r.threads, 1);
  assert.ok(r.using.includes("SIMD, 1 thread, matmul on wasm"), r.using);
  const want = Math.min(os.availableParallelism(), MAX_DEFAULT_WASM_THREADS);
  // one line per feature that needs the pinned internals: the thread pool, the engine's views
  const threads = `lab4: wasm matrix products on 1 thread, not ${want}: tfjs-backend-wasm 4.23.0 is not the pinned ${PINNED_TFJS_WASM}\n`;
  const views = `lab4: tf.slice/tf.stack copy on wasm (no views): tfjs-backend-wasm 4.23.0 is not the pinned ${PINNED_TFJS_WASM}\n`;
  assert.is(r.stderr, (want > 1 ? threads : "") + views);
  assert.equal(r.hashes, one().hashes);
});

test("with the native GEMM loaded the wasm kernels stay on one thread (the GEMM has its own)", () => {
  const r = run({ LAB4_NATIVE_BLAS: undefined });
  assert.is(r.threads, 1);
  assert.match(r.using, /SIMD, 1 thread, matmul on OpenBLAS \S+ GEMM( \(prebuilt\))?, \d+ threads?\)$/);
});

const bundle = fs.readFileSync(require.resolve("@tensorflow/tfjs-backend-wasm"), "utf8");

test("the guard accepts the pinned bundle and names what changed in another", () => {
  assert.is(threadSupportProblem(PINNED_TFJS_WASM, bundle), undefined);
  assert.is(threadSupportProblem("4.23.0", bundle), `tfjs-backend-wasm 4.23.0 is not the pinned ${PINNED_TFJS_WASM}`);
  assert.is(threadSupportProblem(undefined, bundle), `tfjs-backend-wasm (unknown version) is not the pinned ${PINNED_TFJS_WASM}`);
  assert.is(threadSupportProblem(PINNED_TFJS_WASM, undefined), `tfjs-backend-wasm ${PINNED_TFJS_WASM}: its Node bundle cannot be read`);
  assert.is(
    threadSupportProblem(PINNED_TFJS_WASM, bundle.replace("return require$$4.cpus().length;", "return 4;")),
    `tfjs-backend-wasm ${PINNED_TFJS_WASM}: the logical-core count via os.cpus() is not where expected`,
  );
  assert.is(
    threadSupportProblem(PINNED_TFJS_WASM, bundle.replace("var require$$3 = require('perf_hooks');", "")),
    `tfjs-backend-wasm ${PINNED_TFJS_WASM}: the threaded factory uses require$$3, not declared in the bundle`,
  );
});

test("LAB4_WASM_THREADS: a whole number from 1 (off) to 64; without it the cores, at most 8", () => {
  assert.is(wantedWasmThreads({}, 2), 2);
  assert.is(wantedWasmThreads({}, 1), 1);
  assert.is(wantedWasmThreads({}, 32), MAX_DEFAULT_WASM_THREADS);
  assert.is(wantedWasmThreads({ LAB4_WASM_THREADS: " 1 " }, 8), 1);
  assert.is(wantedWasmThreads({ LAB4_WASM_THREADS: "12" }, 2), 12);
  assert.is(wantedWasmThreads({ LAB4_WASM_THREADS: "" }, 4), 4);
  for (const bad of ["0", "two", "1.5", "-2", "65"])
    assert.throws(
      () => wantedWasmThreads({ LAB4_WASM_THREADS: bad }, 2),
      (e: Error) => e.message === `LAB4_WASM_THREADS=${bad} is not a thread count: use a whole number from 1 (off) to 64`,
    );
});

test("initBackend refuses a LAB4_WASM_THREADS that is not a thread count, naming it", async () => {
  const old = process.env.LAB4_WASM_THREADS;
  process.env.LAB4_WASM_THREADS = "lots";
  try {
    await initBackend();
    assert.unreachable("should throw");
  } catch (e) {
    assert.match((e as Error).message, /^LAB4_WASM_THREADS=lots is not a thread count/);
  } finally {
    if (old === undefined) delete process.env.LAB4_WASM_THREADS;
    else process.env.LAB4_WASM_THREADS = old;
  }
});

test.run();
