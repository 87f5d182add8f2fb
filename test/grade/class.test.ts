// The whole batch on the hostile class set (generated from the mini instructor notebook), two at a
// time: legitimate submissions get exactly what their answers earn, hostile ones what they earned
// and a reason, broken files are refused; nothing reaches outside its sandbox; feedback never
// shows a hidden test; re-runs skip finished work; shards merge into the same gradebook.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { main } from "../../grading/cli";
import { testKit } from "../kit-fixture";
import type { GradebookData } from "../../grading/grade/gradebook";
import { probeSandbox } from "../../grading/grade/sandbox";
import { readNotebook } from "../../grading/notebook";
import { miniSource, repoRoot, writeMiniClassSet, type Expected } from "./submissions";
import { BWRAP_INSTALL, requireTool } from "../helpers/require-tool";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-class-"));
const subs = path.join(base, "subs");
const out = path.join(base, "out");
let expected: Record<string, Expected>;
let book: GradebookData;
const logs: string[] = [];
const workBefore = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("lab4-grade-")));
const kit = testKit();
const common = ["--source", miniSource, "--kit", kit.dir, "--timeout-cell", "8", "--memory-mb", "1536"];

const grade = async (args: string[]) => {
  const code = await main(["grade", ...args, ...common], (l) => logs.push(l));
  return code;
};
const readBook = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "gradebook.json"), "utf8")) as GradebookData;

test.before(async () => {
  expected = writeMiniClassSet(subs, { outDir: out, otherSubmission: path.join(subs, "perfect.ipynb") });
  const code = await grade([subs, "--jobs", "2", "--out", out]);
  assert.is(code, 0, logs.join("\n"));
  book = readBook(out);
});

test("every submission has a row; each scores exactly what it earned", () => {
  assert.equal(Object.keys(book.students).sort(), Object.keys(expected).sort());
  for (const [name, exp] of Object.entries(expected)) {
    const r = book.students[name]!;
    const where = `${name}: ${JSON.stringify({ status: r.status, total: r.total, reason: r.reason, notes: r.notes, why: r.checkReasons })}`;
    if (exp.total === null) {
      assert.is(r.status, "refused", where);
      assert.ok(r.reason.startsWith(path.join(subs, `${name}.ipynb`) + ": "), `the refusal names the file: ${where}`);
      continue;
    }
    assert.is(r.status, "graded", where);
    assert.is(r.total, exp.total, where);
    assert.is(r.possible, 38);
    for (const m of exp.mention ?? []) assert.match([r.reason, ...r.notes].join("\n"), m, where);
  }
});

test("per-check marks and per-part totals of a legitimate partial submission", () => {
  const r = book.students["partial_wrong_counts"]!;
  assert.equal(r.checks, {
    "student_info_check:1": 0,
    "words_checks:1": 3,
    "words_checks:2": 0,
    "words_checks:3": 0,
    "train_check:1": 5,
    "tensor_check:1": 25,
  });
  assert.equal(r.parts, { General: 0, "Parte 1": 8, "Parte 2": 25 });
  assert.match(r.checkReasons["words_checks:3"]!, /not reached/);
  const csv = parse(fs.readFileSync(path.join(out, "gradebook.csv"), "utf8"), { columns: true }) as Record<string, string>[];
  const row = csv.find((x) => x.student === "partial_wrong_counts")!;
  assert.equal([row.total, row.percent, row["part:Parte 2"], row["words_checks:3 (hidden) /2"]], ["33", "86.84", "25", "0"]);
});

test("redefining checkScalar/assert/marks, patching the grading module and printing markers earn nothing", () => {
  const r = book.students["redefines_checks"]!;
  assert.is(r.total, 0);
  assert.equal(Object.values(r.checks), [0, 0, 0, 0, 0, 0]);
  assert.match(r.notes.join("\n"), /marker line\(s\) printed by the submission itself were ignored/);
  // the tricks did take effect inside the kernel: the grading module there answers true to anything
  const nb = readNotebook(path.join(out, r.autograded!));
  const printed = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
    .join("");
  assert.match(printed, /^patched true$/m);
});

