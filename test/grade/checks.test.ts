// Grade cells split into kernel leaves and grader-side verdicts ("values in, verdicts out"), and
// the verdicts decided from observed values exactly as the notebook's marks() would decide them.
// Expected hashes come from mini-source.ipynb, computed by Python's zlib (make_mini_source.py).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileGradeCell, kernelCode } from "../../grading/grade/checks";
import { judgeCell } from "../../grading/grade/verdict";
import type { Observation } from "../../grading/grade/observe";
import { cellMarks } from "../../grading/notebook";

const H8 = "0xcf01096f"; // check_scalar(8)
const H3 = "0xec208e2b"; // check_scalar(3)
const HCAT = "0x9e5e43a8"; // check_string("cat")

const obs = (cell: string, check: number, ...leaves: Array<{ v: unknown } | { e: string }>): Observation => ({ cell, check, leaves });

test("leaves are the student-state sub-expressions; the check functions and expected values stay with the grader", () => {
  const c = compileGradeCell(
    [
      `marks(3, () => assert(checkScalar(words.length, "${H8}")));`,
      `marks(2, () => assert(checkString(id2tok.get(1), "${HCAT}") && n_v > 2 * Math.PI));`,
      `marks(1, () => assert(Math.trunc(ohe.arraySync()[7]) === 1));`,
      `marks(1, () => assert(compareNumbers(newRepresentation(running_loss[running_loss.length - 1]), "3c3d", "0x1.a000000000000p+2")));`,
    ].join("\n"),
    "cell",
  );
  assert.equal(
    c.checks.map((k) => k.leaves),
    [["words.length"], ["id2tok.get(1)", "n_v"], ["ohe.arraySync()[7]"], ["running_loss[running_loss.length - 1]"]],
  );
  assert.equal(
    c.checks.map((k) => k.points),
    [3, 2, 1, 1],
  );
  assert.is(c.points, 7);
  for (const k of c.checks) assert.equal(k.warnings, []);
  const code = kernelCode(c, "n0nce", "/x/observe.js");
  assert.not.match(code, /checkScalar|checkString|compareNumbers|assert\(|marks\(/, "no grading function runs in the kernel");
  assert.match(code, /observe\("n0nce", "cell", 2, \[\(\) => \(id2tok\.get\(1\)\), \(\) => \(n_v\)\]\)/);
});

test("verdicts: right values pass, wrong values fail, as the notebook would show", async () => {
  const c = compileGradeCell(
    `marks(3, () => assert(checkScalar(words.length, "${H8}")));\nmarks(3, () => assert(checkScalar(counts.get("the"), "${H3}")));`,
    "w",
  );
  const good = await judgeCell(c, [obs("w", 1, { v: 8 }), obs("w", 2, { v: 3 })], "unused");
  assert.equal(
    good.map((r) => [r.status, r.awarded]),
    [
      ["passed", 3],
      ["passed", 3],
    ],
  );
  const bad = await judgeCell(c, [obs("w", 1, { v: 8 }), obs("w", 2, { v: 2 })], "unused");
  assert.equal(
    bad.map((r) => [r.status, r.awarded]),
    [
      ["passed", 3],
      ["failed", 0],
    ],
  );
  assert.is(bad[1]!.reason, "AssertionError");
  assert.match(bad[1]!.printed.join("\n"), /^Warning: Got 2\.00000e\+00 -> 0x[0-9a-f]+, expected 0xec208e2b$/);
  // the outputs carry jhwutils' markers, readable by the notebook module
  const marksShown = cellMarks({ cell_type: "code", source: "", metadata: {}, outputs: bad.flatMap((r) => r.outputs) }, 0);
  assert.equal(
    marksShown.map((m) => [m.correct, m.marks]),
    [
      [true, 3],
      [false, 3],
    ],
  );
});

test("a cell stops at its first failing check: later checks are not reached", async () => {
  const c = compileGradeCell(`marks(1, () => assert(a === 1));\nmarks(2, () => assert(b === 2));\nmarks(4, () => assert(c === 3));`, "s");
  const r = await judgeCell(c, [obs("s", 1, { v: 1 }), obs("s", 2, { v: 0 }), obs("s", 3, { v: 3 })], "unused");
  assert.equal(
    r.map((x) => [x.status, x.awarded]),
    [
      ["passed", 1],
      ["failed", 0],
      ["not-reached", 0],
    ],
  );
  assert.match(r[2]!.reason!, /check 2 of this cell failed first/);
});

test("errors raised in the kernel surface only where the check uses the value (short-circuit kept)", async () => {
  const c = compileGradeCell(`marks(1, () => assert(xs === undefined || xs.length > 2));`, "e");
  assert.equal(c.checks[0]!.leaves, ["xs", "xs.length"]);
  const undefinedXs = await judgeCell(c, [obs("e", 1, { v: { $undef: 1 } }, { e: "TypeError: Cannot read properties of undefined" })], "");
  assert.is(undefinedXs[0]!.status, "passed");
  const c2 = compileGradeCell(`marks(1, () => assert(checkScalar(model.size, "${H8}")));`, "e2");
  const r = await judgeCell(c2, [obs("e2", 1, { e: "ReferenceError: model is not defined" })], "");
  assert.equal([r[0]!.status, r[0]!.reason], ["failed", "ReferenceError: model is not defined"]);
});

test("missing, duplicated and malformed observations score 0 with a reason", async () => {
  const c = compileGradeCell(`marks(5, () => assert(x === 1));`, "m");
  const missing = await judgeCell(c, [], "the test cell failed: Cannot find name 'x'.");
  assert.equal([missing[0]!.status, missing[0]!.reason], ["not-run", "the test cell failed: Cannot find name 'x'."]);
  const twice = await judgeCell(c, [obs("m", 1, { v: 1 }), obs("m", 1, { v: 1 })], "");
  assert.equal([twice[0]!.status, twice[0]!.awarded], ["failed", 0]);
  assert.match(twice[0]!.reason!, /conflicting/);
  const garbage = await judgeCell(c, [{ cell: "m", check: 1, leaves: [{ v: { $evil: "x" } } as never] }], "");
  assert.match(garbage[0]!.reason!, /unreadable result/);
  const otherCell = await judgeCell(c, [obs("other", 1, { v: 1 })], "did not run");
  assert.is(otherCell[0]!.status, "not-run");
});

test("hidden checks: marked hidden, and their outputs show neither their reason nor what they printed", async () => {
  const src =
    `marks(1, () => assert(checkString(w, "${HCAT}")));\n// BEGIN HIDDEN TESTS\n` +
    `marks(2, () => assert(checkString(w2, "${HCAT}"), "secret message 42"));\n// END HIDDEN TESTS`;
  const c = compileGradeCell(src, "h", [[1, 3]]);
  assert.equal(
    c.checks.map((k) => k.hidden),
    [false, true],
  );
  const r = await judgeCell(c, [obs("h", 1, { v: "cat" }), obs("h", 2, { v: "dog" })], "");
  assert.equal(
    r.map((x) => x.status),
    ["passed", "failed"],
  );
  assert.is(r[1]!.reason, "AssertionError: secret message 42", "the instructor sees the full reason");
  const shown = JSON.stringify(r[1]!.outputs);
  assert.not.match(shown, /secret message|Warning: Got|0x9e5e43a8/);
  assert.match(shown, /Prueba oculta/);
  assert.match(shown, /AssertionError/);
});

test("async checks: leaves awaited in the kernel, the verdict decided here", async () => {
  const c = compileGradeCell(`await marks(2, async () => assert((await evaluate(model)) <= 4));`, "a");
  assert.equal(c.checks[0]!.leaves, ["(await evaluate(model))"]);
  assert.ok(c.checks[0]!.async);
  assert.match(
    kernelCode(c, "n", "/o.js"),
    /await __lab4_observer\.observeAsync\("n", "a", 1, \[async \(\) => \(\(await evaluate\(model\)\)\)\]\);/,
  );
  const r = await judgeCell(c, [obs("a", 1, { v: 3.5 })], "");
  assert.is(r[0]!.status, "passed");
});

test("setup statements stay in the kernel, imports are hoisted out of the block", () => {
  const c = compileGradeCell(`import { foo } from "lab4";\nconst y = foo(x);\nmarks(1, () => assert(checkScalar(y, "${H8}")));`, "s");
  const code = kernelCode(c, "n", "/o.js");
  assert.ok(code.startsWith('import { foo } from "lab4";\n{\n'));
  assert.match(code, /const y = foo\(x\);\n__lab4_observer\.observe\("n", "s", 1, \[\(\) => \(y\)\]\);\n\}$/);
});

test("warnings where a verdict would still be decided in the kernel", () => {
  const c = compileGradeCell(
    `marks(1, () => assert(isRight(x)));\nmarks(1, () => assert(checkScalar(x, EXPECTED.h)));\nmarks(1, () => assert(!ok));`,
    "w",
  );
  assert.match(c.checks[0]!.warnings.join(), /assert\(\) of a value decided in the student's kernel/);
  assert.match(c.checks[1]!.warnings.join(), /expected value \(argument 2 of checkScalar\) is computed in the student's kernel/);
  assert.match(c.checks[2]!.warnings.join(), /assert\(\) of a value decided/);
});

test.run();
