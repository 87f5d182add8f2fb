/**
 * A kernel that cannot start (a kernelspec left pointing at a removed checkout, or none registered)
 * must be reported as that, with the fix, and must not leave an "executed" notebook behind that a
 * report would count as every cell failed. Real jupyter_client; the kernelspecs live in a private
 * JUPYTER_PATH.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { executeNotebook } from "../../grading/execute";

const root = path.resolve(__dirname, "../..");
const source = path.join(root, "test", "fixtures", "submissions", "mini-source.ipynb");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-kstart-"));
const gone = path.join(dir, "removed-checkout", "node_modules", ".bin", "tslab");
fs.mkdirSync(path.join(dir, "jp", "kernels", "lab4-stale"), { recursive: true });
fs.writeFileSync(
  path.join(dir, "jp", "kernels", "lab4-stale", "kernel.json"),
  JSON.stringify({ argv: [gone, "kernel", "--config-path", "{connection_file}"], display_name: "stale", language: "typescript" }),
);
const env = { JUPYTER_PATH: path.join(dir, "jp") };

test("a kernelspec whose binary is gone: the spec, the missing binary and the fix are named; no notebook written", () => {
  const out = path.join(dir, "stale.ipynb");
  const r = executeNotebook(source, out, { kernelName: "lab4-stale", env, allowErrors: true });
  assert.not.ok(r.ok);
  assert.match(r.message, /exit 3/);
  assert.match(r.message, /cannot start the "lab4-stale" kernel/);
  assert.ok(r.message.includes(path.join(dir, "jp", "kernels", "lab4-stale", "kernel.json")), r.message);
  assert.ok(r.message.includes(`runs ${gone}`), r.message);
  assert.match(r.message, /FileNotFoundError/);
  assert.match(r.message, /bash scripts\/setup\.sh/);
  assert.not.ok(fs.existsSync(out), "no executed notebook for a kernel that never ran");
});

test("no kernelspec of that name: said so", () => {
  const out = path.join(dir, "none.ipynb");
  const r = executeNotebook(source, out, { kernelName: "lab4-not-registered", env, allowErrors: true });
  assert.not.ok(r.ok);
  assert.match(r.message, /cannot start the "lab4-not-registered" kernel \(no kernelspec of that name is registered\)/);
  assert.not.ok(fs.existsSync(out));
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
