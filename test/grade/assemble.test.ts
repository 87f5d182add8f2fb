// What the grader executes for a submission: test and locked cells from the source in the source's
// order, answers from the submission, the student's extra cells next to their answers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cellSource, readNotebook, type Notebook, type NotebookCell } from "../../grading/notebook";
import { releaseNotebook } from "../../grading/notebook/release";
import { assemble } from "../../grading/grade/assemble";
import { validateSource } from "../../grading/grade/validate";
import { gradeId } from "../../grading/notebook/nbgrader";
import { miniSource, solved } from "./submissions";

const source = validateSource(readNotebook(miniSource), miniSource);
const opts = { nonce: "feedfacefeedfacefeedfacefeedface", observerPath: "/o/observe.js", defaultTimeout: 11 };
const roles = (nb: Notebook) => assemble(source, nb, opts).cells.map((c) => `${c.role}:${c.gradeId ?? cellSource(c.cell).slice(0, 12)}`);
const code = (s: string): NotebookCell => ({ cell_type: "code", source: s, metadata: {}, outputs: [], execution_count: null });
const clone = (nb: Notebook): Notebook => JSON.parse(JSON.stringify(nb)) as Notebook;
const at = (nb: Notebook, gid: string) => nb.cells.findIndex((c) => gradeId(c) === gid);

test("a faithful submission keeps its cells in order; test cells become kernel code with this run's nonce", () => {
  const a = assemble(source, solved(source.nb), opts);
  assert.equal(
    a.cells.map((c) => c.role),
    [
      "student",
      "student",
      "locked",
      "solution",
      "grade",
      "student",
      "solution",
      "grade",
      "solution",
      "grade",
      "student",
      "manual",
      "student",
      "solution",
      "grade",
      "student",
    ],
  );
  assert.equal(a.notes, []);
  assert.equal(a.restored, []);
  const grade = a.cells.find((c) => c.gradeId === "words_checks")!;
  assert.match(
    cellSource(grade.cell),
    /__lab4_observer\.observe\("feedfacefeedfacefeedfacefeedface", "words_checks", 3, \[\(\) => \(words\[1\]\)\]\)/,
  );
  assert.not.match(grade.displaySource, /HIDDEN|words\[1\]/, "students are shown the released test cell");
  assert.equal(new Set(a.cells.map((c) => c.cell.id)).size, a.cells.length);
});

test("edited, deleted and moved test cells are restored from the source and reported", () => {
  const nb = solved(source.nb);
  nb.cells[at(nb, "tensor_check")]!.source = "marks(25, () => assert(true));";
  nb.cells[at(nb, "hidden_utils")]!.source = "const ESCALA_ = 1000;";
  nb.cells.splice(at(nb, "words_checks"), 1);
  const train = nb.cells.splice(at(nb, "train_check"), 1)[0]!;
  nb.cells.unshift(train);
  const a = assemble(source, nb, opts);
  assert.equal(a.restored.sort(), ["hidden_utils", "tensor_check", "words_checks"]);
  const text = a.notes.join("\n");
  assert.match(text, /tensor_check\): test cell was edited in the submission; restored/);
  assert.match(text, /hidden_utils\): locked cell was edited/);
  assert.match(text, /words_checks\): test cell deleted in the submission; restored/);
  assert.match(text, /out of order/);
  assert.equal(roles(nb), roles(solved(source.nb)), "same cells in the same order as the faithful submission");
  assert.is(cellSource(a.cells.find((c) => c.gradeId === "hidden_utils")!.cell), cellSource(source.nb.cells[2]!));
});

test("students' own cells travel with the answer they follow; cells before any answer stay first", () => {
  const nb = solved(source.nb);
  nb.cells.unshift(code("// mis notas"));
  nb.cells.splice(at(nb, "train") + 1, 0, code("console.log(losses.length)"));
  // move the train answer (and its note) before the words answer
  const i = at(nb, "train");
  const moved = nb.cells.splice(i, 2);
  nb.cells.splice(at(nb, "words"), 0, ...moved);
  const r = roles(nb);
  assert.is(r[0], "student:// mis notas");
  assert.equal(r.slice(r.indexOf("solution:train"), r.indexOf("solution:train") + 2), ["solution:train", "student:console.log("]);
  assert.ok(r.indexOf("solution:words") < r.indexOf("solution:train"), "back in the lab's order");
});

test("a missing answer cell is replaced by the released stub; a repeated grade_id is an ordinary cell", () => {
  const nb = solved(source.nb);
  nb.cells.splice(at(nb, "train"), 1);
  const dup = clone(nb).cells[at(nb, "words")]!;
  dup.source = "const extra = 1;";
  nb.cells.push(dup);
  const a = assemble(source, nb, opts);
  const train = a.cells.find((c) => c.gradeId === "train")!;
  assert.match(cellSource(train.cell), /throw new Error\("No implementado"\);/);
  assert.match(a.notes.join("\n"), /train\): answer cell missing from the submission; the released stub was used/);
  assert.match(a.notes.join("\n"), /repeats grade_id words; kept as an ordinary cell/);
  assert.is(a.cells[a.cells.length - 1]!.role, "student");
});

test("time limits come from the source, never from the submission's metadata", () => {
  const nb = solved(source.nb);
  nb.cells[at(nb, "train")]!.metadata["lab4"] = { timeout: 99999 };
  const extra = code("while (true) {}");
  extra.metadata["lab4"] = { timeout: 99999 };
  nb.cells.push(extra);
  const a = assemble(source, nb, opts);
  assert.is(a.cells.find((c) => c.gradeId === "train")!.timeout, 30);
  assert.is(a.cells[a.cells.length - 1]!.timeout, 11);
  assert.equal(a.cells[a.cells.length - 1]!.cell.metadata, {});
});

test("an answer moved to the top, or stripped of its nbgrader metadata, still lands in its place", () => {
  const nb = solved(source.nb);
  const train = nb.cells.splice(at(nb, "train"), 1)[0]!;
  delete train.metadata["nbgrader"]; // a frontend that drops metadata; the cell id remains
  nb.cells.unshift(train);
  assert.equal(roles(nb), roles(solved(source.nb)));
  assert.match(assemble(source, nb, opts).notes.join(), /out of order/);
});

test("the untouched release assembles into the same cells with stubs in every answer", () => {
  const a = assemble(source, releaseNotebook(source.nb), opts);
  assert.equal(a.notes, []);
  for (const c of a.cells.filter((x) => x.role === "solution")) assert.match(cellSource(c.cell), /No implementado/);
});

test.run();
