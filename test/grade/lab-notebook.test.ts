// The lab itself through the grader (quick profile): the instructor's answers typed into the
// released notebook score every check the notebook's own run passes, and the untouched release
// scores only what the lab's checks give away without any answer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../grading/cli";
import { testKit } from "../kit-fixture";
import type { GradebookData } from "../../grading/grade/gradebook";
import { readNotebook, type Notebook } from "../../grading/notebook";
import { probeSandbox } from "../../grading/grade/sandbox";
import { releaseNotebook, serializeNotebook } from "../../grading/notebook/release";
import { validateSource } from "../../grading/grade/validate";
import { repoRoot, solved } from "./submissions";

const sourceFile = path.join(repoRoot, "notebooks", "source", "lab4.ipynb");
const base = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-labnb-"));
let book: GradebookData;
const logs: string[] = [];

test.before(async () => {
  const src = readNotebook(sourceFile);
  const subs = path.join(base, "subs");
  fs.mkdirSync(subs);
  fs.writeFileSync(path.join(subs, "instructor_answers.ipynb"), serializeNotebook(solved(src)));
  fs.writeFileSync(path.join(subs, "untouched_release.ipynb"), serializeNotebook(releaseNotebook(src)));
  fs.writeFileSync(path.join(subs, "imports_reference.ipynb"), serializeNotebook(importsReference(releaseNotebook(src))));
  // the quick profile is what CI can afford; Part 1 runs in full in it
  process.env.LAB4_PROFILE = "quick";
  const code = await main(
    ["grade", subs, "--jobs", "2", "--out", path.join(base, "out"), "--timeout-cell", "900", "--kit", testKit().dir],
    (l) => logs.push(l),
  );
  assert.is(code, 0, logs.join("\n"));
  book = JSON.parse(fs.readFileSync(path.join(base, "out", "gradebook.json"), "utf8")) as GradebookData;
});

// Where the answers live for the instructor: the reference implementations (source and built), the
// repository's own library and the instructor notebook, by absolute path and through the package name.
const REFERENCE_PATHS = [
  path.join(repoRoot, "dist", "reference", "seq2seq", "model.js"),
  path.join(repoRoot, "dist", "reference", "seq2seq", "train.js"),
  path.join(repoRoot, "reference", "seq2seq", "model.ts"),
  path.join(repoRoot, "dist", "lib", "index.js"),
  path.join(repoRoot, "lib", "index.ts"),
];
const PACKAGE_PATHS = ["lab4/dist/reference/seq2seq/model", "lab4/reference/seq2seq/model", "lab4/notebooks/source/lab4.ipynb"];

/** The untouched release plus a cell that reaches for the answers and uses whatever it gets. */
function importsReference(nb: Notebook): Notebook {
  const probe = [
    "const reached: Record<string, string> = {};",
    "const grab = (p: string) => { try { const m = require(p); reached[p] = 'LOADED ' + Object.keys(m).join(','); return m; } catch " +
      "(e: any) { reached[p] = 'DENIED ' + (e.code ?? e.message); return null; } };",
    `for (const p of ${JSON.stringify([...REFERENCE_PATHS, ...PACKAGE_PATHS])}) grab(p);`,
    `try { require("fs").readFileSync(${JSON.stringify(sourceFile)}); reached.source = "READ"; } catch (e: any) { reached.source = ` +
      `"DENIED " + e.code; }`,
    "console.log('REACHED ' + JSON.stringify(reached));",
  ].join("\n");
  const out = JSON.parse(JSON.stringify(nb)) as Notebook;
  const at = out.cells.findIndex(
    (c) => c.cell_type === "code" && /from "lab4"/.test(Array.isArray(c.source) ? c.source.join("") : c.source),
  );
  out.cells.splice(at + 1, 0, { cell_type: "code", source: probe, metadata: {}, outputs: [], execution_count: null });
  return out;
}

test("a submission that reaches for the reference implementations or the repository gets nothing from them", () => {
  // outside the sandbox these paths exist (so the probe is not vacuous); inside, the kernel has the kit only
  const resolvable = REFERENCE_PATHS.filter((p) => fs.existsSync(p));
  assert.ok(resolvable.length >= 2, `reference paths that exist here: ${resolvable.join(", ")}`);
  const r = book.students["imports_reference"]!;
  assert.is(r.status, "graded", r.reason);
  assert.equal(r.checks, book.students["untouched_release"]!.checks, "the same marks as without the attempt");
  const nb = readNotebook(path.join(base, "out", "autograded", "imports_reference.ipynb"));
  const text = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
    .join("");
  const line = text.split("\n").find((l) => l.startsWith("REACHED "));
  assert.ok(line, "the probe cell printed what it reached");
  const reached = JSON.parse(line!.slice("REACHED ".length)) as Record<string, string>;
  if (probeSandbox("auto").mode === "bwrap" || process.env.CI) {
    for (const [p, what] of Object.entries(reached)) assert.match(what, /^DENIED/, `${p}: ${what}`);
    assert.is(Object.keys(reached).length, REFERENCE_PATHS.length + PACKAGE_PATHS.length + 1);
  }
});

const part1 = () => validateSource(readNotebook(sourceFile), sourceFile).gradeCells.filter((g) => g.part !== "Parte 2");

test("instructor answers: every check before Part 2 passes, exactly as in the notebook's own run", () => {
  const r = book.students["instructor_answers"]!;
  assert.is(r.status, "graded", r.reason);
  for (const g of part1())
    for (const c of g.compiled.checks)
      assert.is(
        r.checks[`${g.gradeId}:${c.index}`],
        c.points,
        `${g.gradeId}:${c.index} ${r.checkReasons[`${g.gradeId}:${c.index}`] ?? ""}`,
      );
  assert.equal(
    r.notes.filter((n) => /restored|missing|timeout|killed|exited/.test(n)),
    [],
  );
});

test("instructor answers, Part 2, quick profile: the loss check fails on its threshold, as the notebook's own quick run shows", () => {
  // test/notebooks asserts the same of the source notebook executed directly: in the quick
  // profile Part 2 trains too little, its first check fails and the second is not reached
  const r = book.students["instructor_answers"]!;
  assert.is(r.checks["seq2seq_loss_check:1"], 0);
  assert.is(r.checkReasons["seq2seq_loss_check:1"], "AssertionError");
  assert.match(r.checkReasons["seq2seq_loss_check:2"]!, /not reached/);
});

test("untouched release: only the check that holds without any answer (the windowizer row count) scores", () => {
  const r = book.students["untouched_release"]!;
  assert.is(r.status, "graded");
  const passed = Object.entries(r.checks)
    .filter(([, v]) => v > 0)
    .map(([k]) => k);
  // dataset.map(windowizer) throws "No implementado" and leaves the dataset, and its row count, as it was
  assert.equal(passed, ["windowizer_check:1"]);
  assert.is(r.total, 5);
  assert.match(r.checkReasons["vocab_checks:1"]!, /the test cell failed: Cannot find name 'counts'/);
});

test.after(() => fs.rmSync(base, { recursive: true, force: true }));

test.run();
