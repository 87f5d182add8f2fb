// The public API (`lab4` = lib/index.ts) gives students the building blocks, never the answers:
// no export names a task of the instructor notebook, every name the notebooks import is there,
// and nothing the package ships (lib/, grading/) reaches the reference answers in reference/.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import * as api from "../../lib/index";
import { readNotebook, type Notebook, type NotebookCell } from "../../grading/notebook";
import { answerNames, exportedAnswers, importedNames, SHARED_NAME_EXPORTS } from "../../grading/grade/answers";

const root = path.resolve(__dirname, "../..");
const source = readNotebook(path.join(root, "notebooks", "source", "lab4.ipynb"));
const released = readNotebook(path.join(root, "notebooks", "lab4.ipynb"));
const exported = Object.keys(api);

// --- answers.ts on small notebooks ------------------------------------------------------------

function nb(...cells: NotebookCell[]): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}
function solution(...lines: string[]): NotebookCell {
  const nbgrader = { schema_version: 3, grade_id: "task", grade: false, solution: true, locked: false };
  return { cell_type: "code", source: lines.join("\n"), metadata: { nbgrader }, outputs: [], execution_count: null };
}
function plain(...lines: string[]): NotebookCell {
  return { cell_type: "code", source: lines.join("\n"), metadata: {}, outputs: [], execution_count: null };
}

test("answerNames: a region inside a function names the function and what the region declares", () => {
  const cell = solution(
    "function windowizer(row, wsize = 3) {",
    "    const doc: string[] = row.tokens;",
    "    // const window_pairs =",
    "    // BEGIN SOLUTION",
    "    const window_pairs = doc.map((w) => [w, w]);",
    "    out = window_pairs;",
    "    // END SOLUTION",
    "    return row;",
    "}",
    "const after = 1;",
  );
  // not `doc`, `after` (outside the region), `row`/`wsize` (parameters), `out` (assigned, not
  // declared) nor the commented-out hint
  assert.equal(answerNames(nb(cell)), ["windowizer", "window_pairs"]);
});

test("answerNames: a region in a method names its class, not the method", () => {
  const cell = solution(
    "class Encoder extends Module {",
    "    constructor(n: number) {",
    "        super();",
    "        // BEGIN SOLUTION",
    "        this.embedding = new Embedding(n, 2);",
    "        // END SOLUTION",
    "    }",
    "    forward(x) { return x; }",
    "}",
  );
  assert.equal(answerNames(nb(cell)), ["Encoder"]);
});

test("answerNames: destructuring, functions and classes declared inside a region", () => {
  const cell = solution(
    "// BEGIN SOLUTION",
    "const { a, b: [c, ...d] } = f();",
    "let [e, , g] = h;",
    "function helper() {}",
    "class Model {}",
    "// END SOLUTION",
  );
  assert.equal(answerNames(nb(cell)), ["a", "c", "d", "e", "g", "helper", "Model"]);
});

test("answerNames: a top-level const around a region counts, a const inside a loop does not", () => {
  const cell = solution(
    "const train = async (model) => {",
    "    // BEGIN SOLUTION",
    "    model.zeroGrad();",
    "    // END SOLUTION",
    "};",
    "for (const batch of loader) {",
    "    const { value, grads } = tf.variableGrads(() => {",
    "        // BEGIN SOLUTION",
    "        return loss_fn(model, batch);",
    "        // END SOLUTION",
    "    });",
    "}",
  );
  assert.equal(answerNames(nb(cell)), ["train"]);
});

test("answerNames: only nbgrader solution cells count", () => {
  const given = plain("// BEGIN SOLUTION", "const given = 1;", "// END SOLUTION", "function evaluate() {}");
  assert.equal(answerNames(nb(given, solution("// BEGIN SOLUTION", "const n_v = 3;", "// END SOLUTION"))), ["n_v"]);
});

test("exportedAnswers: equal after lower-casing and dropping _, or containing a name of 5+ characters", () => {
  const answers = ["one_hot_encode", "windowizer", "get_k_similar_words", "CLIP", "idx", "Seq2Seq"];
  const exports = ["oneHotEncode", "makeWindowizer", "getKSimilarWords", "clip", "clipGradNorm", "idxMap", "Seq2Seq", "Linear"];
  // names under 5 characters only match whole (`clip`): inside `clipGradNorm` or `idxMap` they would
  // flag building blocks
  assert.equal(exportedAnswers(exports, answers), ["oneHotEncode", "makeWindowizer", "getKSimilarWords", "clip", "Seq2Seq"]);
});

