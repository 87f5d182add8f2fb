/**
 * Short error reports: an error thrown by lab4 code called from a "cell" (vm.runInThisContext, as
 * tslab runs cells) keeps its first line, loses every library/node frame, names the cell frames,
 * adds the Spanish hint; lab4Debug() gives the full trace back; node's source-line header is
 * dropped from stderr only when it points into library code.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as vm from "node:vm";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { lookup } from "../../lib/word2vec/vocab";
import { marks, setMarksOutput } from "../../grading/runtime/marks";
import { assert as labAssert } from "../../grading/runtime/assert";
import {
  installFriendlyErrors,
  uninstallFriendlyErrors,
  lab4Debug,
  stripLibraryArrow,
  hintFor,
  autoInstallFriendlyErrors,
} from "../../lib/notebook/friendly-errors";

const g = globalThis as Record<string, unknown>;

/**
 * Runs `code` like a tslab cell and returns what it threw and what tslab would print (node prefixes
 * the stack of an error escaping vm.runInThisContext with the throwing line; the kernel's stderr
 * filter removes that header when it is library code). Frames of this test file itself (the
 * "kernel" here) are left out of `printed`.
 */
function cellError(code: string): { err: Error; printed: string } {
  try {
    vm.runInThisContext(code);
  } catch (e) {
    const err = e as Error;
    const printed = stripLibraryArrow(String(err.stack))
      .split("\n")
      .filter((l) => !l.includes(__filename))
      .join("\n");
    return { err, printed };
  }
  throw new Error("the cell did not throw");
}

test.before(() => {
  g.__lookup = lookup;
  g.__marks = marks;
  g.__assert = labAssert;
  setMarksOutput({ html: () => {}, text: () => {} });
  installFriendlyErrors();
});
test.after(() => {
  uninstallFriendlyErrors();
  setMarksOutput(null);
  for (const k of ["__lookup", "__marks", "__assert"]) delete g[k];
});

test("a lab4 error from a cell: same first line, only cell frames, Spanish hint, how to get the rest", () => {
  const { err, printed } = cellError(
    "(function () {\n  function nearest(w) { return __lookup(new Map([['a', 0]]), w); }\n  nearest('zzz');\n})()",
  );
  assert.is(err.message, 'token "zzz" is not in the vocabulary (1 tokens)');
  const lines = printed.split("\n");
  assert.is(lines[0], 'Error: token "zzz" is not in the vocabulary (1 tokens)');
  assert.equal(
    lines.filter((l) => l.startsWith("    at ")),
    ["    at nearest (celda)", "    at (celda)"],
  );
  assert.not.match(printed, /\/lib\/|node_modules|node:|vocab\.ts/);
  assert.match(printed, /lab4: una palabra no está en el vocabulario/);
  assert.match(printed, /lab4Debug\(\)/);
});

test("lab4Debug(): the full trace of the last shortened error, and full traces until lab4Debug(false)", () => {
  cellError("__lookup(new Map(), 'q')");
  const logged: string[] = [];
  const orig = console.log;
  console.log = (s: string) => void logged.push(s);
  let full: string;
  try {
    full = lab4Debug();
  } finally {
    console.log = orig;
  }
  assert.match(full, /vocab\.ts:\d+/);
  assert.match(logged[0], /Traza completa del último error/);
  const again = cellError("__lookup(new Map(), 'r')");
  assert.match(again.printed, /vocab\.ts:\d+/, "debug on: full traces");
  lab4Debug(false);
  assert.not.match(cellError("__lookup(new Map(), 's')").printed, /vocab\.ts/);
});

test("a failed check (marks + assert): AssertionError with the assert hint, no grading frames", () => {
  const { err, printed } = cellError("__marks(3, () => __assert(1 > 2))");
  assert.is(err.name, "AssertionError");
  assert.not.match(printed, /grading|marks\.ts|assert\.ts/);
  assert.match(printed, /^AssertionError\n    at \(celda\)\n/);
  assert.match(printed, /la condición de assert\(\.\.\.\) es falsa/);
});

test("node's source-line header is dropped only when it points into library code", () => {
  const lib = `${process.cwd()}/dist/grading/runtime/marks.js:185\n        throw e;\n        ^\n\nAssertionError\n    at (celda)\n`;
  assert.is(stripLibraryArrow(lib), "AssertionError\n    at (celda)\n");
  const dep =
    "/x/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js:12\n    throw new Error(msg);\n    ^\n\n" +
    "Error: Operands could not be broadcast\n";
  assert.is(stripLibraryArrow(dep), "Error: Operands could not be broadcast\n");
  const cell = "evalmachine.<anonymous>:3\nconst y = x.z;\n            ^\n\nTypeError: Cannot read properties of undefined (reading 'z')\n";
  assert.is(stripLibraryArrow(cell), cell);
  assert.is(stripLibraryArrow("hola\n"), "hola\n");
});

test("the stderr filter survives tslab reassigning process.stderr.write for each cell", () => {
  const orig = process.stderr.write;
  const got: string[] = [];
  // what tslab does at the start of every execute request
  (process.stderr as { write: unknown }).write = (s: string) => (got.push(s), true);
  try {
    process.stderr.write(`${process.cwd()}/dist/lib/x.js:1\nthrow e;\n^\n\nError: boom\n`);
    process.stderr.write("plain text\n");
  } finally {
    (process.stderr as { write: unknown }).write = orig;
  }
  assert.equal(got, ["Error: boom\n", "plain text\n"]);
});

test("hints: known problems get a Spanish line, others none", () => {
  assert.match(hintFor("Error: Operands could not be broadcast together with shapes 3,4 and 5.")!, /dimensiones \(shape\)/);
  assert.match(hintFor("TrainingDivergedError: training stopped at epoch 1, batch 3: loss is NaN")!, /NaN/);
  assert.match(hintFor("ReferenceError: vocab is not defined")!, /no está definida/);
  assert.match(hintFor("Error: Tensor is disposed.")!, /liberado/);
  assert.is(hintFor("Error: algo raro"), null);
});

test("auto-install only inside tslab and not with LAB4_DEBUG=1", () => {
  uninstallFriendlyErrors();
  try {
    assert.is(autoInstallFriendlyErrors({}), false, "no __tslab__ here");
    g.__tslab__ = {};
    assert.is(autoInstallFriendlyErrors({ LAB4_DEBUG: "1" }), false);
    assert.is(autoInstallFriendlyErrors({}), true);
  } finally {
    delete g.__tslab__;
    installFriendlyErrors();
  }
});

test("in a kernel, importing lib/plot installs nothing; importing the lab4 entry does", () => {
  const root = path.resolve(__dirname, "../..");
  const probe = (mod: string): string => {
    const script =
      `globalThis.__tslab__ = {}; const before = Error.prepareStackTrace; require(${JSON.stringify(mod)}); ` +
      `process.stdout.write(String(Error.prepareStackTrace !== before));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, LAB4_DEBUG: "" },
    });
    assert.is(r.status, 0, r.stderr);
    return r.stdout;
  };
  assert.is(probe("./lib/plot"), "false", "lib/plot changed Error.prepareStackTrace on import");
  assert.is(probe("./lib/notebook"), "false", "lib/notebook changed Error.prepareStackTrace on import");
  assert.is(probe("./lib"), "true", "the lab4 entry did not install the short traces in a kernel");
});

test.run();
