/**
 * `lab4 grade`: the batch. First discovery (collect.ts): every file under the input, its student
 * (from the layout, plus the roster) and the one notebook per student to grade; the others are
 * refused with their reason. Then each submission goes through GRADE_STAGES, in order:
 *   1. read: the bytes, or a refusal with the reason (submission.ts)
 *   2. assemble: the submission's answers with the source's test cells, by grade_id (assemble.ts;
 *      the grade cells compiled by checks.ts)
 *   3. execute: a fresh kernel on the installed student kit, sandboxed (sandbox.ts + driver.py)
 *   4. score: every check decided outside the kernel (observe.ts + verdict.ts)
 *   5. write: the autograded notebook and the feedback HTML (feedback.ts); the batch then puts the
 *      row in the gradebook (gradebook.ts). `lab4 check` runs stages 1-4 (check.ts).
 * Submissions run `jobs` at a time; `shard i/n` takes a deterministic 1/n of them.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { autogradedNotebook, ensureDir, feedbackNotebook, gradedCells, HtmlRenderer, type Totals } from "./feedback";
import { Gradebook, type CheckColumn, type FileRow, type GradebookSource, type GradeRow, type StudentIdentity } from "./gradebook";
import { cellSource, readNotebook, type NotebookOutput } from "../notebook";
import { serializeNotebook, writeFileAtomic } from "../notebook/release";
import { kernelLaunch, probeSandbox, type InstalledKit, type SandboxProbe, type SandboxRequest } from "./sandbox";
import { assemble, assembledNotebook, type Assembly } from "./assemble";
import { jupyterPython, repoRootFrom, runDriver, type CellRun, type DriverRun } from "./driver";
import { ObservationError, parseObservations, type Observation } from "./observe";
import { readSubmission, Refusal, type Submission } from "./submission";
import { collect, type FoundFile, type StudentPlan } from "./collect";
import { readRoster, type RosterEntry } from "./roster";
import { validateSource, type ValidatedSource } from "./validate";
import { judgeCell, type CheckResult } from "./verdict";

export interface GradeOptions {
  sourceFile: string;
  outDir: string;
  jobs: number;
  shard: { index: number; count: number } | null;
  /** Default seconds per cell (cells may have metadata.lab4.timeout). */
  timeoutCell: number;
  /** Seconds for a whole submission; 0: the longest cell limit (default or metadata) + 1 hour. */
  timeoutTotal: number;
  memoryMb: number;
  force: boolean;
  sandbox: SandboxRequest;
  /** Environment for the kernels (LAB4_PROFILE is passed through from the grader's own). */
  env: Record<string, string>;
  feedback: boolean;
  keepWork: boolean;
  /** The source is a released notebook (lab4 check: the visible tests only). */
  released?: boolean;
  /** The installed student kit every kernel runs on (grading/kit.ts). */
  runtime: InstalledKit;
  /** nbgrader assignment to grade (submitted/<student>/<assignment>/); null: the only one. */
  assignment?: string | null;
  /** Roster CSV (id, name, email, section). */
  roster?: string | null;
  /** Progress lines (default: stdout). */
  log: (line: string) => void;
}

export interface SubmissionRef {
  student: string;
  /** Where the bytes are. */
  file: string;
  /** The file as the instructor knows it (default: `file`); zip entries are `<zip>!/<entry>`. */
  shown?: string;
}

export class UsageError extends Error {
  override name = "UsageError";
}

/** Shard i of n (1-based): every n-th submission in student order, starting at the i-th. */
export function shardOf<T>(items: readonly T[], shard: { index: number; count: number } | null): T[] {
  if (shard === null) return [...items];
  return items.filter((_, k) => k % shard.count === shard.index - 1);
}

export function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function gradebookSource(source: ValidatedSource, sourceSha: string): GradebookSource {
  const checks: CheckColumn[] = source.gradeCells.flatMap((g) =>
    g.compiled.checks.map((c) => ({
      key: `${g.gradeId}:${c.index}`,
      gradeId: g.gradeId,
      index: c.index,
      points: c.points,
      hidden: c.hidden,
      part: g.part,
    })),
  );
  return { file: source.file, sha256: sourceSha, checks, parts: source.parts, possible: checks.reduce((s, c) => s + c.points, 0) };
}

