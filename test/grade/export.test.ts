// lab4 gradebook export on small gradebooks: failed rows are named and never exported as zeros;
// the late-penalty policy is parsed strictly and capped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { exportGradebook, parseLatePenalty, scoreOf } from "../../grading/export";
import type { GradebookData, GradeRow } from "../../grading/grade/gradebook";

function row(student: string, over: Partial<GradeRow> = {}): GradeRow {
  return {
    student,
    file: `${student}.ipynb`,
    sha256: "b".repeat(64),
    status: "graded",
    reason: "",
    notes: [],
    checks: {},
    checkReasons: {},
    parts: {},
    total: 30,
    possible: 40,
    percent: 75,
    seconds: 1,
    kernelSeconds: 1,
    startupSeconds: 0,
    gradedAt: "2026-03-01T00:00:00Z",
    sandbox: "none",
    feedback: null,
    autograded: null,
    ...over,
  };
}

const data: GradebookData = {
  version: 1,
  source: { file: "s.ipynb", sha256: "a".repeat(64), checks: [], parts: [], possible: 40 },
  students: {
    ana: row("ana"),
    cy: row("cy", { status: "failed", reason: "the kernel did not start", total: 0 }),
    dee: row("dee", { status: "failed", reason: "grader error", total: 0 }),
  },
};

test("failed rows are named, not written as zeros", () => {
  for (const format of ["canvas", "moodle", "csv"] as const) {
    const r = exportGradebook(data, "/nonexistent", { format, assignment: "Lab 4" });
    assert.equal(r.failed, ["cy", "dee"], format);
    assert.not.match(r.csv, /\bcy\b|\bdee\b/, format);
  }
  const csv = exportGradebook(data, "/nonexistent", { format: "csv", assignment: "Lab 4" }).csv;
  assert.is(csv.split("\n").length, 3, "header, ana, final newline");
});

test("late penalty: per day, capped, recorded apart; scaled to the LMS's points", () => {
  assert.equal(parseLatePenalty("10%/day,max=50%"), { perDay: 10, max: 50 });
  assert.equal(parseLatePenalty("5%/day"), { perDay: 5, max: 100 });
  for (const bad of ["10", "10%/week", "10%/day,max=", "150%/day"]) assert.throws(() => parseLatePenalty(bad), /late-penalty/, bad);
  const late = row("x", { late: true, submittedAt: "2026-03-08T01:00:00Z" });
  const s = scoreOf(late, { late: { perDay: 10, max: 50 }, due: "2026-03-01T00:00:00Z", points: 100 });
  assert.equal([s.daysLate, s.penaltyPercent, s.raw, s.final], [8, 50, 30, 37.5]);
  assert.equal(
    scoreOf(late, { late: { perDay: 10, max: 50 }, due: null, points: null }).final,
    27,
    "flagged late without a deadline: one day",
  );
  assert.equal(scoreOf(row("y"), { late: { perDay: 10, max: 50 }, due: null, points: null }).final, 30);
  assert.equal(scoreOf(row("z", { status: "refused", total: 0 }), { points: null }).final, 0);
});

test.run();
