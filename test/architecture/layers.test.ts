/**
 * The layer rules of ARCHITECTURE.md hold for lib/, grading/ and reference/: no import from a lower
 * layer to a higher one (grading's own: runtime < notebook I/O < pipeline < CLI), lib/ never
 * imports grading/, only reference/ imports reference/, and no
 * import cycle between files or between lib's or grading's folders. The checker itself is tested on small
 * graphs and on files written to a temporary folder, so a violation is known to fail.
 */
import { test } from "uvu";
import * as ts from "typescript";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { folderGraph, importCycles, layerOf, layerViolations, readImportGraph, type ImportGraph } from "./graph";

const root = path.resolve(__dirname, "../..");
const repo = readImportGraph(root, ["lib", "grading", "reference"]);

test("the repository: every relative import resolves to a file", () => {
  assert.ok(repo.graph.size > 100, `only ${repo.graph.size} files read`);
  assert.equal(repo.unresolved, []);
});

test("the repository: no import breaks a layer rule", () => {
  assert.equal(layerViolations(repo.graph), []);
});

test("the repository: no import cycle between files", () => {
  assert.equal(importCycles(repo.graph), []);
});

test("the repository: no import cycle between lib's folders", () => {
  assert.equal(importCycles(folderGraph(repo.graph, "lib")), []);
});

test("the repository: no import cycle between grading's folders (its root files are one: the CLI level)", () => {
  const folders = folderGraph(repo.graph, "grading");
  assert.ok(folders.has("grading") && folders.has("grading/grade") && folders.has("grading/runtime"), [...folders.keys()].join(", "));
  assert.equal(importCycles(folders), []);
});

test("the repository: the engine is the only code that reaches into tfjs backends", () => {
  const internals = /tfjs-backend-(wasm|cpu)\/dist|backend-access"/;
  const outside = [...repo.graph.keys()].filter(
    (f) => !f.startsWith("lib/engine/") && internals.test(fs.readFileSync(path.join(root, f), "utf8")),
  );
  assert.equal(outside, []);
});

test("the repository: the check runtime a student's kernel loads imports no package but tfjs-core, the kernel's tslab and crc32", () => {
  // What grading/runtime/ and the lab4/grading entry may import besides relative files: no fs,
  // no child_process, nothing of the instructor pipeline.
  const allowed = new Set(["node:zlib", "@tensorflow/tfjs-core", "tslab"]);
  const runtime = [...repo.graph.keys()].filter((f) => layerOf(f) === layerOf("grading/index.ts"));
  assert.ok(runtime.includes("grading/runtime/checkarr.ts") && runtime.includes("grading/runtime/marker.ts"), runtime.join(", "));
  const packages = runtime.flatMap((f) =>
    ts
      .preProcessFile(fs.readFileSync(path.join(root, f), "utf8"), true, true)
      .importedFiles.map((i) => i.fileName)
      .filter((n) => !n.startsWith(".") && !allowed.has(n))
      .map((n) => `${f} imports ${n}`),
  );
  assert.equal(packages, []);
});

const g = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

test("checker: an import from a lower layer to a higher one is reported", () => {
  const v = layerViolations(g({ "lib/engine/a.ts": ["lib/nn/b.ts"], "lib/nn/b.ts": [] }));
  assert.equal(v, ["lib/engine/a.ts -> lib/nn/b.ts: engine must not import building blocks (a higher layer)"]);
  assert.equal(layerViolations(g({ "lib/nn/b.ts": ["lib/engine/a.ts"], "lib/engine/a.ts": [] })), []);
});

test("checker: lib -> grading and lib/grading -> reference are reported", () => {
  assert.match(
    layerViolations(g({ "lib/plot/m.ts": ["grading/runtime/marks.ts"], "grading/runtime/marks.ts": [] }))[0]!,
    /lib\/ must not import grading\//,
  );
  assert.match(
    layerViolations(g({ "grading/x.ts": ["reference/y.ts"], "reference/y.ts": [] }))[0]!,
    /only reference\/ may import reference\//,
  );
  assert.match(
    layerViolations(g({ "lib/index.ts": ["reference/y.ts"], "reference/y.ts": [] }))[0]!,
    /only reference\/ may import reference\//,
  );
  assert.equal(layerViolations(g({ "reference/y.ts": ["lib/index.ts", "grading/x.ts"], "lib/index.ts": [], "grading/x.ts": [] })), []);
});