/** The first line that explains a cell's failure in tslab's stderr output. */
export function errorSummary(outputs: readonly NotebookOutput[]): string {
  const err = outputs
    .filter((o) => (o.output_type === "stream" && o.name === "stderr") || o.output_type === "error")
    .map((o) => (o.output_type === "error" ? `${o.ename}: ${o.evalue}` : Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
    .join("\n");
  const lines = err.split("\n").map((l) => l.trim());
  const pick =
    lines.find((l) => /^\d+:\d+ - /.test(l)) ??
    lines.find((l) => /^([A-Z][A-Za-z]*Error|Error|Uncaught|UnhandledPromiseRejection)\b/.test(l)) ??
    lines.find((l) => l !== "");
  return (pick ?? "").slice(0, 300);
}

function notRunReason(run: CellRun, outputs: readonly NotebookOutput[]): string {
  switch (run.status) {
    case "ok":
      return "the check did not report a result (the cell ended early)";
    case "error": {
      // positions refer to the grader's rewriting of the cell, not to what the student sees
      const e = errorSummary(outputs).replace(/^\d+:\d+ - /, "");
      return e ? `the test cell failed: ${e}` : "the test cell failed";
    }
    default:
      return run.detail || `the test cell did not run (${run.status})`;
  }
}

function stdoutText(outputs: readonly NotebookOutput[]): string {
  return outputs
    .filter((o) => o.output_type === "stream")
    .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
    .join("\n");
}

export interface BatchContext {
  source: ValidatedSource;
  sourceSha: string;
  runtime: InstalledKit;
  observerPath: string;
  python: string;
  probe: SandboxProbe;
  /** One HTML renderer per parallel slot (rendering is real work; one shared would serialise it). */
  renderers: Map<number, HtmlRenderer> | null;
  renderScript: string;
  opts: GradeOptions;
  /** Work folders in use (removed if the run is interrupted). */
  active: Set<string>;
}

/**
 * Cores each kernel may keep busy with helper threads: the machine's cores split among the `--jobs`
 * kernels (at least 1). OpenBLAS would otherwise start a thread per core in every kernel, and
 * `--jobs N` kernels would fight over the cores; see `kernelNodeFlags` for V8's threads.
 */
export function coreShare(jobs: number, cores: number = os.cpus().length): number {
  return Math.max(1, Math.floor(cores / Math.max(1, jobs)));
}

/** The LAB4_* settings of this process that kernels inherit (profile, backend, native GEMM, threads). */
export function lab4Settings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["LAB4_PROFILE", "LAB4_BACKEND", "LAB4_NATIVE_BLAS", "LAB4_BLAS_THREADS", "LAB4_WASM_THREADS"])
    if (env[k]) out[k] = env[k]!;
  return out;
}

/**
 * The kernels' environment: the grader's LAB4_* settings plus the core share for the native GEMM
 * and for the wasm thread pool (used when the GEMM is missing). Explicit values in `opts.env` win.
 */
export function kernelEnv(opts: Pick<GradeOptions, "env" | "jobs">): Record<string, string> {
  const share = String(coreShare(opts.jobs));
  const threads = opts.env.LAB4_BLAS_THREADS ?? share;
  return { ...opts.env, LAB4_BLAS_THREADS: threads, OPENBLAS_NUM_THREADS: threads, LAB4_WASM_THREADS: opts.env.LAB4_WASM_THREADS ?? share };
}

