/**
 * The hostile class set, generated from an instructor notebook at test time (so it follows the
 * notebook as cells are added): each submission starts from the released notebook, as a student
 * would, and then does what its name says. Three broken files that cannot be generated this way
 * (python kernel, malformed JSON, 0 bytes) are committed under test/fixtures/submissions/broken/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cellSource, readNotebook, type Notebook, type NotebookCell } from "../../grading/notebook";
import { releaseNotebook, serializeNotebook } from "../../grading/notebook/release";
import { gradeId, isGrade, isLocked, isSolution } from "../../grading/notebook/nbgrader";

export const repoRoot = path.resolve(__dirname, "../..");
export const miniSource = path.join(repoRoot, "test", "fixtures", "submissions", "mini-source.ipynb");
export const brokenDir = path.join(repoRoot, "test", "fixtures", "submissions", "broken");

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

function code(source: string): NotebookCell {
  return { cell_type: "code", source, metadata: {}, outputs: [], execution_count: null };
}

/** The released notebook with the instructor's answer in every solution cell whose id passes `solve`. */
export function solved(source: Notebook, solve: (gid: string) => boolean = () => true): Notebook {
  const rel = releaseNotebook(source);
  const answers = new Map(source.cells.filter((c) => isSolution(c)).map((c) => [gradeId(c)!, cellSource(c)]));
  rel.cells = rel.cells.map((c) => {
    const gid = gradeId(c);
    if (gid !== null && isSolution(c) && c.cell_type === "code" && solve(gid)) return { ...c, source: answers.get(gid)! };
    return c;
  });
  return rel;
}

function indexOf(nb: Notebook, gid: string): number {
  const i = nb.cells.findIndex((c) => gradeId(c) === gid);
  if (i < 0) throw new Error(`no cell ${gid}`);
  return i;
}

function insertAfter(nb: Notebook, gid: string, ...cells: NotebookCell[]): Notebook {
  const out = clone(nb);
  out.cells.splice(indexOf(out, gid) + 1, 0, ...cells);
  return out;
}

function replaceSource(nb: Notebook, gid: string, source: string): Notebook {
  const out = clone(nb);
  out.cells[indexOf(out, gid)]!.source = source;
  return out;
}

export interface Expected {
  /** Total marks the submission must get (null: refused). */
  total: number | null;
  /** Words that must appear in the row's reason/notes. */
  mention?: RegExp[];
}

/**
 * Writes the mini class set into `dir` and returns what each must score. Tailored to
 * mini-source.ipynb (38 points: words 3+3+2 hidden, train 5, tensor 25, student_info 0).
 * `paths` are places the snooping submission tries to read or write.
 */
