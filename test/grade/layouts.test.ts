// lab4 grade on a class folder with every layout at once (test/grade/mixed-class.ts), then
// lab4 gradebook export to Canvas, Moodle and plain CSV: one gradebook row per file with the
// expected fate, the account line adds up, students keep their identity (layout + roster), and
// the exports have the LMSs' own columns.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { unzipSync } from "fflate";
import { main } from "../../grading/cli";
import type { GradebookData } from "../../grading/grade/gradebook";
import { testKit } from "../kit-fixture";
import { miniSource } from "./submissions";
import { writeMixedClass, type MixedClass } from "./mixed-class";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-layouts-"));
const out = path.join(base, "out");
const kit = testKit();
const common = ["--source", miniSource, "--kit", kit.dir, "--timeout-cell", "20", "--memory-mb", "1536", "--assignment", "ps1"];
let cls: MixedClass;
let book: GradebookData;
const logs: string[] = [];
const run = (args: string[]) => main(args, (l) => logs.push(l));

test.before(async () => {
  cls = writeMixedClass(path.join(base, "class"));
  const code = await run(["grade", cls.root, "--roster", cls.roster, "--jobs", "2", "--out", out, ...common]);
  assert.is(code, 0, logs.join("\n"));
  book = JSON.parse(fs.readFileSync(path.join(out, "gradebook.json"), "utf8")) as GradebookData;
});
test.after(() => fs.rmSync(base, { recursive: true, force: true }));

test("one row per file, each graded or refused with its reason", () => {
  const files = book.files!;
  assert.equal(Object.keys(files).sort(), Object.keys(cls.files).sort());
  for (const [shown, exp] of Object.entries(cls.files)) {
    const r = files[shown]!;
    const where = `${shown}: ${JSON.stringify(r)}`;
    assert.is(r.status, exp.status, where);
    assert.is(r.student, exp.student, where);
    if (exp.reason) assert.match(r.reason, exp.reason, where);
  }
  const csv = parse(fs.readFileSync(path.join(out, "files.csv"), "utf8"), { columns: true }) as Record<string, string>[];
  assert.is(csv.length, Object.keys(cls.files).length);
  assert.equal(Object.keys(csv[0]!), ["file", "student", "status", "reason", "layout"]);
});

test("students: marks, identity from the layout and the roster, lateness; the account line adds up", () => {
  assert.equal(Object.keys(book.students).sort(), Object.keys(cls.students).sort());
  for (const [id, exp] of Object.entries(cls.students)) {
    const r = book.students[id]!;
    const where = `${id}: ${JSON.stringify({ status: r.status, total: r.total, reason: r.reason, identity: r.identity })}`;
    assert.is(r.status, exp.status, where);
    if (exp.total !== null) assert.is(r.total, exp.total, where);
    if (exp.name) assert.is(r.identity!.name, exp.name, where);
    assert.is(r.late ?? false, exp.late ?? false, where);
  }
  assert.match(book.students["1003"]!.notes.join("\n"), /kernelspec "typescript".*graded with the tslab kernel/);
  assert.equal(
    [book.students["ana"]!.identity!.email, book.students["ana"]!.identity!.section, book.students["ana"]!.identity!.inRoster],
    ["ana@uni.edu", "A", true],
  );
  assert.equal(book.rosterUnmatched, ["ghost"]);
  assert.ok(logs.some((l) => /1 roster id\(s\) match no submission: ghost/.test(l)));
  const n = Object.keys(cls.files).length;
  const graded = Object.values(cls.files).filter((f) => f.status === "graded").length;
  assert.ok(
    logs.includes(
      `lab4 grade: files seen: ${n} = ${graded} graded + ${n - graded} refused + 0 skipped (already done) (each file's fate: ` +
        `${path.join(out, "files.csv")})`,
    ),
    logs.join("\n"),
  );
});

test("a re-run accounts for every file again: finished ones are skipped", async () => {
  logs.length = 0;
  assert.is(await run(["grade", cls.root, "--roster", cls.roster, "--out", out, ...common]), 0);
  const n = Object.keys(cls.files).length;
  const read = Object.values(cls.files).filter((f) => f.status === "graded" || f.stage === "read").length;
  const line = logs.find((l) => l.includes("files seen:"))!;
  assert.match(line, new RegExp(`files seen: ${n} = 0 graded \\+ ${n - read} refused \\+ ${read} skipped \\(already done\\)`));
});

