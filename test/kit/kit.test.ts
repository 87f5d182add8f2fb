// The student kit end to end, as a class gets it: `lab4 release` -> the packed kit unpacked into an
// empty folder outside the repository -> `npm install` (the runtime from the kit, its dependencies
// from the registry at the kit's locked versions) -> `lab4 install-kernel` -> `lab4 check`, on the
// untouched release and on the release with the instructor's answers typed in. Also: no file of
// the kit holds an answer or a hidden test, and bad input gets a one-line answer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../grading/cli";
import { cellSource, readNotebook } from "../../grading/notebook";
import { findRegions, splitLines } from "../../grading/notebook/regions";
import { serializeNotebook } from "../../grading/notebook/release";
import { validateSource } from "../../grading/grade/validate";
import { solved } from "../grade/submissions";
import { repoRoot, sourceNotebook, testKit } from "../kit-fixture";

const kit = testKit();
const home = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-student-"));
const student = path.join(home, "lab4-kit");
const env = { ...process.env, LAB4_PROFILE: "quick", FORCE_COLOR: "0" };

function sh(cmd: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}
const said = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}${r.stderr}`;

/** Every file of a folder, with its text (tarballs inside are unpacked and read too). */
function kitFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".tgz")) {
        const x = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-unpack-"));
        assert.is(spawnSync("tar", ["-xzf", p, "-C", x]).status, 0, `cannot unpack ${p}`);
        for (const [k, v] of kitFiles(x)) files.set(`${p}!${path.relative(x, k)}`, v);
        fs.rmSync(x, { recursive: true, force: true });
      } else files.set(p, fs.readFileSync(p, "latin1"));
    }
  };
  walk(dir);
  return files;
}

/** The lines of every solution and hidden-test region of the instructor notebook, except lines that
 * the notebook also gives outside any region (given code is not an answer, e.g. `this.hid_dim = hid_dim;`). */
function secretLines(): string[] {
  const nb = readNotebook(sourceNotebook);
  const secret = new Set<string>();
  const given = new Set<string>();
  nb.cells.forEach((c, i) => {
    const lines = splitLines(cellSource(c));
    const regions = findRegions(cellSource(c), `cell ${i}`, c.cell_type);
    lines.forEach((l, k) => {
      const t = l.trim();
      if (t === "" || /(BEGIN|END) (SOLUTION|HIDDEN TESTS)/.test(t)) return;
      (regions.some((r) => k > r.begin && k < r.end) ? secret : given).add(t);
    });
  });
  return [...secret].filter((l) => !given.has(l));
}

test.before(() => {
  assert.is(spawnSync("tar", ["-xzf", kit.tgz, "-C", home]).status, 0);
  const r = sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], student);
  assert.is(r.status, 0, said(r));
});

test("the kit holds the student notebook, the runtime package, its lock and the instructions; nothing of the instructor's", () => {
  assert.equal(fs.readdirSync(kit.dir).sort(), [
    "LEEME.md",
    "README.md",
    "lab4-0.1.0.tgz",
    "lab4.ipynb",
    "package-lock.json",
    "package.json",
  ]);
  const files = [...kitFiles(kit.dir).keys()].map((f) => path.relative(kit.dir, f));
  const runtime = files.filter((f) => f.includes("!")).map((f) => f.split("!")[1]!);
  assert.ok(runtime.includes(path.join("package", "dist", "lib", "index.js")));
  assert.ok(runtime.includes(path.join("package", "dist", "lib", "index.d.ts")));
  assert.ok(runtime.includes(path.join("package", "data", "multi30k", "train.de")));
  assert.ok(runtime.includes(path.join("package", "native", "sgemm", "sgemm.c")));
  for (const f of ["adam.c", "softmax_ce.c", "loops.h", "lab4-loops.wasm", "lab4-loops-shared.wasm"])
    assert.ok(runtime.includes(path.join("package", "native", "loops", f)), `native/loops/${f} in the runtime package`);
  for (const f of runtime) {
    assert.not.match(f, /(^|\/)(reference|test|bench|notebooks|source)\//, `instructor-only file in the kit: ${f}`);
    assert.ok(!f.endsWith(".ts") || f.endsWith(".d.ts"), `TypeScript source in the kit: ${f}`);
  }
});

test("without the native binding, the installed runtime runs Adam on its WebAssembly loops (no fallback notice)", () => {
  const script = `const tf = require("@tensorflow/tfjs-core");
