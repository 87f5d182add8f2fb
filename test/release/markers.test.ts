// Solution / hidden-test regions: what release makes of a cell, and the errors that name the cell.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { NotebookCell } from "../../grading/notebook";
import { releaseCellSource, CODE_STUB, TEXT_STUB } from "../../grading/notebook/release";
import { MarkerError } from "../../grading/notebook/regions";

function cell(source: string, nbgrader: Record<string, unknown> | null, type: "code" | "markdown" = "code"): NotebookCell {
  const meta = nbgrader === null ? {} : { nbgrader: { schema_version: 3, grade: false, solution: false, locked: false, ...nbgrader } };
  return { cell_type: type, source, metadata: meta, outputs: [], execution_count: null };
}
const solution = (src: string) => cell(src, { grade_id: "sol", solution: true });
const tests = (src: string) => cell(src, { grade_id: "tests", grade: true, locked: true, points: 1 });

function throwsNaming(fn: () => unknown, cellName: RegExp, detail: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, MarkerError);
    assert.match((e as Error).message, cellName);
    assert.match((e as Error).message, detail);
    return;
  }
  assert.unreachable("expected a MarkerError");
}

test("a solution region becomes the stub at the marker's indentation, other lines untouched", () => {
  const src = [
    "function f(x) {",
    "    const y = 1;",
    "    // BEGIN SOLUTION",
    "    return x + y;",
    "    // END SOLUTION",
    "}",
    "f(2);",
  ].join("\n");
  const out = releaseCellSource(solution(src), 5);
  assert.is(out, ["function f(x) {", "    const y = 1;", `    ${CODE_STUB[0]}`, `    ${CODE_STUB[1]}`, "}", "f(2);"].join("\n"));
  assert.is(CODE_STUB[1], 'throw new Error("No implementado");');
});

test("several regions, tab indentation, trailing newline kept, last-line region", () => {
  const src = "a;\n// BEGIN SOLUTION\nb;\n// END SOLUTION\n\tif (x) {\n\t// BEGIN SOLUTION\n\tc;\n\t// END SOLUTION\n\t}\n";
  assert.is(
    releaseCellSource(solution(src), 0),
    `a;\n${CODE_STUB[0]}\n${CODE_STUB[1]}\n\tif (x) {\n\t${CODE_STUB[0]}\n\t${CODE_STUB[1]}\n\t}\n`,
  );
  const last = "x;\n  // BEGIN SOLUTION\n  y;\n  // END SOLUTION";
  assert.is(releaseCellSource(solution(last), 0), `x;\n  ${CODE_STUB[0]}\n  ${CODE_STUB[1]}`);
});

test("hidden tests are removed from grade cells, nothing else changes", () => {
  const src =
    "marks(1, () => assert(a));\n// BEGIN HIDDEN TESTS\nmarks(2, () => assert(secret));\n// END HIDDEN TESTS\nmarks(3, () => assert(b));";
  assert.is(releaseCellSource(tests(src), 0), "marks(1, () => assert(a));\nmarks(3, () => assert(b));");
  const atEnd = "marks(1, () => assert(a));\n// BEGIN HIDDEN TESTS\nmarks(2, () => assert(secret));\n// END HIDDEN TESTS";
  assert.is(releaseCellSource(tests(atEnd), 0), "marks(1, () => assert(a));");
});

test("markdown solution cells: the whole answer, or only its regions, become YOUR ANSWER HERE", () => {
  const md = (s: string) => cell(s, { grade_id: "ans", grade: true, solution: true, points: 0 }, "markdown");
  assert.is(releaseCellSource(md("RESPUESTAS: mi respuesta secreta"), 0), TEXT_STUB);
  assert.is(releaseCellSource(md("Pregunta\nBEGIN SOLUTION\nsecreto\nEND SOLUTION\nfin"), 0), `Pregunta\n${TEXT_STUB}\nfin`);
});

test("cells without nbgrader metadata are released as they are", () => {
  const src = "const x = 1; // BEGIN SOLUTION mentioned in a comment is not a marker line\nconsole.log('END SOLUTION')";
  assert.is(releaseCellSource(cell(src, null), 0), src);
});

test("nested, unclosed, unopened and mismatched markers are errors naming the cell and line", () => {
  throwsNaming(
    () => releaseCellSource(solution("// BEGIN SOLUTION\n// BEGIN SOLUTION\nx\n// END SOLUTION\n// END SOLUTION"), 7),
    /cell 7 \(sol\)/,
    /line 2: BEGIN SOLUTION inside the SOLUTION region opened on line 1/,
  );
  throwsNaming(() => releaseCellSource(solution("a\n// BEGIN SOLUTION\nx"), 3), /cell 3 \(sol\)/, /line 2: BEGIN SOLUTION is never closed/);
  throwsNaming(() => releaseCellSource(solution("x\n// END SOLUTION"), 3), /cell 3/, /line 2: END SOLUTION without a BEGIN/);
  throwsNaming(
    () => releaseCellSource(tests("// BEGIN HIDDEN TESTS\n// BEGIN SOLUTION\nx\n// END SOLUTION\n// END HIDDEN TESTS"), 2),
    /cell 2 \(tests\)/,
    /cannot nest/,
  );
  throwsNaming(
    () => releaseCellSource(tests("// BEGIN HIDDEN TESTS\nx\n// END SOLUTION"), 2),
    /cell 2/,
    /END SOLUTION closes the HIDDEN TESTS region/,
  );
});

test("markers where they would leak or be ignored are errors", () => {
  throwsNaming(() => releaseCellSource(cell("// BEGIN SOLUTION\nx\n// END SOLUTION", null), 4), /cell 4/, /not a solution cell/);
  throwsNaming(
    () => releaseCellSource(solution("// BEGIN HIDDEN TESTS\nx\n// END HIDDEN TESTS"), 4),
    /cell 4/,
    /outside an autograder test cell/,
  );
  throwsNaming(() => releaseCellSource(solution("const a = 1;"), 4), /cell 4 \(sol\)/, /without a \/\/ BEGIN SOLUTION/);
  throwsNaming(() => releaseCellSource(solution("// BEGIN SOLUTION please\nx\n// END SOLUTION"), 4), /cell 4/, /alone on its line/);
});

test.run();