export function prepareBatch(opts: GradeOptions): BatchContext {
  const repoRoot = repoRootFrom(__dirname);
  const bytes = fs.readFileSync(opts.sourceFile);
  const source = validateSource(readNotebook(opts.sourceFile), opts.sourceFile, { released: opts.released === true });
  // the kernel loads the observer from the kit, like every other module it imports
  const observerPath = path.join(opts.runtime.packageRoot, "dist", "grading", "grade", "observe.js");
  if (!fs.existsSync(observerPath)) throw new UsageError(`${observerPath} missing: the kit's install is incomplete`);
  const python = jupyterPython();
  const renderScript = path.join(repoRoot, "grading", "grade", "render.py");
  const renderers = opts.feedback ? new Map<number, HtmlRenderer>() : null;
  return {
    source,
    sourceSha: sha256(bytes),
    runtime: opts.runtime,
    observerPath,
    python,
    probe: probeSandbox(opts.sandbox),
    renderers,
    renderScript,
    opts,
    active: new Set(),
  };
}

function emptyRow(ref: SubmissionRef, ctx: BatchContext, sha: string): GradeRow {
  return {
    student: ref.student,
    file: ref.shown ?? ref.file,
    sha256: sha,
    status: "refused",
    reason: "",
    notes: [],
    checks: {},
    checkReasons: {},
    parts: {},
    total: 0,
    possible: gradebookSource(ctx.source, ctx.sourceSha).possible,
    percent: 0,
    seconds: 0,
    kernelSeconds: 0,
    startupSeconds: 0,
    gradedAt: new Date().toISOString(),
    sandbox: ctx.probe.mode,
    feedback: null,
    autograded: null,
  };
}

/** What executing and scoring one submission produced (the files are written from it). */
export interface Scored {
  row: GradeRow;
  /** Absent when the submission was refused or the kernel could not run. */
  graded: {
    totals: Totals;
    cells: ReturnType<typeof gradedCells>;
    /** Student (non-test) cells that raised: the cell's grade_id or first line, and the first line that explains it. */
    errors: Array<{ cell: string; summary: string }>;
  } | null;
}

/** One submission on its way through the stages; each stage reads what earlier ones filled. */
interface Job {
  readonly ref: SubmissionRef;
  readonly slot: number;
  readonly ctx: BatchContext;
  readonly t0: number;
  /** Write the autograded notebook and feedback (`lab4 check` does not). */
  readonly write: boolean;
  row: GradeRow;
  sub: Submission | null;
  nonce: string;
  assembly: Assembly | null;
  /** The submission's own temporary folder (removed after the stages unless `keepWork`). */
  workDir: string | null;
  run: DriverRun | null;
  scored: Scored;
}

/** A stage does one job; it returns false when the submission goes no further (refused, failed). */
type Stage = (job: Job) => boolean | Promise<boolean>;

/** The submission's bytes and notebook, or a row saying why it is refused. */
function readStage(job: Job): boolean {
  const { ref, ctx } = job;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(ref.file);
  } catch (e) {
    job.row.reason = `${ref.shown ?? ref.file}: cannot read (${(e as Error).message})`;
    return false;
  }
  job.row = job.scored.row = emptyRow(ref, ctx, sha256(bytes));
  const ks = ctx.source.nb.metadata.kernelspec!;
  try {
    job.sub = readSubmission(ref.file, { name: String(ks.name), language: String(ks.language) });
    return true;
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    job.row.reason = `${ref.shown ?? ref.file}: ${e.message}`;
    return false;
  }
}

/** The submission's answers with the source's test cells, by grade_id (assemble.ts, checks.ts). */
function assembleStage(job: Job): boolean {
  const { ctx } = job;
  job.nonce = randomBytes(16).toString("hex");
  job.assembly = assemble(ctx.source, job.sub!.nb, {
    nonce: job.nonce,
    observerPath: ctx.observerPath,
    defaultTimeout: ctx.opts.timeoutCell,
  });
  return true;
}