test("isolation: the snooping submission could not read or write outside its sandbox", () => {
  const nb = readNotebook(path.join(out, "autograded", "snoop.ipynb"));
  const text = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
    .join("");
  const line = text.split("\n").find((l) => l.startsWith('{"source"'));
  assert.ok(line, "the snoop printed its findings");
  const tries = JSON.parse(line!) as Record<string, string>;
  assert.not.ok(fs.existsSync(path.join(out, "planted.txt")), "a file was planted in the gradebook folder");
  assert.is(readBook(out).students["perfect"]!.total, 38, "the gradebook is intact");
  const probe = probeSandbox("auto");
  if (requireTool({ what: "sandbox isolation checks", present: probe.mode === "bwrap", reason: probe.reason, install: BWRAP_INSTALL })) {
    for (const k of ["source", "real_source", "other", "gradebook", "plant"]) assert.match(tries[k]!, /^DENIED/, `${k}: ${tries[k]}`);
    // /tmp is private: at most the kernel's own socket folder shows there, plus, when the repository
    // itself lives under /tmp (a CI clone), the mount-point folder of its read-only node_modules/dist
    const repoUnderTmp = path.relative("/tmp", repoRoot).split(path.sep)[0];
    const ownMounts = repoRoot.startsWith("/tmp/") ? [repoUnderTmp] : [];
    const tmpEntries = tries["tmp"]!.replace(/^OK /, "")
      .split(",")
      .filter((e) => e !== "" && !ownMounts.includes(e));
    assert.ok(tmpEntries.every((e) => e.startsWith("lab4-grade-")) && tmpEntries.length <= 1, tries["tmp"]);
    assert.is(book.students["snoop"]!.sandbox, "bwrap");
  } else {
    assert.is(book.students["snoop"]!.sandbox, "none");
  }
  // its own data copy was writable, the shared data was not touched
  assert.match(tries["data_write"]!, /^OK/);
  assert.not.match(fs.readFileSync(path.join(__dirname, "../../data/README.md"), "utf8"), /^corrupted$/);
});

test("feedback: one HTML per graded student, marks shown, hidden tests never shown", () => {
  for (const [name, r] of Object.entries(book.students)) {
    if (r.status !== "graded") {
      assert.is(r.feedback, null);
      continue;
    }
    const html = fs.readFileSync(path.join(out, r.feedback!), "utf8");
    assert.not.match(
      html,
      /words\[1\]|0x9e5e43a8|HIDDEN TESTS|__lab4_observer/,
      `${name}: hidden test or grader internals in the feedback`,
    );
    assert.match(html, new RegExp(`Calificación automática: ${r.total} / 38`));
  }
  const perfect = fs.readFileSync(path.join(out, book.students["perfect"]!.feedback!), "utf8");
  assert.match(perfect, /Prueba oculta ✓ \[2 marks\]/);
  assert.match(perfect, /38 \/ 38 marks \(100\.0%\)/, "the closing summary shows the official total");
  const instructor = fs.readFileSync(path.join(out, book.students["perfect"]!.autograded!), "utf8");
  assert.match(instructor, /words\[1\]/, "the instructor's copy has the hidden test");
});

test("a re-run skips finished submissions; --force regrades", async () => {
  logs.length = 0;
  assert.is(await grade([subs, "--jobs", "2", "--out", out]), 0);
  assert.match(logs.join("\n"), new RegExp(`0 to grade, ${Object.keys(expected).length} already done`));
  const before = readBook(out).students["perfect"]!.gradedAt;
  logs.length = 0;
  assert.is(await grade([path.join(subs, "perfect.ipynb"), "--out", out, "--force"]), 0);
  const after = readBook(out);
  assert.ok(after.students["perfect"]!.gradedAt > before);
  assert.is(after.students["perfect"]!.total, 38);
  assert.equal(Object.keys(after.students).length, Object.keys(expected).length, "other rows kept");
});

test("shards 1/2 and 2/2 grade disjoint halves that merge into the same rows", async () => {
  const pick = path.join(base, "pick");
  fs.mkdirSync(pick);
  for (const n of ["perfect", "untouched_release", "broken_empty", "broken_python_kernel"])
    fs.copyFileSync(path.join(subs, `${n}.ipynb`), path.join(pick, `${n}.ipynb`));
  const [c1, c2] = await Promise.all([
    grade([pick, "--shard", "1/2", "--out", path.join(base, "s1"), "--no-feedback"]),
    grade([pick, "--shard", "2/2", "--out", path.join(base, "s2"), "--no-feedback"]),
  ]);
  assert.equal([c1, c2], [0, 0]);
  const s1 = Object.keys(readBook(path.join(base, "s1")).students);
  const s2 = Object.keys(readBook(path.join(base, "s2")).students);
  assert.equal(
    s1.filter((s) => s2.includes(s)),
    [],
  );
  assert.is(
    await main(["gradebook", "merge", path.join(base, "s1"), path.join(base, "s2"), "--out", path.join(base, "merged")], () => {}),
    0,
  );
  const merged = readBook(path.join(base, "merged"));
  assert.equal(Object.keys(merged.students).sort(), ["broken_empty", "broken_python_kernel", "perfect", "untouched_release"]);
  for (const [id, r] of Object.entries(merged.students)) {
    assert.equal([r.status, r.total, r.checks], [book.students[id]!.status, book.students[id]!.total, book.students[id]!.checks], id);
  }
});

test.after(() => {
  fs.rmSync(base, { recursive: true, force: true });
  const left = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("lab4-grade-") && !workBefore.has(f));
  assert.equal(left, [], "work folders are removed");
});

test.run();