test("checker: grading's layers, runtime < notebook I/O < pipeline < CLI, are enforced", () => {
  const v = layerViolations(
    g({
      "grading/runtime/marks.ts": ["grading/notebook/marks.ts"],
      "grading/notebook/marks.ts": ["grading/runtime/marker.ts", "grading/grade/run.ts"],
      "grading/index.ts": ["grading/cli.ts"],
      "grading/runtime/marker.ts": [],
      "grading/grade/run.ts": ["grading/notebook/marks.ts", "grading/index.ts", "grading/kit.ts"],
      "grading/kit.ts": ["grading/grade/validate.ts"],
      "grading/grade/validate.ts": [],
      "grading/cli.ts": ["grading/grade/run.ts"],
    }),
  );
  assert.equal(v, [
    "grading/runtime/marks.ts -> grading/notebook/marks.ts: grading runtime must not import grading notebook I/O (a higher layer)",
    "grading/notebook/marks.ts -> grading/grade/run.ts: grading notebook I/O must not import grading pipeline (a higher layer)",
    "grading/index.ts -> grading/cli.ts: grading runtime must not import grading CLI (a higher layer)",
    "grading/grade/run.ts -> grading/kit.ts: grading pipeline must not import grading CLI (a higher layer)",
  ]);
});

test("checker: a file outside every layer is reported", () => {
  assert.equal(layerOf("lib/newthing/x.ts"), -1);
  assert.match(layerViolations(g({ "lib/newthing/x.ts": [] }))[0]!, /is in no layer/);
});

test("checker: cycles between files and between folders are found", () => {
  assert.equal(importCycles(g({ "a.ts": ["b.ts"], "b.ts": ["c.ts"], "c.ts": ["a.ts"], "d.ts": ["a.ts"] })), [["a.ts", "b.ts", "c.ts"]]);
  assert.equal(importCycles(g({ "a.ts": ["a.ts"] })), [["a.ts"]]);
  assert.equal(importCycles(g({ "a.ts": ["b.ts"], "b.ts": [] })), []);
  const folders = folderGraph(
    g({ "lib/text/p.ts": ["lib/data/f.ts"], "lib/data/d.ts": ["lib/text/r.ts"], "lib/data/f.ts": [], "lib/text/r.ts": [] }),
    "lib",
  );
  assert.equal(importCycles(folders), [["lib/data", "lib/text"]]);
  // lib's root files are units of their own: lib/index.ts -> lib/nn -> lib/random.ts is no cycle
  const libRoot = g({ "lib/index.ts": ["lib/nn/a.ts"], "lib/nn/a.ts": ["lib/random.ts"], "lib/random.ts": [] });
  assert.equal(importCycles(folderGraph(libRoot, "lib")), []);
});

test("checker: grading's root files are one unit, so grade/ importing any of them back is a cycle", () => {
  // the layout this rule keeps out: cli.ts -> grade/run.ts -> feedback.ts (or index.ts) at the root
  const back = g({
    "grading/cli.ts": ["grading/grade/run.ts"],
    "grading/grade/run.ts": ["grading/feedback.ts"],
    "grading/feedback.ts": [],
    "grading/index.ts": [],
  });
  assert.equal(importCycles(folderGraph(back, "grading")), [["grading", "grading/grade"]]);
  const oneWay = g({
    "grading/cli.ts": ["grading/grade/run.ts"],
    "grading/grade/run.ts": ["grading/runtime/marks.ts"],
    "grading/runtime/marks.ts": [],
  });
  assert.equal(importCycles(folderGraph(oneWay, "grading")), []);
});

test("checker: imports read from real files (static, type-only, require) and their cycle", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-arch-"));
  try {
    fs.mkdirSync(path.join(dir, "lib/engine"), { recursive: true });
    fs.mkdirSync(path.join(dir, "lib/nn"), { recursive: true });
    fs.writeFileSync(path.join(dir, "lib/engine/a.ts"), `import type { B } from "../nn/b";\nexport type A = B;\n`);
    fs.writeFileSync(path.join(dir, "lib/nn/b.ts"), `export type B = number;\nconst a = require("../engine/a");\n`);
    fs.writeFileSync(path.join(dir, "lib/nn/c.ts"), `import "./missing";\n`);
    const { graph, unresolved } = readImportGraph(dir, ["lib"]);
    assert.equal(graph.get("lib/engine/a.ts"), ["lib/nn/b.ts"]);
    assert.equal(graph.get("lib/nn/b.ts"), ["lib/engine/a.ts"]);
    assert.equal(unresolved, ["lib/nn/c.ts imports ./missing"]);
    assert.equal(layerViolations(graph).length, 1);
    assert.equal(importCycles(graph), [["lib/engine/a.ts", "lib/nn/b.ts"]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
