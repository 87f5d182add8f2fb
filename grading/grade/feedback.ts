/**
 * What the grader writes for people:
 *   - the autograded notebook (instructor only): every cell as executed, the grade cells with the
 *     grader's verdicts (jhwutils HTML + [lab4-marks] markers), per-cell run status in
 *     `metadata.lab4_grade`. It contains the hidden tests' kernel code: do not hand it out.
 *   - the feedback notebook and its HTML (for the student): the student's cells with their
 *     outputs and plots; test cells show the RELEASED text (hidden tests removed) and only the
 *     grader's marks lines (no kernel output, which could echo what a hidden test looked at);
 *     hidden checks appear as "Prueba oculta" with marks and the kind of failure only (nbgrader
 *     shows hidden-test source in feedback, its issue #917); the closing summary shows the
 *     official total; a first cell lists the grade per part and what the grader had to do.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cellSource, type Notebook, type NotebookCell, type NotebookOutput } from "../notebook";
import type { AssembledCell, Assembly } from "./assemble";
import type { CellRun } from "./driver";
import { OBSERVATION_PREFIX } from "./observe";
import type { CheckResult } from "./verdict";
import { marks, resetMarks, setMarksOutput, summariseMarks } from "../runtime/marks";

export interface GradedCell {
  assembled: AssembledCell;
  executed: NotebookCell;
  run: CellRun;
  checks: CheckResult[];
}

export interface Totals {
  total: number;
  possible: number;
  percent: number;
  parts: Record<string, { total: number; possible: number }>;
}

function text(o: NotebookOutput): string {
  return Array.isArray(o.text) ? o.text.join("") : (o.text ?? "");
}

/** Kernel outputs without the grader's observation lines. */
function withoutObservations(outputs: NotebookOutput[]): NotebookOutput[] {
  const kept: NotebookOutput[] = [];
  for (const o of outputs) {
    if (o.output_type === "stream") {
      const t = text(o)
        .split("\n")
        .filter((l) => !l.includes(OBSERVATION_PREFIX))
        .join("\n");
      if (t.trim() !== "") kept.push({ ...o, text: t.replace(/^\n+/, "") });
    } else kept.push(o);
  }
  return kept;
}

const STATUS_TEXT: Partial<Record<CellRun["status"], string>> = {
  timeout: "tiempo agotado",
  killed: "tiempo agotado; el kernel fue detenido",
  died: "el kernel terminó",
  memory: "memoria excedida; el kernel fue detenido",
  "not-run": "no se ejecutó",
};

function graderNote(run: CellRun): NotebookOutput[] {
  const what = STATUS_TEXT[run.status];
  if (what === undefined) return [];
  return [{ output_type: "stream", name: "stderr", text: `[calificador] ${what}: ${run.detail}\n` }];
}

/** The jhwutils total (TOTALMARK) for the official result, as summariseMarks() shows it. */
export function totalOutput(checks: readonly CheckResult[]): NotebookOutput {
  let html = "";
  let plain = "";
  const prev = setMarksOutput({ html: (h) => (html = h), text: (t) => (plain = t) });
  try {
    resetMarks();
    for (const c of checks) {
      try {
        marks(c.points, () => {
          if (c.awarded !== c.points) throw new Error("failed");
        });
      } catch {
        /* counted as failed */
      }
    }
    summariseMarks();
  } finally {
    resetMarks();
    setMarksOutput(prev);
  }
  return { output_type: "display_data", data: { "text/html": html, "text/plain": plain }, metadata: {} };
}

function isTotalOutput(o: NotebookOutput): boolean {
  const d = o.data ?? {};
  const s = [d["text/html"], d["text/plain"], o.text]
    .map((v) => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : ""))
    .join("\n");
  return s.includes("TOTALMARK");
}

function codeCell(source: string, outputs: NotebookOutput[], metadata: Record<string, unknown> = {}): NotebookCell {
  return { cell_type: "code", source, metadata, outputs, execution_count: null };
}

export interface FeedbackInput {
  student: string;
  cells: GradedCell[];
  totals: Totals;
  notes: string[];
  kernelspec: Notebook["metadata"];
}

function summaryMarkdown(inp: FeedbackInput): string {
  const t = inp.totals;
  const lines = [
    `# Retroalimentación: ${inp.student}`,
    "",
    `**Calificación automática: ${t.total} / ${t.possible} (${t.percent.toFixed(1)}%)**`,
    "",
    "| parte | puntos |",
    "|---|---|",
    ...Object.entries(t.parts).map(([p, v]) => `| ${p} | ${v.total} / ${v.possible} |`),
  ];
  if (inp.notes.length > 0) lines.push("", "Notas del calificador:", "", ...inp.notes.map((n) => `- ${n.replace(/\|/g, "\\|")}`));
  lines.push("", "Las celdas de prueba se muestran como se publicaron; las pruebas ocultas solo muestran su resultado.");
  return lines.join("\n");
}

