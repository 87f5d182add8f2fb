// The notebook driver on the real tslab kernel: every cell after a failure still runs (tslab #19),
// time limits interrupt or kill, a dead kernel is restarted with its state rebuilt, and the kernel
// runs in the sandbox with nothing of the grader in reach.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { kernelLaunch, probeSandbox, SLOT_UID_BASE } from "../../grading/grade/sandbox";
import { jupyterPython, runDriver, type DriverRun } from "../../grading/grade/driver";
import type { Notebook, NotebookOutput } from "../../grading/notebook";
import { repoRoot } from "./submissions";
import { testKit } from "../kit-fixture";
import { coreShare } from "../../grading/grade/run";
import { nativeBlasStatus } from "../../lib/engine/kernels/native-blas";
import { BWRAP_INSTALL, requireTool } from "../helpers/require-tool";

const probe = probeSandbox("auto");
const kit = testKit().install;
const kitInstall = path.dirname(kit.nodeModules);
const GiB = 1024 ** 3;

function notebook(sources: string[]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", language: "typescript", display_name: "TypeScript" } },
    cells: sources.map((s, i) => ({ id: `c${i}`, cell_type: "code", source: s, metadata: {}, outputs: [], execution_count: null })),
  };
}

async function run(
  sources: string[],
  opts: { timeout?: number; maxRestarts?: number; slot?: number; helperThreads?: number } = {},
): Promise<DriverRun> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-drv-"));
  fs.chmodSync(workDir, 0o711);
  try {
    const kernel = kernelLaunch({
      probe,
      nodeModules: kit.nodeModules,
      workDir,
      slot: opts.slot ?? 0,
      memoryBytes: 1.5 * GiB,
      env: {},
      helperThreads: opts.helperThreads ?? 1,
    });
    return await runDriver({
      notebook: notebook(sources),
      cells: sources.map(() => ({ timeout: opts.timeout ?? 6, replay: true })),
      kernel,
      workDir,
      memoryBytes: 1.5 * GiB,
      budgetSeconds: 600,
      maxRestarts: opts.maxRestarts ?? 2,
      python: jupyterPython(),
    });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

const out = (outputs: NotebookOutput[] | undefined) =>
  (outputs ?? []).map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? ""))).join("");

let main: DriverRun;
const LATER = 25;
const sources = [
  "const x = 5;",
  'throw new Error("early boom");',
  ...Array.from({ length: LATER }, (_, i) => `console.log("later ${i}", x + ${i});`),
  "while (true) {}",
  'console.log("after loop", x);',
  "setTimeout(() => { for (;;) {} }, 0);\nawait new Promise((r) => setTimeout(r, 600000));",
  'console.log("after kill", x);',
  "process.exit(3);",
  'console.log("after exit", x);',
  // untouched buffers count against the data limit all the same (first-touching 1.5 GiB can outlast the 6 s limit on a loaded VM)
  "const hoard: Float64Array[] = [];\nwhile (true) hoard.push(new Float64Array(1e7));",
  'console.log("after oom", x);',
  `const fs = require("fs");
const seen: Record<string, unknown> = {
  kit: fs.readdirSync(${JSON.stringify(kitInstall)}).sort(),
  kitData: fs.readdirSync(${JSON.stringify(path.join(kit.packageRoot, "data"))}).length,
  uid: process.getuid(),
  nets: Object.keys(require("os").networkInterfaces()),
  cwd: process.cwd(),
};
try { fs.readFileSync(${JSON.stringify(path.join(repoRoot, "notebooks", "source", "lab4.ipynb"))}); seen.source = "READ"; }
catch (e: any) { seen.source = e.code; }
try { seen.repoEntries = fs.readdirSync(${JSON.stringify(repoRoot)}).join(","); seen.repo = "READ"; } catch (e: any) { seen.repo = e.code; }
try { fs.writeFileSync(${JSON.stringify(path.join(kit.packageRoot, "dist", "lib", "index.js"))}, ""); seen.kitWrite = "WROTE"; }
catch (e: any) { seen.kitWrite = e.code; }
try { fs.readdirSync("/root"); seen.root = "READ"; } catch (e: any) { seen.root = e.code; }
console.log(JSON.stringify(seen));`,
];

test.before(async () => {
  main = await run(sources, { maxRestarts: 3 }); // kill, exit and out of memory each restart it
});

