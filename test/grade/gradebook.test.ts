// The gradebook: incremental, re-runs skip what is final, CSV readable by a CSV parser, shards merge.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { Gradebook, GradebookError, mergeGradebooks, type GradebookSource, type GradeRow } from "../../grading/grade/gradebook";
import { shardOf } from "../../grading/grade/run";
import { collect } from "../../grading/grade/collect";

const source: GradebookSource = {
  file: "src.ipynb",
  sha256: "a".repeat(64),
  checks: [
    { key: "w:1", gradeId: "w", index: 1, points: 3, hidden: false, part: "Parte 1" },
    { key: "w:2", gradeId: "w", index: 2, points: 2, hidden: true, part: "Parte 1" },
    { key: "t:1", gradeId: "t", index: 1, points: 25, hidden: false, part: "Parte 2" },
  ],
  parts: ["Parte 1", "Parte 2"],
  possible: 30,
};

function row(student: string, over: Partial<GradeRow> = {}): GradeRow {
  return {
    student,
    file: `subs/${student}.ipynb`,
    sha256: "b".repeat(64),
    status: "graded",
    reason: "",
    notes: [],
    checks: { "w:1": 3, "w:2": 0, "t:1": 25 },
    checkReasons: { "w:2": "AssertionError" },
    parts: { "Parte 1": 3, "Parte 2": 25 },
    total: 28,
    possible: 30,
    percent: (100 * 28) / 30,
    seconds: 7.25,
    kernelSeconds: 4,
    startupSeconds: 2,
    gradedAt: "2025-01-01T00:00:00.000Z",
    sandbox: "bwrap",
    feedback: `feedback/${student}.html`,
    autograded: `autograded/${student}.ipynb`,
    ...over,
  };
}

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-gb-"));
  made.push(d);
  return d;
};
test.after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

test("rows are written at once to JSON and CSV; the CSV parses back to the same numbers", () => {
  const dir = tmp();
  const book = new Gradebook(dir, source, false);
  book.put(row("ana"));
  book.put(row('bob, "the" student', { status: "refused", reason: "x.ipynb: not valid JSON (line 1, col 2)\nmore", checks: {}, total: 0 }));
  const records = parse(fs.readFileSync(path.join(dir, "gradebook.csv"), "utf8"), { columns: true }) as Record<string, string>[];
  assert.equal(Object.keys(records[0]!).slice(0, 10), [
    "student",
    "status",
    "total",
    "possible",
    "percent",
    "part:Parte 1",
    "part:Parte 2",
    "w:1 /3",
    "w:2 (hidden) /2",
    "t:1 /25",
  ]);
  assert.equal(
    [records[0]!.student, records[0]!.total, records[0]!.percent, records[0]!["t:1 /25"], records[0]!["w:2 (hidden) /2"]],
    ["ana", "28", "93.33", "25", "0"],
  );
  assert.equal(
    [records[1]!.student, records[1]!.status, records[1]!.total, records[1]!.reason],
    ['bob, "the" student', "refused", "", "x.ipynb: not valid JSON (line 1, col 2)\nmore"],
  );
  const json = JSON.parse(fs.readFileSync(path.join(dir, "gradebook.json"), "utf8"));
  assert.equal(Object.keys(json.students).sort(), ["ana", 'bob, "the" student']);
});

test("re-runs: final rows for the same bytes are done; failed rows and changed files are not", () => {
  const dir = tmp();
  const book = new Gradebook(dir, source, false);
  book.put(row("ana"));
  book.put(row("cy", { status: "failed", reason: "kernel did not start" }));
  const again = new Gradebook(dir, source, false);
  assert.ok(again.isDone("ana", "b".repeat(64)));
  assert.not.ok(again.isDone("ana", "c".repeat(64)), "the student resubmitted");
  assert.not.ok(again.isDone("cy", "b".repeat(64)), "failed rows are retried");
  assert.not.ok(again.isDone("dee", "b".repeat(64)));
});

test("a gradebook from another instructor notebook is refused unless --force (which starts afresh)", () => {
  const dir = tmp();
  new Gradebook(dir, source, false).put(row("ana"));
  const other = { ...source, sha256: "f".repeat(64) };
  assert.throws(
    () => new Gradebook(dir, other, false),
    (e: unknown) => e instanceof GradebookError && /another version of the instructor notebook/.test((e as Error).message),
  );
  const fresh = new Gradebook(dir, other, true);
  assert.equal(Object.keys(fresh.rows), []);
});

