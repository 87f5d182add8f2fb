// Discovery on a class folder with every layout (no kernel runs here): each file under the input
// is found once, with the student its layout names and the reason it is refused; zips are read
// entry by entry without anything written outside a temporary folder.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { zipSync } from "fflate";
import { collect, CollectError, nbgraderTimestamp } from "../../grading/grade/collect";
import { extractZip } from "../../grading/grade/unzip";
import { readRoster, RosterError } from "../../grading/grade/roster";
import { writeMixedClass, type MixedClass } from "./mixed-class";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-collect-"));
let cls: MixedClass;
test.before(() => {
  cls = writeMixedClass(path.join(base, "class"));
});
test.after(() => fs.rmSync(base, { recursive: true, force: true }));

test("every file of the mixed class is found once, with its student, layout and intake refusal", async () => {
  const c = await collect([cls.root], "ps1");
  try {
    const seen = c.files.map((f) => f.shown).sort();
    assert.equal(seen, Object.keys(cls.files).sort());
    for (const f of c.files) {
      const exp = cls.files[f.shown]!;
      const where = `${f.shown}: ${JSON.stringify(f)}`;
      assert.is(f.student, exp.student, where);
      assert.is(f.layout, exp.layout, where);
      if (exp.status === "refused" && exp.stage === undefined) assert.match(f.refused ?? "", exp.reason!, where);
      else assert.is(f.refused, null, where);
    }
    const byStudent = Object.fromEntries(c.students.map((p) => [p.student, p]));
    assert.equal(Object.keys(byStudent).sort(), Object.keys(cls.students).sort());
    assert.is(byStudent["1002"]!.chosen!.late, true, "Canvas's LATE mark");
    assert.is(byStudent["1001"]!.chosen!.late, false);
    assert.is(byStudent["1001"]!.chosen!.name, "smithbob");
    assert.is(byStudent["12345"]!.chosen!.name, "Ana María Pérez");
    assert.is(byStudent["12345"]!.chosen!.lmsId, "12345");
    assert.is(byStudent["carla"]!.chosen!.submittedAt, "2026-03-01T09:30:00.123Z", "nbgrader's timestamp.txt");
    assert.is(byStudent["1002"]!.chosen!.submittedAt, "2026-03-02T12:00:00.000Z", "the zip entry's time");
    assert.is(byStudent["eve"]!.chosen, null);
  } finally {
    c.cleanup();
  }
  assert.equal(fs.readdirSync(path.dirname(cls.root)).sort(), ["class", "roster.csv"], "nothing escaped the zip next to the class");
  assert.not.ok(fs.existsSync("/etc/absolute.ipynb"));
});

test("nbgrader: several assignments without --assignment is an error naming them", async () => {
  await collect([cls.root]).then(
    () => assert.unreachable("should have thrown"),
    (e: unknown) => {
      assert.instance(e, CollectError);
      assert.match((e as Error).message, /several assignments \(ps1, ps2\): pick one with --assignment NAME/);
    },
  );
  const only = await collect([path.join(cls.root, "submitted")], "ps2");
  assert.equal(
    only.students.map((p) => [p.student, p.chosen?.shown]),
    [["carla", path.join(cls.root, "submitted", "carla", "ps2", "lab4.ipynb")]],
  );
  only.cleanup();
});