export function feedbackNotebook(inp: FeedbackInput): Notebook {
  const allChecks = inp.cells.flatMap((c) => c.checks);
  const cells: NotebookCell[] = [{ cell_type: "markdown", source: summaryMarkdown(inp), metadata: {} }];
  for (const g of inp.cells) {
    const a = g.assembled;
    if (a.cell.cell_type !== "code") {
      cells.push({ cell_type: a.cell.cell_type, source: a.displaySource, metadata: {} });
      continue;
    }
    if (a.role === "grade") {
      cells.push(
        codeCell(
          a.displaySource,
          g.checks.flatMap((c) => c.outputs),
        ),
      );
      continue;
    }
    const outputs = withoutObservations(g.executed.outputs ?? []).map((o) => (isTotalOutput(o) ? totalOutput(allChecks) : o));
    cells.push(codeCell(a.displaySource, [...outputs, ...graderNote(g.run)]));
  }
  return { nbformat: 4, nbformat_minor: 5, metadata: inp.kernelspec, cells };
}

/** The instructor's copy: executed cells (as run, hidden tests' kernel code included) + verdicts. */
export function autogradedNotebook(inp: FeedbackInput): Notebook {
  const allChecks = inp.cells.flatMap((c) => c.checks);
  const cells: NotebookCell[] = [{ cell_type: "markdown", source: summaryMarkdown(inp), metadata: {} }];
  for (const g of inp.cells) {
    const a = g.assembled;
    const meta = { ...a.cell.metadata, lab4_grade: { role: a.role, status: g.run.status, detail: g.run.detail, seconds: g.run.seconds } };
    if (a.cell.cell_type !== "code") {
      cells.push({ cell_type: a.cell.cell_type, source: cellSource(a.cell), metadata: meta });
      continue;
    }
    const kernelOut = withoutObservations(g.executed.outputs ?? []);
    const outputs =
      a.role === "grade"
        ? [...kernelOut, ...g.checks.flatMap((c) => c.outputs)]
        : [...kernelOut.map((o) => (isTotalOutput(o) ? totalOutput(allChecks) : o)), ...graderNote(g.run)];
    cells.push(codeCell(cellSource(a.cell), outputs, meta));
  }
  return { nbformat: 4, nbformat_minor: 5, metadata: inp.kernelspec, cells };
}

export function gradedCells(
  assembly: Assembly,
  executed: Notebook,
  runs: readonly CellRun[],
  checks: Map<number, CheckResult[]>,
): GradedCell[] {
  return assembly.cells.map((a, i) => ({
    assembled: a,
    executed: executed.cells[i] ?? a.cell,
    run: runs[i] ?? { status: "not-run", seconds: 0, detail: "" },
    checks: checks.get(i) ?? [],
  }));
}

/** nbconvert HTML export through one long-lived Python helper (render.py). */
export class HtmlRenderer {
  private child: ChildProcessWithoutNullStreams | null = null;
  private pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private buffer = "";
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly python: string,
    private readonly script: string,
  ) {}

  private start(): ChildProcessWithoutNullStreams {
    if (this.child !== null) return this.child;
    const child = spawn("setpriv", ["--pdeathsig", "KILL", this.python, this.script], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdout.on("data", (d: Buffer) => {
      this.buffer += d.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const p = this.pending.shift();
        if (p === undefined) continue;
        try {
          const a = JSON.parse(line) as { ok: boolean; error?: string };
          if (a.ok) p.resolve();
          else p.reject(new Error(a.error ?? "render failed"));
        } catch {
          p.reject(new Error(`renderer said: ${line.slice(0, 200)}`));
        }
      }
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on("close", (code) => {
      for (const p of this.pending.splice(0))
        p.reject(new Error(`HTML renderer exited (${code}): ${stderr.trim().split("\n").pop() ?? ""}`));
      this.child = null;
    });
    this.child = child;
    return child;
  }

  /** Renders `nbFile` to `htmlFile` (requests are served in order). */
  render(nbFile: string, htmlFile: string): Promise<void> {
    const job = this.chain.then(
      () =>
        new Promise<void>((resolve, reject) => {
          const child = this.start();
          this.pending.push({ resolve, reject });
          child.stdin.write(JSON.stringify({ in: path.resolve(nbFile), out: path.resolve(htmlFile) }) + "\n");
        }),
    );
    this.chain = job.catch(() => undefined);
    return job;
  }

  close(): void {
    if (this.child !== null) {
      this.child.stdin.end();
      this.child = null;
    }
  }
}

export function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
