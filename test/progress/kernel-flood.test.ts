import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { executeNotebook } from "../../grading/execute";

// A training loop that never yields blocks the kernel's event loop: tslab's zeromq socket cannot
// finish sends, and after ~500 messages its next send throws "Socket is busy writing". Before the
// display queue, that error was thrown inside the loop and the whole cell was silently abandoned
// (the original lab's first Seq2Seq epoch stopped at batch 168 of 227 under nbconvert). Run in the real
// tslab kernel: 3000 redraws with no interval, first without awaiting, then awaiting each update
// (with a live chart at its default interval).
const ROOT = path.resolve(__dirname, "../..");

function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, source, outputs: [] })),
  });
}

type Output = { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> };
// tslab colours console.log's numbers and booleans (ANSI escapes): compare the plain text
const text = (o: Output) =>
  [o.text ?? "", (o.data?.["text/plain"] as string | string[] | undefined) ?? ""]
    .flat()
    .join("")
    .replace(/\x1b\[[0-9;]*m/g, "");

test("a kernel loop sending 3000 progress redraws finishes, with or without awaiting update()", () => {
  // inside the repository, so `import "lab4"` resolves through node_modules
  const dir = fs.mkdtempSync(path.join(ROOT, "test", ".kernel-flood-"));
  try {
    const src = path.join(dir, "flood.ipynb");
    const out = path.join(dir, "flood.out.ipynb");
    fs.writeFileSync(
      src,
      notebook([
        `import { progressBar, liveLossChart } from "lab4";\nlet n = 0;`,
        `const bar = progressBar({ total: 3000, label: "sin await", intervalMs: 0 });
for (let i = 0; i < 3000; i++) { const t = Date.now(); while (Date.now() - t < 1) {} bar.update({ loss: i }); n = i; }
bar.close();
const first = n;`,
        `console.log("entre celdas", first);`,
        `const bar2 = progressBar({ total: 3000, label: "con await", intervalMs: 0 });
const chart = liveLossChart({ title: "x" });
for (let i = 0; i < 3000; i++) { const t = Date.now(); while (Date.now() - t < 1) {} await bar2.update({ loss: i }); await chart.push(i); }
bar2.close();
chart.close();
console.log("fin", first, bar2.line().includes("3000/3000"));`,
      ]),
    );
    const r = executeNotebook(src, out, { allowErrors: true, timeoutCellSeconds: 300 });
    assert.ok(fs.existsSync(out), r.message);
    const cells = (JSON.parse(fs.readFileSync(out, "utf8")) as { cells: Array<{ outputs: Output[] }> }).cells;
    const all = (i: number) => cells[i].outputs.map(text).join("\n");
    // The loop without awaits completed: its declarations exist in the next cells, nothing failed.
    assert.match(all(2), /entre celdas 2999/);
    assert.match(all(1), /sin await .*3000\/3000.*terminado/, "final state of the un-awaited bar");
    assert.not.match(all(1), /busy writing/);
    assert.match(all(3), /con await .*3000\/3000.*terminado/);
    assert.match(all(3), /fin 2999 true/);
    assert.not.match(all(3), /Cannot find name/);
    assert.ok(
      cells[3].outputs.some((o) => o.output_type === "display_data" && o.data?.["application/vnd.vegalite.v5+json"]),
      "the live chart's final state",
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
