import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as path from "path";

test("enableWasmThreads: wasm starts a 2-thread XNNPACK pool, computes correctly, and Node still exits", () => {
  const child = path.join(__dirname, "../fixtures/torch/wasm_threads_child.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", child], { encoding: "utf8", timeout: 60_000 });
  assert.is(r.error, undefined, `child did not exit by itself: ${r.error?.message}`);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  assert.is(out.enabled, true);
  assert.is(out.backend, "wasm");
  assert.is(out.threads, 2);
  assert.ok(out.maxDiff < 1e-3, `matmul differs from the hand-computed product by ${out.maxDiff}`);
  assert.is(out.enabledAgain, false, "too late once the backend is up");
});

test.run();