/** Runs the assembled notebook in a fresh kernel on the kit, sandboxed, in a new work folder. */
async function executeStage(job: Job): Promise<boolean> {
  const { ctx, row } = job;
  const { opts } = ctx;
  const assembly = job.assembly!;
  const workDir = (job.workDir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-grade-")));
  ctx.active.add(workDir);
  fs.chmodSync(workDir, 0o711);
  const launch = kernelLaunch({
    probe: ctx.probe,
    nodeModules: ctx.runtime.nodeModules,
    workDir,
    slot: job.slot,
    memoryBytes: opts.memoryMb * 1024 * 1024,
    env: kernelEnv(opts),
    helperThreads: coreShare(opts.jobs),
  });
  const run = (job.run = await runDriver({
    notebook: assembledNotebook(ctx.source, assembly),
    cells: assembly.cells.map((c) => ({ timeout: c.timeout, replay: c.role !== "grade" && c.cell.cell_type === "code" })),
    kernel: launch,
    workDir,
    memoryBytes: opts.memoryMb * 1024 * 1024,
    budgetSeconds: opts.timeoutTotal > 0 ? opts.timeoutTotal : Math.max(...assembly.cells.map((c) => c.timeout), opts.timeoutCell) + 3600,
    python: ctx.python,
  }));
  row.startupSeconds = run.result.startup_seconds.reduce((a, b) => a + b, 0);
  row.kernelSeconds = run.result.cells.reduce((a, c) => a + (c.seconds ?? 0), 0);
  row.kernelCpuSeconds = run.result.kernel_cpu_seconds ?? 0;
  if (run.result.fatal === null) return true;
  row.status = "failed";
  row.reason = run.result.fatal;
  return false;
}

/** Decides every check from what the kernel printed, outside the kernel (observe.ts, verdict.ts). */
async function scoreStage(job: Job): Promise<boolean> {
  const { ctx, row, nonce } = job;
  const sub = job.sub!;
  const assembly = job.assembly!;
  const run = job.run!;
  const { source } = ctx;
  const runs = run.result.cells;
  const checksByCell = new Map<number, CheckResult[]>();
  let foreign = 0;
  for (const [i, a] of assembly.cells.entries()) {
    if (a.role !== "grade" || a.compiled === null) continue;
    const outputs = run.executed.cells[i]?.outputs ?? [];
    let observations: Observation[] = [];
    let reason = notRunReason(runs[i]!, outputs);
    try {
      const parsed = parseObservations(stdoutText(outputs), nonce);
      observations = parsed.observations;
      foreign += parsed.foreign;
    } catch (e) {
      if (!(e instanceof ObservationError)) throw e;
      reason = `unreadable results (${e.message})`;
    }
    checksByCell.set(i, await judgeCell(a.compiled, observations, reason));
  }
  const totals: Totals = { total: 0, possible: 0, percent: 0, parts: {} };
  for (const p of source.parts) totals.parts[p] = { total: 0, possible: 0 };
  const partOf = new Map(source.gradeCells.map((g) => [g.gradeId, g.part]));
  for (const c of [...checksByCell.values()].flat()) {
    const part = partOf.get(c.gradeId) ?? "General";
    totals.parts[part] ??= { total: 0, possible: 0 };
    totals.parts[part]!.total += c.awarded;
    totals.parts[part]!.possible += c.points;
    totals.total += c.awarded;
    totals.possible += c.points;
    row.checks[c.key] = c.awarded;
    if (c.reason !== null) row.checkReasons[c.key] = c.reason;
  }
  totals.percent = totals.possible > 0 ? (100 * totals.total) / totals.possible : 0;
  const notes = [...sub.notes, ...assembly.notes];
  const errors: NonNullable<Scored["graded"]>["errors"] = [];
  for (const [i, r] of runs.entries()) {
    const a = assembly.cells[i]!;
    if (["timeout", "killed", "died", "memory"].includes(r.status)) {
      const what = a.gradeId !== null ? `cell ${a.gradeId}` : `cell ${i} (${cellSource(a.cell).split("\n", 1)[0]!.slice(0, 40)})`;
      notes.push(`${what}: ${r.detail}`);
    }
    if (a.role !== "grade" && r.status === "error") {
      const first =
        cellSource(a.cell)
          .split("\n")
          .find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? "";
      const cell = a.gradeId ?? `"${first.trim().slice(0, 50)}"`;
      errors.push({ cell, summary: errorSummary(run.executed.cells[i]?.outputs ?? []) });
    }
  }
  if (run.result.restarts > 0) notes.push(`the kernel was restarted ${run.result.restarts} time(s); earlier cells were re-run`);
  if (foreign > 0) notes.push(`${foreign} marker line(s) printed by the submission itself were ignored`);
  for (const m of source.manualCells) if (m.points > 0) notes.push(`${m.gradeId}: ${m.points} point(s) to grade by hand`);
  row.status = "graded";
  row.notes = notes;
  row.parts = Object.fromEntries(Object.entries(totals.parts).map(([k, v]) => [k, v.total]));
  row.total = totals.total;
  row.possible = totals.possible;
  row.percent = totals.percent;
  job.scored.graded = { totals, cells: gradedCells(assembly, run.executed, runs, checksByCell), errors };
  return true;
}

/** The autograded notebook (instructor) and the feedback HTML (student); not for `lab4 check`. */
async function writeStage(job: Job): Promise<boolean> {
  if (!job.write) return true;
  const { ref, slot, ctx } = job;
  const workDir = job.workDir!;
  const { row, graded } = job.scored;
  if (graded === null) return true;
  const { opts, source } = ctx;
  const ks = source.nb.metadata.kernelspec!;
  const fb = {
    student: ref.student,
    cells: graded.cells,
    totals: graded.totals,
    notes: row.notes,
    kernelspec: { kernelspec: ks, language_info: source.nb.metadata["language_info"] },
  };
  const autoFile = path.join(ensureDir(path.join(opts.outDir, "autograded")), `${ref.student}.ipynb`);
  writeFileAtomic(autoFile, serializeNotebook(autogradedNotebook(fb)));
  row.autograded = path.relative(opts.outDir, autoFile);
  if (ctx.renderers === null) return true;
  let renderer = ctx.renderers.get(slot);
  if (renderer === undefined) {
    renderer = new HtmlRenderer(ctx.python, ctx.renderScript);
    ctx.renderers.set(slot, renderer);
  }
  const fbDir = ensureDir(path.join(opts.outDir, "feedback"));
  const nbFile = path.join(workDir, "feedback.ipynb");
  fs.writeFileSync(nbFile, serializeNotebook(feedbackNotebook(fb)), { mode: 0o600 });
  const html = path.join(fbDir, `${ref.student}.html`);
  try {
    await renderer.render(nbFile, html);
    row.feedback = path.relative(opts.outDir, html);
  } catch (e) {
    row.notes.push(`feedback HTML could not be written: ${(e as Error).message}`);
  }
  return true;
}

/**
 * The autograde pipeline, in order, like nbgrader's autograde preprocessors: each stage is one
 * small function over the submission's `Job`, and the first that returns false ends it.
 */
export const GRADE_STAGES: ReadonlyArray<readonly [name: string, stage: Stage]> = [
  ["read", readStage],
  ["assemble", assembleStage],
  ["execute", executeStage],
  ["score", scoreStage],
  ["write", writeStage],
];

/**
 * One submission through GRADE_STAGES (the write stage skipped with `write: false`, as `lab4
 * check` does). Never throws for bad input: a stage that throws fails this submission only.
 */
export async function scoreSubmission(ref: SubmissionRef, slot: number, ctx: BatchContext, write = true): Promise<Scored> {
  const row = emptyRow(ref, ctx, "");
  const job: Job = {
    ref,
    slot,
    ctx,
    t0: Date.now(),
    write,
    row,
    sub: null,
    nonce: "",
    assembly: null,
    workDir: null,
    run: null,
    scored: { row, graded: null },
  };
  try {
    for (const [, stage] of GRADE_STAGES) if (!(await stage(job))) break;
  } catch (e) {
    job.row.status = "failed";
    job.row.reason = `grader error: ${(e as Error).message}`;
    job.scored.graded = null;
  } finally {
    job.row.seconds = (Date.now() - job.t0) / 1000;
    if (job.workDir !== null) {
      ctx.active.delete(job.workDir);
      if (!ctx.opts.keepWork) fs.rmSync(job.workDir, { recursive: true, force: true });
      else ctx.opts.log(`  work folder kept: ${job.workDir}`);
    }
  }
  return job.scored;
}

/** Grades one submission in its own temporary folder and kernel. Never throws for bad input. */
export async function gradeSubmission(ref: SubmissionRef, slot: number, ctx: BatchContext): Promise<GradeRow> {
  return (await scoreSubmission(ref, slot, ctx)).row;
}

export interface BatchSummary {
  graded: number;
  refused: number;
  failed: number;
  skipped: number;
  seconds: number;
  rows: GradeRow[];
  /** Per file: every file seen = graded + refused + failed + skipped (already done). */
  files: { seen: number; graded: number; refused: number; failed: number; skipped: number };
  /** Roster ids that matched no submission. */
  rosterUnmatched: string[];
  /** Every student of this run's share (graded now or already done). */
  students: string[];
}

/** The student's identity: what the layout says, completed by the roster. */
export function identityOf(p: StudentPlan, roster: ReadonlyMap<string, RosterEntry> | null): StudentIdentity {
  const f = p.chosen ?? p.files[0]!;
  const r = roster?.get(p.student) ?? null;
  return {
    layout: f.layout,
    name: r?.name ?? f.name,
    email: r?.email ?? null,
    section: r?.section ?? null,
    lmsId: f.lmsId,
    lmsFileId: f.lmsFileId,
    inRoster: r !== null,
  };
}

/** The row of a student none of whose files can be graded. */
function refusedStudentRow(p: StudentPlan, ctx: BatchContext): GradeRow {
  const row = emptyRow({ student: p.student, file: p.files[0]!.shown }, ctx, "");
  const why = p.files.map((f) => `${f.shown}: ${f.refused}`);
  row.reason = p.files.length === 1 ? why[0]! : `no notebook to grade among ${p.files.length} files: ${why.join("; ")}`;
  return row;
}

/** One account line: every file seen, and what became of it. */
export function accountLine(f: BatchSummary["files"]): string {
  return (
    `files seen: ${f.seen} = ${f.graded} graded + ${f.refused} refused + ${f.skipped} skipped (already ` +
    `done)${f.failed > 0 ? ` + ${f.failed} failed` : ""}`
  );
}

/** Grades the submissions named by `args` (files, folders, zips; grade/collect.ts) into opts.outDir. */
export async function gradeBatch(args: readonly string[], opts: GradeOptions): Promise<BatchSummary> {
  const t0 = Date.now();
  const roster = opts.roster ? readRoster(opts.roster) : null;
  const found = await collect(args, opts.assignment ?? null);
  try {
    return await gradeCollected(found.files, found.students, roster, opts, t0, found.cleanup);
  } finally {
    found.cleanup();
  }
}

async function gradeCollected(
  allFiles: readonly FoundFile[],
  students: readonly StudentPlan[],
  roster: ReadonlyMap<string, RosterEntry> | null,
  opts: GradeOptions,
  t0: number,
  cleanup: () => void,
): Promise<BatchSummary> {
  const plans = shardOf(students, opts.shard);
  const mine = new Set(plans.map((p) => p.student));
  // files no student can be told for go with the first shard
  const files = allFiles.filter((f) => (f.student === null ? opts.shard === null || opts.shard.index === 1 : mine.has(f.student)));
  const ctx = prepareBatch(opts);
  const book = new Gradebook(opts.outDir, gradebookSource(ctx.source, ctx.sourceSha), opts.force);
  const rosterUnmatched = roster === null ? [] : [...roster.keys()].filter((id) => !students.some((p) => p.student === id)).sort();
  if (roster !== null) book.setRosterUnmatched(rosterUnmatched);
  if (rosterUnmatched.length > 0)
    opts.log(`lab4 grade: ${rosterUnmatched.length} roster id(s) match no submission: ${rosterUnmatched.join(", ")}`);
  const fileRow = (f: FoundFile, status: FileRow["status"], reason: string): FileRow => ({
    file: f.shown,
    student: f.student,
    status,
    reason,
    layout: f.layout,
  });
  const count = { seen: files.length, graded: 0, refused: 0, failed: 0, skipped: 0 };
  book.putFiles(files.filter((f) => f.refused !== null).map((f) => fileRow(f, "refused", f.refused!)));
  count.refused += files.filter((f) => f.refused !== null).length;
  const identities = new Map(plans.map((p) => [p.student, identityOf(p, roster)]));
  const stamp = (row: GradeRow, p: StudentPlan) => {
    const f = p.chosen ?? p.files[0]!;
    row.identity = identities.get(p.student)!;
    row.late = f.late;
    row.submittedAt = f.submittedAt;
  };
  const todo: Array<{ ref: SubmissionRef; plan: StudentPlan }> = [];
  let skipped = 0;
  for (const p of plans) {
    if (p.chosen === null) {
      const row = refusedStudentRow(p, ctx);
      stamp(row, p);
      book.put(row);
      continue;
    }
    const ref: SubmissionRef = { student: p.student, file: p.chosen.path!, shown: p.chosen.shown };
    let sha = "";
    try {
      sha = sha256(fs.readFileSync(ref.file));
    } catch {
      /* unreadable: graded (refused) below */
    }
    if (!opts.force && sha !== "" && book.isDone(p.student, sha)) {
      skipped++;
      count.skipped++;
      // the row stands; who the student is follows this run's layout and roster
      const prev = { ...book.rows[p.student]! };
      stamp(prev, p);
      book.putFiles([fileRow(p.chosen, prev.status, prev.reason)]);
      book.put(prev);
    } else todo.push({ ref, plan: p });
  }
  book.save();
  const shardText = opts.shard ? ` (shard ${opts.shard.index}/${opts.shard.count} of ${students.length})` : "";
  opts.log(
    `lab4 grade: ${todo.length} to grade, ${skipped} already done${shardText}; ${opts.jobs} at a time; sandbox: ${ctx.probe.mode} ` +
      `(${ctx.probe.reason})`,
  );
  const rows: GradeRow[] = [];
  let next = 0;
  let done = 0;
  const worker = async (slot: number) => {
    while (next < todo.length) {
      const { ref, plan } = todo[next++]!;
      const row = await gradeSubmission(ref, slot, ctx);
      stamp(row, plan);
      book.putFiles([fileRow(plan.chosen!, row.status, row.reason)]);
      count[row.status]++;
      book.put(row);
      rows.push(row);
      done++;
      const what =
        row.status === "graded"
          ? `${row.total}/${row.possible} (${row.percent.toFixed(1)}%)`
          : `${row.status.toUpperCase()}: ${row.reason.split("\n")[0]}`;
      opts.log(`[${done}/${todo.length}] ${ref.student}: ${what} in ${row.seconds.toFixed(1)} s`);
    }
  };
  // Interrupted (Ctrl-C, scheduler preemption): the gradebook already holds every finished row;
  // remove the work folders in use (they hold hidden tests). Drivers and kernels die with us.
  const onSignal = (sig: NodeJS.Signals) => {
    for (const d of ctx.active) fs.rmSync(d, { recursive: true, force: true });
    cleanup(); // extracted zips
    opts.log(`lab4 grade: interrupted (${sig}); ${done} submission(s) of this run are in ${opts.outDir}; run again to continue`);
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, todo.length)) }, (_, slot) => worker(slot)));
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    for (const r of ctx.renderers?.values() ?? []) r.close();
  }
  return {
    graded: rows.filter((r) => r.status === "graded").length,
    refused: rows.filter((r) => r.status === "refused").length,
    failed: rows.filter((r) => r.status === "failed").length,
    skipped,
    seconds: (Date.now() - t0) / 1000,
    rows,
    files: count,
    rosterUnmatched,
    students: [...mine].sort(),
  };
}