test("an early error does not stop the notebook: all later cells run once and report ok (tslab #19)", () => {
  const st = main.result.cells.map((c) => c.status);
  assert.is(st[0], "ok");
  assert.is(st[1], "error");
  assert.match(out(main.executed.cells[1]!.outputs), /Error: early boom/);
  for (let i = 0; i < LATER; i++) {
    assert.is(st[2 + i], "ok", `cell ${2 + i}`);
    assert.is(out(main.executed.cells[2 + i]!.outputs), `later ${i} ${5 + i}\n`);
  }
});

test("a synchronous endless loop is interrupted at its time limit; the kernel keeps its state", () => {
  const i = 2 + LATER;
  assert.equal([main.result.cells[i]!.status, main.result.cells[i]!.detail], ["timeout", "timeout after 6 s; interrupted"]);
  assert.is(main.result.cells[i + 1]!.status, "ok");
  assert.is(out(main.executed.cells[i + 1]!.outputs), "after loop 5\n");
});

test("a loop that ignores the interrupt gets the kernel killed; it restarts and earlier cells rebuild the state", () => {
  const i = 4 + LATER;
  assert.is(main.result.cells[i]!.status, "killed");
  assert.match(main.result.cells[i]!.detail, /did not answer the interrupt and was killed/);
  assert.is(out(main.executed.cells[i + 1]!.outputs), "after kill 5\n");
});

test("process.exit: the death is reported with its code, the rest still runs", () => {
  const i = 6 + LATER;
  assert.equal([main.result.cells[i]!.status, main.result.cells[i]!.detail], ["died", "the kernel process exited with code 3"]);
  assert.is(out(main.executed.cells[i + 1]!.outputs), "after exit 5\n");
});

test("an allocation beyond the memory cap fails in the cell, not on the machine; the kernel restarts without it", () => {
  // Whichever limit trips first (an ArrayBuffer refused by the data rlimit, a catchable error; or
  // V8's heap limit, a crash), the cell is reported out of memory and what it holds is gone: the
  // next cell runs on a fresh kernel (a later, innocent cell used to crash on the full memory).
  const i = 8 + LATER;
  assert.is(main.result.cells[i]!.status, "memory", main.result.cells[i]!.detail);
  assert.match(main.result.cells[i]!.detail, /out of memory/);
  assert.is(main.result.restarts, 3);
  assert.is(
    out(main.executed.cells[i + 1]!.outputs)
      .trim()
      .split("\n")
      .pop(),
    "after oom 5",
  );
});

test(`the kernel's view of the machine (sandbox: ${probe.mode}, ${probe.reason})`, () => {
  const last = main.result.cells[sources.length - 1]!;
  assert.is(last.status, "ok", `the probe cell failed: ${last.detail}`);
  const seen = JSON.parse(out(main.executed.cells[sources.length - 1]!.outputs)) as Record<string, unknown>;
  if (requireTool({ what: "sandbox isolation checks", present: probe.mode === "bwrap", reason: probe.reason, install: BWRAP_INSTALL })) {
    // the kit's install and nothing else: its node_modules read-only, a private work folder
    assert.equal(seen.kit, ["node_modules", "work"]);
    assert.is(seen.kitData, fs.readdirSync(path.join(kit.packageRoot, "data")).length);
    assert.is(seen.kitWrite, "EROFS");
    // of the repository only the empty folders leading to the kit's mount point, when it lies inside
    const inside = path.relative(repoRoot, kitInstall);
    assert.equal(seen.repo, inside.startsWith("..") ? "ENOENT" : "READ");
    assert.is(seen.repoEntries, inside.startsWith("..") ? undefined : inside.split(path.sep)[0]);
    assert.is(seen.source, "ENOENT");
    assert.is(seen.root, "ENOENT");
    assert.equal(seen.nets, ["lo"], "no network but a private loopback");
    assert.is(seen.cwd, path.join(kitInstall, "work"));
    if (process.getuid?.() === 0) assert.is(seen.uid, SLOT_UID_BASE);
  } else {
    // Without bwrap the grader says so (and the README says what that leaves open).
    assert.match(probe.reason, /no sandbox|disabled/);
    assert.is(seen.source, "READ");
  }
});