test("exportedAnswers: building blocks that share a task's name pass only through the allow-list", () => {
  // Part 1's task defines `vocab` (a word list); torchtext's vocabulary class contains the name.
  assert.equal(exportedAnswers(["TorchtextVocab", "buildVocab"], ["vocab"], new Map()), ["TorchtextVocab", "buildVocab"]);
  assert.equal(exportedAnswers(["TorchtextVocab", "buildVocab"], ["vocab"]), ["buildVocab"]);
  assert.ok(SHARED_NAME_EXPORTS.has("TorchtextVocab"));
});

test("importedNames: the names of `import {…} from` a module, renamed ones by their exported name", () => {
  const cell = plain(
    'import * as tf from "@tensorflow/tfjs-core";',
    'import { a, b as c } from "lab4";',
    'import { d } from "lab4/grading";',
  );
  assert.equal(importedNames(nb(cell), "lab4"), ["a", "b"]);
});

// --- the real API ------------------------------------------------------------------------------

test("the instructor notebook's tasks are found (names of both parts)", () => {
  const answers = answerNames(source);
  const part1 = ["vocab", "tok2id", "windowizer", "one_hot_encode", "get_k_similar_words"];
  const part2 = ["Encoder", "Decoder", "Seq2Seq", "train", "N_EPOCHS"];
  for (const n of [...part1, ...part2]) assert.ok(answers.includes(n), `answerNames misses ${n}: ${answers.join(", ")}`);
});

test("lab4 exports no answer to a task of the instructor notebook", () => {
  const leaked = exportedAnswers(exported, answerNames(source));
  assert.equal(leaked, [], `lab4 exports answers to the lab's tasks: ${leaked.join(", ")} (move them to reference/)`);
});

test("the allow-list only names what lab4 exports (no stale exceptions)", () => {
  for (const name of SHARED_NAME_EXPORTS.keys()) assert.ok(exported.includes(name), `${name} is allow-listed but not exported`);
});

test("lab4 exports every name the notebooks (and kernel code in the tests) import from it", () => {
  const wanted = new Set([...importedNames(source, "lab4"), ...importedNames(released, "lab4")]);
  assert.ok(wanted.has("Module") && wanted.has("LiveLossChart"), "both import cells were read");
  // imported inside kernels by test/browser, test/grade/driver.test.ts and test/grade/submissions.ts
  for (const n of ["plotLoss", "lookup", "nativeBlasStatus", "dataPath"]) wanted.add(n);
  const missing = [...wanted].filter((n) => !exported.includes(n));
  assert.equal(missing, [], `lab4 no longer exports ${missing.join(", ")}`);
});

test("lib/index.ts names its exports (no `export *`)", () => {
  const file = path.join(root, "lib", "index.ts");
  const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const star = sf.statements.filter((s) => ts.isExportDeclaration(s) && s.exportClause === undefined);
  assert.equal(
    star.map((s) => s.getText(sf)),
    [],
  );
});

/** The module specifiers of a file (imports, export-from, require, dynamic import) that resolve into reference/. */
function referenceImports(file: string, text: string): string[] {
  const reference = path.join(root, "reference");
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => {
      const resolved = spec.startsWith(".") ? path.resolve(path.dirname(file), spec) : path.join(root, "node_modules", spec);
      return resolved === reference || resolved.startsWith(reference + path.sep) || /^lab4\/(dist\/)?reference\b/.test(spec);
    });
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

test("the import scan sees every way of reaching reference/", () => {
  const file = path.join(root, "lib", "x", "y.ts");
  const text = [
    'import { A } from "../../reference/a";',
    'export * from "../../reference";',
    'const b = require("../../reference/b");',
    'import("lab4/dist/reference/c");',
    'import "../z";',
  ].join("\n");
  const found = ["../../reference/a", "../../reference", "../../reference/b", "lab4/dist/reference/c"];
  assert.equal(referenceImports(file, text), found);
});

test("nothing in lib/ or grading/ imports reference/", () => {
  const offenders = [...tsFiles(path.join(root, "lib")), ...tsFiles(path.join(root, "grading"))].flatMap((f) =>
    referenceImports(f, fs.readFileSync(f, "utf8")).map((spec) => `${path.relative(root, f)} -> ${spec}`),
  );
  assert.equal(offenders, []);
});

test.run();
