/**
 * A small notebook that imports lab4 and draws every chart (and runs a progress bar and a live
 * chart), executed with the real tslab kernel through nbconvert (grading/execute.ts). The browser
 * tests look at what it produces; it must live inside the repository so `import "lab4"` resolves
 * through node_modules.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { executeNotebook } from "../../grading/execute";

export const ROOT = path.resolve(__dirname, "../..");
export const ARTIFACTS = path.join(ROOT, "test", "artifacts");

/** Cell ids -> code (ids name what each cell shows); "md:<title>" is a level-2 heading cell. */
export const FIXTURE_CELLS: Array<[string, string]> = [
  [
    "imports",
    `import { plotLoss, plotSeq2SeqHistory, plotEmbeddingPCA, plotMarksSummary, beginMarksPart, progressBar, liveLossChart } from "lab4";
import { marks, resetMarks, summariseMarks, assert } from "lab4/grading";
resetMarks();`,
  ],
  ["md:Parte 1 - Word2Vec", ""],
  ["part1", `beginMarksPart("Parte 1 - Word2Vec");\nmarks(3, () => assert(1 + 1 === 2));\nmarks(2, () => assert(true));`],
  [
    "training",
    `const chart = liveLossChart({ title: "Pérdida por lote" });
const running_loss: number[] = [];
for (let epoch = 0; epoch < 3; epoch++) {
    const bar = progressBar({ total: 8, label: \`Época \${epoch}\` });
    const losses: number[] = [];
    for (let b = 0; b < 8; b++) {
        const t = Date.now(); while (Date.now() - t < 40) {} // a 40 ms "batch"
        const loss = 7 - epoch * 0.4 - b * 0.03;
        losses.push(loss);
        bar.update({ loss });
        chart.push(loss);
    }
    bar.close();
    running_loss.push(losses.reduce((a, b) => a + b, 0) / losses.length);
}
chart.close();`,
  ],
  ["loss_plot", `plotLoss(running_loss);`],
  ["md:Parte 2 - Seq2Seq", ""],
  ["part2", `beginMarksPart("Parte 2 - Seq2Seq");\nmarks(25, () => assert(true));\ntry { marks(25, () => assert(false)); } catch {}`],
  ["seq2seq_plot", `plotSeq2SeqHistory({ train: [5.2, 4.6, 4.3, 4.1], valid: [5.0, 4.8, 4.7, 4.65] });`],
  [
    "pca_plot",
    `let s = 12345;
const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
const wordvecs = Array.from({ length: 400 }, (_, i) => Array.from({ length: 50 }, (_, j) => rnd() * (j < 2 ? 3 : 1)));
const id2tok = new Map(wordvecs.map((_, i) => [i, "w" + i] as [number, string]));
const near = (k: number) => [10, 11, 12].map((i) => "w" + (i + 10 * k));
plotEmbeddingPCA(wordvecs, id2tok, ["w1", "w2", "w3", "w4"].map((w, k) => ({ word: w, neighbours: near(k) })));`,
  ],
  ["marks_plot", `plotMarksSummary();`],
  ["summary", `summariseMarks();`],
  ["empty_plot", `plotLoss([]);`],
  // a student mistake: lab4 throws; the kernel must print a short Spanish report, no library frames
  [
    "student_error",
    `import { lookup } from "lab4";\nfunction nearest(word: string) { return lookup(new Map([["a", 0]]), word); }\nnearest("zzz");`,
  ],
  // a failed check, as in a real notebook (the error escapes marks())
  ["failed_check", `marks(1, () => assert(running_loss.length === 99));`],
];

/** The source notebook (nbformat 4.5, tslab kernel). */
export function fixtureNotebook(): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    cells: [
      { cell_type: "markdown", id: "title", metadata: {}, source: "# Gráficos de lab4 (fixture de prueba)" },
      ...FIXTURE_CELLS.map(([id, src], i) =>
        id.startsWith("md:")
          ? { cell_type: "markdown", id: `heading-${i}`, metadata: {}, source: `## ${id.slice(3)}` }
          : { cell_type: "code", id, metadata: {}, source: src, outputs: [], execution_count: null },
      ),
    ],
  };
}

/** Writes and executes the fixture into `dir` (inside the repo); returns the executed notebook's path. */
export function buildExecutedFixture(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const src = path.join(dir, "charts.ipynb");
  fs.writeFileSync(src, JSON.stringify(fixtureNotebook(), null, 1));
  const out = path.join(dir, "charts.executed.ipynb");
  // the last cells fail on purpose (errors allowed; grading/execute.ts still runs every cell)
  const r = executeNotebook(src, out, { timeoutCellSeconds: 120, allowErrors: true });
  if (!r.ok) throw new Error(r.message);
  return out;
}

let executed: string | null = null;

/** The executed fixture, built once per process (both browser tests share it). */
export function executedFixture(): string {
  executed ??= buildExecutedFixture(path.join(ARTIFACTS, "browser"));
  return executed;
}

/** Ids of the fixture cells that draw a chart (in order). */
export const CHART_CELLS = ["training", "loss_plot", "seq2seq_plot", "pca_plot", "marks_plot", "empty_plot"];