test("the native GEMM loads in the kernel exactly when it loads in the grader", async () => {
  // A sandbox that hid a library it links (libopenblas.so.0 -> /etc/alternatives/…) made every
  // graded kernel fall back to the wasm products: the lab's training cells ran 2.5x slower.
  const r = await run(
    ['import { nativeBlasStatus } from "lab4";\nconst b = nativeBlasStatus();\nconsole.log("reason" in b ? b.reason : "loaded");'],
    { timeout: 60 },
  );
  assert.is(r.result.cells[0]!.status, "ok", r.result.cells[0]!.detail);
  const here = nativeBlasStatus();
  assert.is(out(r.executed.cells[0]!.outputs).trim(), here.loaded ? "loaded" : here.reason);
});

test("a kit install out of reach of the kernel's unprivileged user is refused, naming the folder to open", () => {
  const hidden = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-private-")); // mode 0700
  const nm = path.join(hidden, "install", "node_modules");
  fs.mkdirSync(path.join(nm, "tslab", "bin"), { recursive: true });
  fs.mkdirSync(path.join(nm, "lab4", "data"), { recursive: true });
  fs.writeFileSync(path.join(nm, "tslab", "bin", "tslab"), "");
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-drv-"));
  try {
    const launch = () => kernelLaunch({ probe, nodeModules: nm, workDir, slot: 0, memoryBytes: GiB, env: {}, helperThreads: 1 });
    if (probe.mode === "bwrap" && probe.dropUid)
      assert.throws(launch, (e: Error) => e.message.includes(`${hidden} is not searchable by others`));
    else assert.ok(launch().argv.length > 0, "without a separate uid the kernel reads the kit as the grader does");
  } finally {
    fs.rmSync(hidden, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  }
});

test("each kernel gets its share of the cores: --jobs kernels split them, at least one each", () => {
  assert.is(coreShare(1, 2), 2);
  assert.is(coreShare(2, 2), 1);
  assert.is(coreShare(3, 2), 1);
  assert.is(coreShare(2, 8), 4);
  assert.is(coreShare(0, 4), 4);
});

test("one core: no V8 background tasks, one worker, later optimisation; with spare cores V8 keeps its defaults", async () => {
  // V8 starts four workers whatever the machine; two kernels on two cores then fight over them, and
  // every background compile comes out of a one-core kernel's own time.
  const probe = 'console.log(require("fs").readdirSync("/proc/self/task").length, process.execArgv.join(" "));';
  const seen: Array<[number, string]> = [];
  for (const helperThreads of [1, 2]) {
    const r = await run([probe], { helperThreads });
    assert.is(r.result.cells[0]!.status, "ok", r.result.cells[0]!.detail);
    const [count, ...argv] = out(r.executed.cells[0]!.outputs).trim().split(" ");
    seen.push([Number(count), argv.join(" ")]);
  }
  assert.ok(
    seen.every(([c]) => Number.isInteger(c)),
    `thread counts: ${seen}`,
  );
  assert.ok(seen[0]![0] < seen[1]![0], `threads with one core and with two: ${seen}`);
  assert.match(seen[0]![1], /--v8-pool-size=1/);
  assert.match(seen[0]![1], /--interrupt-budget=1000000/);
  assert.match(seen[0]![1], /--single-threaded/);
  assert.not.match(seen[1]![1], /--v8-pool-size|--interrupt-budget|--single-threaded/);
});

test("a death is explained by what that kernel wrote, not by an earlier kernel's crash", async () => {
  const r = await run(["const heap: number[][] = [];\nwhile (true) heap.push(new Array(1e6).fill(0.5));", "process.exit(4);"], {
    timeout: 60,
    slot: 1,
  });
  assert.equal(
    [r.result.cells[0]!.status, r.result.cells[0]!.detail],
    ["memory", "out of memory (the kernel crashed: JavaScript heap out of memory)"],
  );
  assert.equal([r.result.cells[1]!.status, r.result.cells[1]!.detail], ["died", "the kernel process exited with code 4"]);
});

test("after too many kernel deaths the remaining cells are reported as not run, with the reason", async () => {
  const r = await run(["process.exit(1);", "process.exit(2);", 'console.log("unreached");', "1 + 1;"], { maxRestarts: 1, slot: 1 });
  assert.equal(
    r.result.cells.map((c) => c.status),
    ["died", "died", "not-run", "not-run"],
  );
  assert.match(r.result.cells[2]!.detail, /the kernel failed 2 times \(last: the kernel process exited with code 2\)/);
});

test.run();