test("Canvas export: the gradebook-import columns, points, Canvas user ids where the layout gave them", async () => {
  const csvFile = path.join(base, "canvas.csv");
  const zip = path.join(base, "canvas-feedback.zip");
  assert.is(
    await run([
      "gradebook",
      "export",
      out,
      "--format",
      "canvas",
      "--out",
      csvFile,
      "--name",
      "Lab 4",
      "--canvas-assignment-id",
      "777",
      "--feedback-zip",
      zip,
      "--late-penalty",
      "10%/day,max=50%",
    ]),
    0,
  );
  const text = fs.readFileSync(csvFile, "utf8");
  const lines = text.split("\n");
  assert.is(lines[0], "Student,ID,SIS User ID,SIS Login ID,Section,Lab 4 (777)");
  assert.is(lines[1], "    Points Possible,,,,,38");
  const rows = parse(text, { columns: true, from_line: 1 }) as Record<string, string>[];
  const by = (k: string, v: string) => rows.find((r) => r[k] === v)!;
  assert.equal(by("ID", "1001"), {
    Student: "Smith, Bob",
    ID: "1001",
    "SIS User ID": "",
    "SIS Login ID": "",
    Section: "B",
    "Lab 4 (777)": "0",
  });
  assert.is(by("ID", "1002")["Lab 4 (777)"], "34.2", "late one day: 10% off 38");
  assert.is(by("SIS User ID", "ana")["Lab 4 (777)"], "38");
  assert.is(by("SIS User ID", "eve")["Lab 4 (777)"], "0", "refused: zero, its reason in the other exports");
  const entries = Object.keys(unzipSync(new Uint8Array(fs.readFileSync(zip))));
  // as Canvas's "Re-Upload Submissions" reads a name: the first two all-digit "_" parts are user and attachment id
  assert.ok(entries.includes("smithbob_1001_5001_Lab-4-feedback.html"), entries.join("\n"));
  assert.ok(entries.includes("ana_Lab-4-feedback.html"), entries.join("\n"));
  for (const e of entries.filter((x) => /^\w+_\d+_/.test(x))) {
    const [uid, fid] = e.split("_").filter((p) => /^\d+$/.test(p));
    const r = Object.values(book.students).find((s) => s.identity?.lmsId === uid)!;
    assert.is(r.identity!.lmsFileId, fid, e);
  }
});

test("Moodle export: the grading worksheet's columns and a feedback zip Moodle's importer matches", async () => {
  const csvFile = path.join(base, "moodle.csv");
  const zip = path.join(base, "moodle-feedback.zip");
  logs.length = 0;
  const code = await run(["gradebook", "export", out, "--format", "moodle", "--out", csvFile, "--feedback-zip", zip, "--points", "100"]);
  assert.is(code, 1, "students without a Moodle participant id cannot be exported");
  assert.match(
    logs.join("\n"),
    /NOT exported, the LMS cannot match them \(no moodle id in their submission's layout\): 1001, 1002, 1003, 1004, ana, bob, broken, carla, eve, pipe/,
  );
  const text = fs.readFileSync(csvFile, "utf8");
  assert.is(
    text.split("\n")[0],
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,Last modified (submission),Last modified " +
      "(grade),Feedback comments",
  );
  const rows = parse(text, { columns: true }) as Record<string, string>[];
  assert.equal(
    rows.map((r) => [r.Identifier, r["Full name"], r.Grade, r["Maximum Grade"]]),
    [
      ["Participant 12345", "Ana María Pérez", "100.00", "100.00"],
      ["Participant 12346", "Dora Diaz", "0.00", "100.00"],
    ],
  );
  assert.match(rows[1]!["Feedback comments"]!, /Not graded: .*language "python"/);
  // Moodle's importer: the first path part that splits on "_" into name, numeric id, plugin type, plugin name
  const entries = Object.keys(unzipSync(new Uint8Array(fs.readFileSync(zip))));
  assert.equal(entries, ["Ana María Pérez_12345_assignfeedback_file_/Lab-4-feedback.html"]);
  const info = entries[0]!.split("/")[0]!.split("_");
  assert.equal([info[1], info[2], info[3]], ["12345", "assignfeedback", "file"]);
});

test("plain CSV export: raw score, days late and penalty kept apart from the final score", async () => {
  const csvFile = path.join(base, "plain.csv");
  assert.is(
    await run([
      "gradebook",
      "export",
      out,
      "--format",
      "csv",
      "--out",
      csvFile,
      "--late-penalty",
      "10%/day,max=50%",
      "--due",
      "2026-03-01T12:00:00Z",
      "--roster",
      cls.roster,
    ]),
    0,
  );
  const rows = parse(fs.readFileSync(csvFile, "utf8"), { columns: true }) as Record<string, string>[];
  const jane = rows.find((r) => r.student === "1002")!;
  assert.equal(
    [jane.raw_points, jane.late, jane.days_late, jane.penalty_percent, jane.final_points, jane.final_percent],
    ["38", "yes", "1", "10", "34.2", "90.00"],
  );
  const carla = rows.find((r) => r.student === "carla")!;
  assert.equal([carla.late, carla.days_late, carla.final_points], ["", "0", "38"], "submitted before the deadline (timestamp.txt)");
});

test.run();