test("nbgrader course folder: only submitted/ is graded, the instructor's source is listed, never graded", async () => {
  const course = path.join(base, "course");
  for (const f of ["source/ps1/lab4.ipynb", "release/ps1/lab4.ipynb", "submitted/xia/ps1/lab4.ipynb"]) {
    fs.mkdirSync(path.dirname(path.join(course, f)), { recursive: true });
    fs.writeFileSync(path.join(course, f), "{}");
  }
  fs.writeFileSync(path.join(course, "nbgrader_config.py"), "c = get_config()\n");
  const c = await collect([course]);
  assert.equal(
    c.students.map((p) => p.student),
    ["xia"],
  );
  assert.equal(
    c.files
      .filter((f) => f.refused !== null)
      .map((f) => path.relative(course, f.shown))
      .sort(),
    ["nbgrader_config.py", path.join("release", "ps1", "lab4.ipynb"), path.join("source", "ps1", "lab4.ipynb")],
  );
  assert.ok(c.files.filter((f) => f.refused !== null).every((f) => /outside submitted\//.test(f.refused!)));
});

test("zip: hostile entries are refused one by one and nothing lands outside the temporary folder", async () => {
  const z = path.join(base, "hostile.zip");
  const unix = (mode: number) => ({ os: 3, attrs: (mode << 16) >>> 0 });
  fs.writeFileSync(
    z,
    zipSync({
      "ok/a.ipynb": new Uint8Array(Buffer.from("{}")),
      "../../outside.txt": new Uint8Array(Buffer.from("x")),
      "a/../../b.txt": new Uint8Array(Buffer.from("x")),
      "/tmp/abs.txt": new Uint8Array(Buffer.from("x")),
      "C:/win.txt": new Uint8Array(Buffer.from("x")),
      "..\\back.txt": new Uint8Array(Buffer.from("x")),
      lnk: [new Uint8Array(Buffer.from("/etc/shadow")), unix(0o120777)],
      fifo: [new Uint8Array(0), unix(0o010644)],
    }),
  );
  const ex = await extractZip(z);
  try {
    const by = Object.fromEntries(ex.entries.map((e) => [e.name, e]));
    assert.is(by["ok/a.ipynb"]!.refused, null);
    assert.ok(by["ok/a.ipynb"]!.file!.startsWith(ex.dir + path.sep));
    for (const n of ["../../outside.txt", "a/../../b.txt", "../back.txt"]) assert.match(by[n]!.refused!, /invalid relative path/, n);
    for (const n of ["/tmp/abs.txt", "C:/win.txt"]) assert.match(by[n]!.refused!, /absolute path/, n);
    assert.match(by["lnk"]!.refused!, /symbolic link/);
    assert.match(by["fifo"]!.refused!, /special file/);
    assert.not.ok(fs.existsSync(path.join(base, "outside.txt")));
    assert.not.ok(fs.existsSync("/tmp/abs.txt"));
    assert.equal(fs.readdirSync(ex.dir), ["ok"]);
  } finally {
    fs.rmSync(ex.dir, { recursive: true, force: true });
  }
  const notZip = path.join(base, "fake.zip");
  fs.writeFileSync(notZip, "not a zip");
  const c = await collect([notZip]);
  assert.match(c.files[0]!.refused!, /not a readable zip/);
});

test("Canvas names: anonymous grading, text entries, names with underscores", async () => {
  const dir = path.join(base, "canvas-names");
  fs.mkdirSync(dir);
  for (const f of [
    "LATE_anon_ab12c_5001_lab4.ipynb",
    "perezana_1005_text.html",
    "smith_jonesbob_1006_5006_lab4-1.ipynb",
    "Dora Diaz_12_assignsubmission_file_lab4.ipynb",
  ])
    fs.writeFileSync(path.join(dir, f), "{}");
  const c = await collect([dir]);
  assert.equal(
    c.files.map((f) => [path.basename(f.shown), f.layout, f.student, f.name, f.lmsFileId, f.late, f.refused]),
    [
      ["Dora Diaz_12_assignsubmission_file_lab4.ipynb", "moodle", "12", "Dora Diaz", null, false, null],
      ["LATE_anon_ab12c_5001_lab4.ipynb", "canvas", "anon_ab12c", null, "5001", true, null],
      ["perezana_1005_text.html", "canvas", "1005", "perezana", null, false, "not a notebook"],
      ["smith_jonesbob_1006_5006_lab4-1.ipynb", "canvas", "1006", "smith_jonesbob", "5006", false, null],
    ],
  );
});

test("nbgrader timestamps, roster errors", () => {
  assert.is(nbgraderTimestamp("2026-03-01 09:30:00.123456 UTC"), "2026-03-01T09:30:00.123Z");
  assert.is(nbgraderTimestamp("yesterday"), null);
  const r = readRoster(cls.roster);
  assert.equal(r.get("1001"), { id: "1001", name: "Smith, Bob", email: "bob@uni.edu", section: "B" });
  const bad = path.join(base, "bad-roster.csv");
  fs.writeFileSync(bad, "name,email\nAna,a@b\n");
  assert.throws(
    () => readRoster(bad),
    (e: unknown) => e instanceof RosterError && /no "id" column/.test((e as Error).message),
  );
  fs.writeFileSync(bad, "id,name\n1,A\n1,B\n");
  assert.throws(() => readRoster(bad), /id 1 appears twice/);
});

test.run();
