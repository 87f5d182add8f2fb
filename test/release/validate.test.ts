// Stage 1: an instructor notebook we cannot release or grade is refused with every problem named.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as path from "node:path";
import { readNotebook, type Notebook, type NotebookCell } from "../../grading/notebook";
import { SourceValidationError, validateSource } from "../../grading/grade/validate";

const mini = readNotebook(path.resolve(__dirname, "../fixtures/submissions/mini-source.ipynb"));

function edit(f: (nb: Notebook) => void): Notebook {
  const nb = JSON.parse(JSON.stringify(mini)) as Notebook;
  f(nb);
  return nb;
}
const byId = (nb: Notebook, id: string): NotebookCell => nb.cells.find((c) => c.id === id)!;
const meta = (c: NotebookCell) => c.metadata["nbgrader"] as Record<string, unknown>;

function problems(nb: Notebook): string[] {
  try {
    validateSource(nb, "mini.ipynb");
  } catch (e) {
    assert.instance(e, SourceValidationError);
    assert.match((e as Error).message, /^mini\.ipynb: /);
    return (e as SourceValidationError).problems;
  }
  return [];
}

test("the fixture is valid: parts, points, hidden checks", () => {
  const v = validateSource(mini, "mini.ipynb");
  assert.equal(v.parts, ["General", "Parte 1", "Parte 2"]);
  assert.equal(
    v.gradeCells.map((g) => [g.gradeId, g.points, g.part]),
    [
      ["student_info_check", 0, "General"],
      ["words_checks", 8, "Parte 1"],
      ["train_check", 5, "Parte 1"],
      ["tensor_check", 25, "Parte 2"],
    ],
  );
  assert.equal(
    v.gradeCells[1]!.compiled.checks.map((c) => c.hidden),
    [false, false, true],
  );
  assert.equal(
    v.manualCells.map((m) => m.gradeId),
    ["respuestas"],
  );
});

test("duplicate and malformed grade_ids, missing points, schema and flags", () => {
  const p = problems(
    edit((nb) => {
      meta(byId(nb, "train_check")).grade_id = "words_checks";
      meta(byId(nb, "tensor"))!.grade_id = "tensor cell!";
      delete meta(byId(nb, "tensor_check")).points;
      meta(byId(nb, "hidden_utils")).schema_version = 1;
      meta(byId(nb, "student_info")).locked = "no";
    }),
  );
  const all = p.join("\n");
  assert.match(all, /cell 9 \(words_checks\): grade_id "words_checks" already used by cell 7/);
  assert.match(all, /grade_id "tensor cell!" must match \[A-Za-z0-9_-\]\+/);
  assert.match(all, /cell 14 \(tensor_check\): a grade cell needs points/);
  assert.match(all, /hidden_utils\): nbgrader schema_version 1, expected 3/);
  assert.match(all, /student_info\): nbgrader.locked must be true or false/);
});

test("kernel language and nbformat", () => {
  const p = problems(
    edit((nb) => {
      nb.metadata.kernelspec = { name: "python3", language: "python", display_name: "Python 3" };
    }),
  );
  assert.match(p.join("\n"), /kernelspec language "python", expected "typescript"/);
});

test("points that do not match the marks() of the cell", () => {
  const p = problems(edit((nb) => (meta(byId(nb, "words_checks")).points = 6)));
  assert.match(p.join("\n"), /words_checks\): points 6 but its marks\(\) calls add up to 8/);
});

test("test cells the grader could not score faithfully", () => {
  const nested = problems(edit((nb) => (byId(nb, "train_check").source = "for (const x of [1]) marks(1, () => assert(x));")));
  assert.match(nested.join("\n"), /marks\(\) must be a statement of its own/);
  const decl = problems(edit((nb) => (byId(nb, "train_check").source = "marks(5, () => { const y = losses[0]; assert(y < 1); });")));
  assert.match(decl.join("\n"), /grade cell train_check, check 1 \(line 1\): a check body may only contain/);
  const notLiteral = problems(edit((nb) => (byId(nb, "train_check").source = "const n = 5;\nmarks(n, () => assert(true));")));
  assert.match(notLiteral.join("\n"), /marks of a check must be a number literal/);
  const syntax = problems(edit((nb) => (byId(nb, "train_check").source = "marks(5, () => assert(")));
  assert.match(syntax.join("\n"), /grade cell train_check: line 1: /);
});

test("marker problems anywhere are reported with the other problems", () => {
  const p = problems(
    edit((nb) => {
      byId(nb, "summary").source = "// BEGIN SOLUTION\nsecret();\n// END SOLUTION";
      byId(nb, "words").source = "// BEGIN SOLUTION\nconst words = [];";
    }),
  );
  assert.ok(p.length >= 2);
  assert.match(p.join("\n"), /cell 15 \(summary\): line 1: BEGIN SOLUTION in a cell that is not a solution cell/);
  assert.match(p.join("\n"), /cell 6 \(words\): line 1: BEGIN SOLUTION is never closed/);
});

test("a bad metadata.lab4.timeout", () => {
  const p = problems(edit((nb) => (byId(nb, "train").metadata["lab4"] = { timeout: -3 })));
  assert.match(p.join("\n"), /train\): metadata.lab4.timeout must be a positive number of seconds, got -3/);
});

test.run();
