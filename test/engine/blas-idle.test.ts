/**
 * The native GEMM's idle threads sleep soon after the products end (OPENBLAS_THREAD_TIMEOUT 20 while
 * OpenBLAS loads) instead of spinning for 2^28 cycles (~0.1 s at 2.6 GHz) after every product; a
 * value the user set is kept, and the environment is left as it was.
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

test("after a product the second GEMM thread sleeps instead of spinning; the environment is restored", () => {
  const ours = idle({});
  assert.is(ours.threads, 2);
  assert.is(ours.env, null, "OPENBLAS_THREAD_TIMEOUT is not left in the environment");
  assert.ok(ours.idleCpuMs <= 20, `an idle GEMM thread used ${ours.idleCpuMs} ms of CPU in 400 ms`);
});

test("a timeout the user set wins (OpenBLAS's default, 28: the thread spins ~0.1 s, which this test can see)", () => {
  const spin = idle({ OPENBLAS_THREAD_TIMEOUT: "28" });
  assert.is(spin.env, "28");
  assert.ok(spin.idleCpuMs >= 50, `with OpenBLAS's default the idle thread should spin, used ${spin.idleCpuMs} ms`);
});

test.run();
