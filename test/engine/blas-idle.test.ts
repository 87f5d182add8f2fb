/**
 * The native GEMM's idle threads sleep: the binding's own workers wait on a condition between
 * products, and OpenBLAS (which runs single-threaded) is loaded with OPENBLAS_NUM_THREADS=1, so it
 * starts no threads of its own that would spin (for 2^OPENBLAS_THREAD_TIMEOUT cycles) with no work.
 * The environment is left as it was.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as path from "path";
import { spawnSync } from "child_process";

interface Idle {
  idleCpuMs: number;
  /** Threads started since the binding loaded: its worker at least (2 threads: the caller and one). */
  newThreads: number;
  threads: number;
  env: string | null;
  numThreadsEnv: string | null;
}

function idle(env: Record<string, string>): Idle {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete e.OPENBLAS_NUM_THREADS;
  delete e.LAB4_BLAS_THREADS;
  if (!("OPENBLAS_THREAD_TIMEOUT" in env)) delete e.OPENBLAS_THREAD_TIMEOUT;
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "fixtures", "engine", "blas-idle-child.ts")], {
    encoding: "utf8",
    env: e,
  });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop() as string);
}

test("after a product the GEMM threads sleep instead of spinning; the environment is restored", () => {
  const ours = idle({});
  assert.is(ours.threads, 2);
  assert.ok(ours.newThreads >= 1, "the binding's worker thread is among those measured");
  assert.is(ours.env, null, "OPENBLAS_THREAD_TIMEOUT is not set");
  assert.is(ours.numThreadsEnv, null, "OPENBLAS_NUM_THREADS is not left in the environment");
  assert.ok(ours.idleCpuMs <= 20, `an idle GEMM thread used ${ours.idleCpuMs} ms of CPU in 400 ms`);
});

// OpenBLAS's default timeout (28) made each of its threads spin ~0.1 s as it started; with none
// started, nothing spins whatever the timeout, and the user's value is left alone.
test("a timeout the user set is kept, and nothing spins after products with OpenBLAS's default (28)", () => {
  const spin = idle({ OPENBLAS_THREAD_TIMEOUT: "28" });
  assert.is(spin.env, "28");
  assert.ok(spin.newThreads >= 1, "the binding's worker thread is among those measured");
  assert.ok(spin.idleCpuMs <= 20, `an idle GEMM thread used ${spin.idleCpuMs} ms of CPU in 400 ms`);
});

test.run();