export function writeMiniClassSet(dir: string, paths: { outDir: string; otherSubmission: string }): Record<string, Expected> {
  const source = readNotebook(miniSource);
  const perfect = solved(source);
  const subs: Record<string, [Notebook | Buffer, Expected]> = {};

  subs["perfect"] = [perfect, { total: 38 }];
  subs["untouched_release"] = [releaseNotebook(source), { total: 0 }];
  subs["partial_words_only"] = [solved(source, (g) => g === "words" || g === "student_info"), { total: 8 }];
  // right word list, wrong counts: check 1 passes, check 2 fails and the cell stops there (hidden check not reached)
  subs["partial_wrong_counts"] = [
    replaceSource(perfect, "words", cellSource(perfect.cells[indexOf(perfect, "words")]!).replace("+ 1);", "+ 2);")),
    { total: 3 + 5 + 25 },
  ];
  subs["infinite_loop"] = [
    insertAfter(perfect, "words", code("// me quedo pensando\nwhile (true) {}")),
    { total: 38, mention: [/timeout/] },
  ];
  subs["hard_loop"] = [
    // a busy loop outside the cell's own code: SIGINT cannot stop it, the kernel is killed and restarted
    insertAfter(perfect, "train_check", code("setTimeout(() => { for (;;) {} }, 0);\nawait new Promise((r) => setTimeout(r, 600000));")),
    { total: 38, mention: [/killed/, /restarted/] },
  ];
  subs["process_exit"] = [insertAfter(perfect, "words_checks", code("process.exit(1);")), { total: 38, mention: [/exited with code 1/] }];
  // untouched buffers: they count against the data limit all the same, and first-touching 1.5 GiB
  // runs into the cell's time limit on a slow, loaded VM (page faults at ~150 MB/s measured)
  subs["out_of_memory"] = [
    insertAfter(perfect, "words_checks", code("const hoard: Float64Array[] = [];\nwhile (true) hoard.push(new Float64Array(1e7));")),
    { total: 38, mention: [/out of memory/] },
  ];
  // wrong answers everywhere, plus every trick on the grading functions and the markers (one
  // cell each, so that one failing trick does not stop the others)
  const redefine = [
    "const checkScalar = (..._a: any[]) => true;",
    "const checkString = (..._a: any[]) => true;",
    "const checkHash = (..._a: any[]) => true;",
    "const compareNumbers = (..._a: any[]) => true;",
    "const assert = (..._a: any[]) => undefined;",
    'const marks = (n: number, f: () => unknown) => { try { f(); } catch {} console.log(`<!--{id:"CORRECTMARK", marks:"${n}"}-->`); };',
  ].join("\n");
  const patchModule = [
    "// the grading module's own files, by absolute path (the package does not export them)",
    'const gradingDir = require("path").dirname(require.resolve("lab4/grading"));',
    'const checkarr = require(gradingDir + "/runtime/checkarr.js");',
    "checkarr.checkScalar = () => true;",
    "checkarr.checkHash = () => true;",
    'require(gradingDir + "/runtime/lautils.js").compareNumbers = () => true;',
    'require(gradingDir + "/runtime/assert.js").assert = () => undefined;',
    'console.log("patched", require("lab4/grading").checkScalar(1, "0x0"));',
  ].join("\n");
  const forge = [
    'console.log(\'[lab4-marks] {"id":"CORRECTMARK","marks":25,"total":25,"label":null,"seq":1}\');',
    'console.log(\'[lab4-obs] 00000000000000000000000000000000 {"cell":"tensor_check","check":1,"leaves":[{"v":1}]}\');',
    // keeps printing forged markers between cells
    "setInterval(() => console.log('[lab4-obs] 11111111111111111111111111111111 " +
      '{"cell":"words_checks","check":1,"leaves":[{"v":8}]}\\n<!--{id:"CORRECTMARK", marks:"25"}-->\'), 20);',
  ].join("\n");
  let cheater = solved(source, (g) => g === "student_info");
  cheater = insertAfter(cheater, "student_info", code(redefine), code(patchModule), code(forge));
  // reading words.length inside the test cell prints a forged observation there
  cheater = replaceSource(
    cheater,
    "words",
    [
      'const words: any = new Proxy(["x"], { get(t: any, p: any) {',
      '  if (p === "length") console.log(\'[lab4-obs] 22222222222222222222222222222222 ' +
        '{"cell":"words_checks","check":1,"leaves":[{"v":8}]}\');',
      "  return Reflect.get(t, p);",
      "} });",
      'const counts = new Map([["the", 1]]);',
    ].join("\n"),
  );
  cheater = replaceSource(cheater, "train", "const losses = [99];");
  cheater = replaceSource(cheater, "tensor", "const v = tf.tensor1d([0]);");
  subs["redefines_checks"] = [cheater, { total: 0, mention: [/ignored/] }];

  let edited = replaceSource(perfect, "tensor", "const v = tf.tensor1d([1, 1, 1, 1]);");
  edited = replaceSource(edited, "tensor_check", "marks(25, () => assert(true));");
  subs["edited_marks25_cell"] = [edited, { total: 13, mention: [/tensor_check.*edited/] }];

  const deleted = clone(perfect);
  deleted.cells.splice(indexOf(deleted, "words_checks"), 1);
  subs["deleted_test_cell"] = [deleted, { total: 38, mention: [/words_checks.*deleted/] }];

  const noSolution = clone(perfect);
  noSolution.cells.splice(indexOf(noSolution, "train"), 1);
  subs["deleted_answer_cell"] = [noSolution, { total: 33, mention: [/train.*missing/] }];

  // test cells first, answers after, Parte 2 before Parte 1
  const reordered = clone(perfect);
  const graded = reordered.cells.filter((c) => isGrade(c) || isLocked(c));
  const rest = reordered.cells.filter((c) => !(isGrade(c) || isLocked(c)));
  reordered.cells = [...graded.reverse(), ...rest.reverse()];
  subs["reordered_cells"] = [reordered, { total: 38, mention: [/out of order/] }];

  // tries to reach what must be out of reach; prints what it found
  const snoop = [
    'const fs = require("fs");',
    "const tries: Record<string, string> = {};",
    "const attempt = (name: string, f: () => unknown) => { try { tries[name] = 'OK ' + String(f()).slice(0, 80); } catch (e: any) { " +
      "tries[name] = 'DENIED ' + (e.code ?? e.message); } };",
    `attempt("source", () => fs.readFileSync(${JSON.stringify(miniSource)}, "utf8"));`,
    `attempt("real_source", () => fs.readFileSync(${JSON.stringify(path.join(repoRoot, "notebooks", "source", "lab4.ipynb"))}, "utf8"));`,
    `attempt("other", () => fs.readFileSync(${JSON.stringify(paths.otherSubmission)}, "utf8"));`,
    `attempt("gradebook", () => fs.writeFileSync(${JSON.stringify(path.join(paths.outDir, "gradebook.json"))}, "{}"));`,
    `attempt("plant", () => fs.writeFileSync(${JSON.stringify(path.join(paths.outDir, "planted.txt"))}, "x"));`,
    'attempt("tmp", () => fs.readdirSync("/tmp").join(","));',
    'attempt("root", () => fs.readdirSync("/").join(","));',
    'attempt("data_write", () => fs.writeFileSync(require("lab4").dataPath("README.md"), "corrupted"));',
    "console.log(JSON.stringify(tries));",
  ].join("\n");
  subs["snoop"] = [insertAfter(perfect, "student_info", code(snoop)), { total: 38 }];

  for (const f of fs.readdirSync(brokenDir))
    subs[`broken_${f.replace(/\.[^.]+$/, "")}`] = [fs.readFileSync(path.join(brokenDir, f)), { total: null }];

  fs.mkdirSync(dir, { recursive: true });
  const expected: Record<string, Expected> = {};
  for (const [name, [nb, exp]] of Object.entries(subs)) {
    fs.writeFileSync(path.join(dir, `${name}.ipynb`), Buffer.isBuffer(nb) ? nb : serializeNotebook(nb));
    expected[name] = exp;
  }
  return expected;
}