test("merge joins shards, re-anchors file links, keeps the latest row of a repeated submission", () => {
  const base = tmp();
  const s1 = path.join(base, "s1");
  const s2 = path.join(base, "s2");
  new Gradebook(s1, source, false).put(row("ana"));
  const b2 = new Gradebook(s2, source, false);
  b2.put(row("bob"));
  b2.put(row("ana", { total: 30, gradedAt: "2025-02-01T00:00:00.000Z" }));
  const out = path.join(base, "all");
  const merged = mergeGradebooks([s1, s2], out);
  assert.equal(Object.keys(merged.students).sort(), ["ana", "bob"]);
  assert.is(merged.students["ana"]!.total, 30);
  assert.is(merged.students["bob"]!.feedback, path.join("..", "s2", "feedback", "bob.html"));
  assert.ok(fs.existsSync(path.join(out, "gradebook.csv")));
});

test("merge refuses different notebooks and different submissions of one student", () => {
  const base = tmp();
  new Gradebook(path.join(base, "a"), source, false).put(row("ana"));
  new Gradebook(path.join(base, "b"), { ...source, sha256: "e".repeat(64) }, false).put(row("bob"));
  new Gradebook(path.join(base, "c"), source, false).put(row("ana", { sha256: "d".repeat(64) }));
  assert.throws(() => mergeGradebooks([path.join(base, "a"), path.join(base, "b")], path.join(base, "o1")), /another instructor notebook/);
  assert.throws(
    () => mergeGradebooks([path.join(base, "a"), path.join(base, "c")], path.join(base, "o2")),
    /student ana has different submissions/,
  );
  assert.throws(() => mergeGradebooks([path.join(base, "nowhere")], path.join(base, "o3")), /no gradebook.json there/);
});

test("submissions: files, per-student folders (newest notebook graded), hidden folders and other files listed", async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, "zoe.ipynb"), "{}");
  fs.mkdirSync(path.join(dir, "ana"));
  fs.writeFileSync(path.join(dir, "ana", "whatever.ipynb"), "{}");
  fs.mkdirSync(path.join(dir, "bob"));
  fs.writeFileSync(path.join(dir, "bob", "lab4.ipynb"), "{}");
  fs.writeFileSync(path.join(dir, "bob", "old.ipynb"), "{}");
  fs.utimesSync(path.join(dir, "bob", "old.ipynb"), new Date("2020-01-01"), new Date("2020-01-01"));
  fs.mkdirSync(path.join(dir, ".ipynb_checkpoints"));
  fs.writeFileSync(path.join(dir, ".ipynb_checkpoints", "zoe-checkpoint.ipynb"), "{}");
  fs.writeFileSync(path.join(dir, "notes.txt"), "");
  const found = await collect([dir]);
  assert.equal(
    found.students.map((s) => [s.student, path.relative(dir, s.chosen!.shown)]),
    [
      ["ana", path.join("ana", "whatever.ipynb")],
      ["bob", path.join("bob", "lab4.ipynb")],
      ["zoe", "zoe.ipynb"],
    ],
  );
  assert.equal(
    found.files.filter((f) => f.refused !== null).map((f) => [path.relative(dir, f.shown), f.refused!.split(":")[0]]),
    [
      [path.join(".ipynb_checkpoints", "zoe-checkpoint.ipynb"), "inside the hidden folder .ipynb_checkpoints"],
      [path.join("bob", "old.ipynb"), "a second notebook of student bob"],
      ["notes.txt", "not a notebook, and no student could be told from its name"],
    ],
  );
  // the same student named twice: the newer file is graded, the other listed
  const twice = await collect([dir, path.join(dir, "zoe.ipynb")]);
  assert.equal(
    twice.files.filter((f) => f.student === "zoe").map((f) => f.refused === null),
    [true, false],
  );
  await collect([path.join(dir, "missing")]).then(
    () => assert.unreachable("no error"),
    (e: unknown) => assert.match((e as Error).message, /no such file or folder/),
  );
});

test("shards: disjoint, together everything, deterministic and balanced", () => {
  const items = Array.from({ length: 31 }, (_, i) => `s${String(i).padStart(2, "0")}`);
  const shards = [1, 2, 3, 4].map((i) => shardOf(items, { index: i, count: 4 }));
  assert.equal(shards.flat().sort(), items);
  assert.equal(new Set(shards.flat()).size, items.length);
  assert.equal(
    shards.map((s) => s.length),
    [8, 8, 8, 7],
  );
  assert.equal(shardOf(items, { index: 2, count: 4 }), shards[1]);
  assert.equal(shardOf(items, null), items);
});

test.run();
