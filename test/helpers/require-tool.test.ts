// The shared rule for missing tools: fail in CI, print a SKIP line elsewhere.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { inCI, requireTool, type ToolNeed } from "./require-tool";

const need = (present: boolean): ToolNeed => ({
  what: "PyTorch comparison",
  present,
  reason: "no torch",
  install: "install python3-torch",
});

test("CI is on when the variable is set to anything but '', '0' or 'false'", () => {
  for (const v of ["true", "1", "yes", "TRUE"]) assert.ok(inCI({ CI: v }), v);
  for (const v of [undefined, "", "0", "false", "False"]) assert.not.ok(inCI({ CI: v }), String(v));
});

test("a present tool: true, nothing printed, in CI or not", () => {
  const lines: string[] = [];
  assert.ok(requireTool(need(true), { CI: "true" }, (l) => lines.push(l)));
  assert.ok(requireTool(need(true), {}, (l) => lines.push(l)));
  assert.equal(lines, []);
});

test("a missing tool outside CI: false and a printed SKIP line naming what, why and how", () => {
  const lines: string[] = [];
  assert.is(
    requireTool(need(false), {}, (l) => lines.push(l)),
    false,
  );
  assert.equal(lines, ["SKIP (PyTorch comparison): no torch — install python3-torch"]);
});

test("a missing tool in CI: an error, not a skip", () => {
  const lines: string[] = [];
  assert.throws(
    () => requireTool(need(false), { CI: "true" }, (l) => lines.push(l)),
    /missing in CI \(CI=true\): PyTorch comparison: no torch — install python3-torch/,
  );
  assert.equal(lines, []);
});

test.run();
