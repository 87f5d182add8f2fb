/**
 * The native GEMM's idle threads sleep: the binding's own workers wait on a condition between
 * products. OpenBLAS's threads never get work (it runs single-threaded); they start while it loads,
 * with OPENBLAS_THREAD_TIMEOUT 20 so that they sleep after ~0.4 ms instead of spinning for 2^28
 * cycles (~0.1 s); a value the user set is kept, and the environment is left as it was.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as path from "path";
import { spawnSync } from "child_process";

function idle(env: Record<string, string>): { idleCpuMs: number; threads: number; env: string | null } {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete e.OPENBLAS_NUM_THREADS;
  delete e.LAB4_BLAS_THREADS;
  if (!("OPENBLAS_THREAD_TIMEOUT" in env)) delete e.OPENBLAS_THREAD_TIMEOUT;
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "fixtures", "engine", "blas-idle-child.ts")], { encoding: "utf8", env: e });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop() as string);
}

test("after a product the GEMM threads sleep instead of spinning; the environment is restored", () => {
  const ours = idle({});
  assert.is(ours.threads, 2);
  assert.is(ours.env, null, "OPENBLAS_THREAD_TIMEOUT is not left in the environment");
  assert.ok(ours.idleCpuMs <= 20, `an idle GEMM thread used ${ours.idleCpuMs} ms of CPU in 400 ms`);
});

// OpenBLAS's own threads spin only once, as they start; with the binding's threading no product
// wakes them, so even OpenBLAS's default timeout (28) leaves the threads idle after products.
test("a timeout the user set is kept, and the threads still sleep after products with OpenBLAS's default (28)", () => {
  const spin = idle({ OPENBLAS_THREAD_TIMEOUT: "28" });
  assert.is(spin.env, "28");
  assert.ok(spin.idleCpuMs <= 20, `an idle GEMM thread used ${spin.idleCpuMs} ms of CPU in 400 ms`);
});

test.run();