const { initBackend, Adam } = require("lab4");
(async () => {
  await initBackend({ backend: "wasm" });
  const p = tf.variable(tf.tensor1d([1, -2, 3]));
  new Adam([p], { lr: 0.1 }).step({ [p.name]: tf.tensor1d([0.5, -4, 1e-3]) });
  console.log(JSON.stringify(Array.from(p.dataSync())));
})();`;
  const r = sh("node", ["-e", script], student, { LAB4_NATIVE_BLAS: "0", LAB4_WASM_THREADS: "1" });
  assert.is(r.status, 0, said(r));
  assert.not.match(r.stderr, /loops run in JS/, said(r));
  // Adam's first step moves each weight by lr·g/(|g| + eps): ≈ lr against the gradient's sign.
  const got = JSON.parse(r.stdout.trim().split("\n").pop() ?? "[]") as number[];
  [0.9, -1.9, 3 - 0.1 * (1e-3 / (1e-3 + 1e-8))].forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-6, `${got[i]} vs ${w}`));
});

test("no file of the packed kit contains a line of a solution or a hidden test", () => {
  const secrets = secretLines();
  assert.ok(secrets.length >= 20, `solution lines found: ${secrets.length}`);
  // the .tgz itself, unpacked (what is handed out), with the runtime package inside it unpacked too
  const x = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-kitgrep-"));
  assert.is(spawnSync("tar", ["-xzf", kit.tgz, "-C", x]).status, 0);
  const packed = kitFiles(x);
  assert.ok(packed.size > 50, `files in the packed kit: ${packed.size}`);
  const leaks: string[] = [];
  for (const line of secrets) for (const [f, text] of packed) if (text.includes(line)) leaks.push(`${path.relative(x, f)}: ${line}`);
  assert.equal(leaks, []);
  // the notebooks carry no region markers (the grader's own code names them, which is no answer)
  for (const [f, text] of packed) if (f.endsWith(".ipynb")) assert.not.match(text, /BEGIN SOLUTION|BEGIN HIDDEN TESTS/, f);
  fs.rmSync(x, { recursive: true, force: true });
});

test("lab4 install-kernel registers a TypeScript kernel that starts from the kit", () => {
  const prefix = path.join(home, "jupyter");
  const r = sh("npx", ["lab4", "install-kernel", "--python", "/usr/bin/python3", "--prefix", prefix], student);
  assert.is(r.status, 0, said(r));
  const spec = JSON.parse(fs.readFileSync(path.join(prefix, "share", "jupyter", "kernels", "tslab", "kernel.json"), "utf8")) as {
    argv: string[];
  };
  assert.is(spec.argv[0], path.join(student, "node_modules", ".bin", "tslab"));
  // the registered kernel runs a notebook that imports the library, as JupyterLab would start it
  const nb = path.join(student, "hello.ipynb");
  fs.writeFileSync(
    nb,
    serializeNotebook({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "tslab", language: "typescript", display_name: "TypeScript" } },
      cells: [
        {
          cell_type: "code",
          source: 'import { Counter } from "lab4";\nconsole.log("hola", new Counter(["a", "b", "a"]).get("a"));',
          metadata: {},
          outputs: [],
          execution_count: null,
        },
      ],
    }),
  );
  const x = sh("/usr/bin/python3", ["-m", "nbconvert", "--to", "notebook", "--execute", "--inplace", nb], student, {
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
  });
  assert.is(x.status, 0, said(x));
  assert.match(JSON.stringify(readNotebook(nb).cells[0]!.outputs), /hola 2/);
  fs.rmSync(nb);
});

test("lab4 check on the untouched release: 0 marks but what the lab gives away, with the reasons and the cells that raised", () => {
  const r = sh("npx", ["lab4", "check", "lab4.ipynb"], student);
  assert.is(r.status, 1, said(r));
  assert.match(r.stdout, /\nParte 1: 5\/31 puntos\n/);
  assert.match(r.stdout, /✗ vocab_checks, prueba 1 \(3 puntos\): la celda de prueba falló: .*counts/);
  assert.match(r.stdout, /Celdas con errores:\n  celda student_info: Error: No implementado\n/);
  assert.match(r.stdout, /\n  celda "const wordvecs = model\.expand[^"\n]*": .*Cannot find name 'model'/);
  assert.match(r.stdout, /Total \(pruebas visibles\): 5\/81 puntos/);
  assert.not.match(r.stdout + r.stderr, /HIDDEN|oculta.*:/i);
});

test("lab4 check with the instructor's answers typed in: the marks the solution notebook gets", () => {
  fs.writeFileSync(path.join(student, "lab4.ipynb"), serializeNotebook(solved(readNotebook(sourceNotebook))));
  const r = sh("npx", ["lab4", "check", "lab4.ipynb"], student);
  const src = validateSource(readNotebook(sourceNotebook), sourceNotebook);
  // the quick profile trains Part 2 too little: its loss checks fail there, as in the solution's own quick run
  for (const part of src.parts) {
    const points = src.gradeCells.filter((g) => g.part === part).reduce((s, g) => s + g.points, 0);
    assert.match(r.stdout, new RegExp(`${part}: ${part.startsWith("Parte 2") ? 0 : points}/${points} puntos`), said(r));
  }
  assert.not.match(r.stdout, /Celdas con errores/);
  assert.match(r.stdout, /✗ seq2seq_loss_check, prueba 1 \(25 puntos\)/);
  assert.is(r.status, 1);
});

test("bad input gets one line: not a notebook, another language, missing file, outside a kit", () => {
  fs.writeFileSync(path.join(home, "notes.txt"), "hola");
  const py = path.join(home, "python.ipynb");
  fs.writeFileSync(
    py,
    JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "python3", language: "python" } }, cells: [] }),
  );
  for (const [file, why] of [
    [path.join(home, "notes.txt"), /no se puede revisar: not valid JSON/],
    [py, /no se puede revisar: .*python/],
    [path.join(home, "nada.ipynb"), /no se puede leer .*ENOENT/],
  ] as const) {
    const r = sh("npx", ["lab4", "check", file], student);
    assert.is(r.status, 2, said(r));
    assert.is(r.stdout.trim().split("\n").length, 1, said(r));
    assert.match(r.stdout, why);
  }
  // the repository's own build is not a kit: it has no released test cells to check against
  const r = sh(process.execPath, [path.join(repoRoot, "dist", "grading", "cli.js"), "check", path.join(student, "lab4.ipynb")], home);
  assert.is(r.status, 2, said(r));
  assert.match(r.stderr, /no es un kit de estudiante instalado/);
});

test("lab4 release does not overwrite a kit folder that is not empty, unless --force", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-rel-"));
  fs.mkdirSync(path.join(out, "lab4-kit"));
  fs.writeFileSync(path.join(out, "lab4-kit", "mine.txt"), "keep me");
  const logs: string[] = [];
  let error = "";
  await main(["release", "--notebook", path.join(out, "lab4.ipynb"), "--out", out], (l) => logs.push(l)).catch(
    (e: Error) => (error = e.message),
  );
  assert.match(error, /lab4-kit exists and is not empty: remove it or pass --force/);
  assert.is(fs.readFileSync(path.join(out, "lab4-kit", "mine.txt"), "utf8"), "keep me");
  fs.rmSync(out, { recursive: true, force: true });
});

test("lab4 release refuses a source whose task the library would answer, naming the exports", async () => {
  // a task that asks the student to write a DataLoader, which lab4 exports ready-made
  const nb = readNotebook(path.join(repoRoot, "test", "fixtures", "submissions", "mini-source.ipynb"));
  const cell = nb.cells.find((c) => (c.metadata["nbgrader"] as { grade_id?: string } | undefined)?.grade_id === "tensor")!;
  cell.source = cellSource(cell).replace("// BEGIN SOLUTION\n", "// BEGIN SOLUTION\nclass DataLoader {}\n");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-rel-"));
  const src = path.join(out, "source.ipynb");
  fs.writeFileSync(src, serializeNotebook(nb));
  let error = "";
  await main(["release", "--source", src, "--notebook", path.join(out, "lab4.ipynb"), "--out", out], () => {}).catch(
    (e: Error) => (error = e.message),
  );
  assert.match(error, /the runtime would export answers to tasks of .*source\.ipynb: .*DataLoader/);
  assert.not.ok(fs.existsSync(path.join(out, "lab4-kit.tgz")), "no kit was written");
  fs.rmSync(out, { recursive: true, force: true });
});

test.after(() => fs.rmSync(home, { recursive: true, force: true }));

test.run();
