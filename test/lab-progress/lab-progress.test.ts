import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requireTool } from "../helpers/require-tool";

// The main job (scripts/run-lab.ts, quick profile) shows its progress WHILE it runs: which cell
// (n/N) and the kernel's training bar (epoch, batch, loss), relayed live. What is checked is when
// each chunk of output arrived, not only the final text. Two real runs (~1 min each, the machine is
// shared): on a pseudo-terminal (util-linux `script`) to the end, and through a pipe, interrupted
// with SIGINT to the whole process group (what Ctrl-C does) during the Seq2Seq training.
const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const RUN_LAB = `${TSX} scripts/run-lab.ts --quick`;

interface Chunk {
  ms: number;
  text: string;
}

interface Run {
  chunks: Chunk[];
  endMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs a shell command in its own process group; `onChunk` may return true to send it SIGINT. */
function run(command: string, onChunk: (all: string) => boolean = () => false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    const chunks: Chunk[] = [];
    let all = "";
    let sent = false;
    const onData = (b: Buffer) => {
      const text = b.toString("utf8");
      chunks.push({ ms: Date.now() - t0, text });
      all += text;
      if (!sent && onChunk(all)) {
        sent = true;
        process.kill(-(child.pid as number), "SIGINT");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const guard = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), 8 * 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ chunks, endMs: Date.now() - t0, code, signal });
    });
  });
}

/** When (ms) the first chunk matching re arrived, with everything read up to it. */
function firstArrival(r: Run, re: RegExp): number | null {
  let acc = "";
  for (const c of r.chunks) {
    acc += c.text;
    if (re.test(acc)) return c.ms;
  }
  return null;
}

const CELL_START = /celda \d+\/\d+/;
const TRAINING = /Época \d+ \S+ \d+\/\d+ lotes .*loss \d+\.\d+/;
/** The training bar without its loss: in a pipe, sampled every 5 s, a quick-profile epoch (two batches,
 * both done within the kernel's 500 ms between redraws) may only ever show its first state. */
const TRAINING_BAR = /Época \d+ \S+ \d+\/\d+ lotes · \d+:\d+ transcurrido/;

test("on a terminal: one status line redrawn with \\r, cells n/N and the training bar, live", async () => {
  const script = spawnSync("script", ["--version"], { encoding: "utf8" });
  const present = script.status === 0;
  if (!requireTool({ what: "terminal progress", present, reason: "no util-linux `script`", install: "install util-linux (bsdutils)" }))
    return;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "lab-tty-"));
  try {
    // a wide terminal, so that the whole status line fits (a narrower one cuts it at its width)
    const r = run(`script -qfec "stty cols 220; ${RUN_LAB} --out ${out}" /dev/null`);
    const done = await r;
    const text = done.chunks.map((c) => c.text).join("");
    assert.is(done.code, 0, text.slice(-3000));
    const cell = firstArrival(done, /\r\x1b\[K[^\r\n]*celda \d+\/\d+/);
    const training = firstArrival(done, new RegExp(`\\r\\x1b\\[K[^\\r\\n]*${TRAINING.source}`));
    assert.ok(cell !== null, `no redrawn cell line:\n${text.slice(0, 2000)}`);
    assert.ok(training !== null, `no redrawn training line:\n${text.slice(0, 4000)}`);
    // live: well before the run ended (the report and its summary come after the last cell)
    assert.ok(cell < done.endMs - 10_000, `cell line at ${cell} ms, end at ${done.endMs} ms`);
    assert.ok(training < done.endMs - 3_000, `training line at ${training} ms, end at ${done.endMs} ms`);
    // one line redrawn: the status never ends a line of its own; the results follow a cleared line
    assert.not.match(text, /celda \d+\/\d+[^\r]*\n/);
    assert.match(text, /\r\x1b\[Klab: \d+\/\d+ puntos/);
    assert.ok(fs.existsSync(path.join(out, "report.html")));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("through a pipe: plain lines, throttled, live; SIGINT stops it and keeps what ran", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "lab-pipe-"));
  try {
    // interrupt once the Seq2Seq training has shown two progress lines with its bar (the loss is
    // checked live on a terminal, above: see TRAINING_BAR for why not here)
    const withBar = new RegExp(`Training Seq2Seq.*${TRAINING_BAR.source}`, "g");
    const done = await run(`${RUN_LAB} --out ${out}`, (all) => (all.match(withBar) ?? []).length >= 2);
    const text = done.chunks.map((c) => c.text).join("");
    assert.not.match(text, /\r/, "no carriage returns in a pipe");
    assert.not.match(text, /\x1b\[/, "no terminal escapes in a pipe");
    const cell = firstArrival(done, /^lab: celda 1\/\d+ /m);
    const training = firstArrival(done, new RegExp(`^lab: ${CELL_START.source} .*${TRAINING_BAR.source}`, "m"));
    assert.ok(cell !== null && cell < done.endMs - 10_000, `cell-start line at ${cell} ms, end ${done.endMs} ms:\n${text.slice(0, 2000)}`);
    assert.ok(
      training !== null && training < done.endMs - 3_000,
      `training line at ${training} ms, end ${done.endMs} ms:\n${text.slice(0, 4000)}`,
    );

    // status lines (not cell starts) at most every 5 s: by arrival time, each after the previous line
    let prev = -Infinity;
    let statusLines = 0;
    for (const c of done.chunks) {
      for (const line of c.text.split("\n").filter((l) => l.startsWith("lab: celda"))) {
        const isStatus = / \(total /.test(line);
        if (isStatus) {
          statusLines++;
          assert.ok(c.ms - prev >= 4_500, `status line ${c.ms - prev} ms after the previous line: ${line}`);
        }
        prev = c.ms;
      }
    }
    assert.ok(statusLines >= 2, `${statusLines} status lines:\n${text}`);

    // Ctrl-C: non-zero, one line saying so, and the executed-so-far notebook with outputs
    assert.is.not(done.code, 0, text.slice(-2000));
    assert.match(text, /lab: interrumpido en la celda \d+\/\d+/);
    const nbPath = path.join(out, "lab4.executed.ipynb");
    assert.ok(fs.existsSync(nbPath), `no ${nbPath}:\n${text.slice(-2000)}`);
    assert.ok(fs.existsSync(path.join(out, "report.html")));
    type Cell = { cell_type: string; execution_count: number | null; outputs?: { output_type: string; ename?: string }[] };
    const cells = (JSON.parse(fs.readFileSync(nbPath, "utf8")) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code");
    const executed = cells.filter((c) => c.execution_count !== null);
    assert.ok(executed.length >= 20 && executed.length < cells.length, `${executed.length} of ${cells.length} cells executed`);
    assert.ok(
      executed.some((c) => (c.outputs ?? []).length > 0),
      "executed cells keep their outputs",
    );
    const stopped = cells.filter((c) => (c.outputs ?? []).some((o) => o.ename === "KeyboardInterrupt"));
    assert.is(stopped.length, 1, "the cell that was running says it was interrupted");
    const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8")) as { interrupted?: boolean };
    assert.is(summary.interrupted, true);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test.run();
