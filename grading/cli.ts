#!/usr/bin/env node
/**
 * Instructor tools for Lab 4 (nbgrader-shaped, no database):
 *
 *   lab4 validate [--source NB]
 *       checks the instructor notebook (nbgrader metadata, markers, test cells) and prints warnings
 *   lab4 release [--source NB] [--notebook NB] [--out DIR] [--force]
 *       writes the student notebook (default notebooks/lab4.ipynb) and the student kit
 *       DIR/lab4-kit/ + DIR/lab4-kit.tgz (default out/release; see grading/kit.ts)
 *   lab4 install-kernel [--python PY] [--prefix DIR]   (students, inside an installed kit)
 *       registers the TypeScript kernel with Jupyter, pointing at this install's tslab
 *   lab4 check NB                     (students, inside an installed kit)
 *       runs NB as the grader does with the visible tests; marks per part, failing checks, errors
 *   lab4 grade <submissions dir or files...> [--kit DIR] [--kit-install DIR] [--jobs N] [--shard i/n]
 *              [--timeout-cell S] [--timeout-total S] [--memory-mb M] [--out DIR] [--force]
 *              [--sandbox auto|bwrap|none] [--source NB] [--no-feedback] [--keep-work]
 *              [--assignment NAME] [--roster CSV]
 *       grades submissions (flat, per-student, nbgrader, Canvas or Moodle downloads, zips; see
 *       grade/collect.ts); every file under the input is accounted for in files.csv. It runs them
 *       on the released kit (default out/release/lab4-kit, installed once into
 *       --kit-install, default beside it) into DIR (default out/grades): gradebook.csv/json,
 *       autograded/ (for the instructor: contains hidden tests), feedback/ (HTML for students)
 *   lab4 grade ... --slurm N [--slurm-time T] [--slurm-mem MB] [--slurm-cpus C] [--slurm-opt=OPT ...]
 *       submits N shards as a Slurm job array and a merge job after them (grading/grade/slurm.ts)
 *   lab4 gradebook merge <DIR...> --out DIR
 *       joins the gradebooks of shards (refused, naming them, if a shard is missing or unfinished)
 *   lab4 gradebook export DIR --format canvas|moodle|csv --out FILE [--roster CSV] [--feedback-zip ZIP]
 *              [--late-penalty 10%/day,max=50%] [--due ISO] [--points N] [--name NAME] [--canvas-assignment-id ID]
 *       writes the CSV the LMS imports (grading/export.ts)
 *
 * Kernels get LAB4_PROFILE, LAB4_BACKEND, LAB4_NATIVE_BLAS and LAB4_BLAS_THREADS from this
 * environment (BLAS threads default to cores ÷ jobs). Exit status: 0 ok, 1 some
 * submission could not be graded (status "failed") or a command failed, 2 bad usage.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { MarkerError } from "./notebook/regions";
import { SourceValidationError, validateSource } from "./grade/validate";
import { gradeBatch, lab4Settings, UsageError, type GradeOptions } from "./grade/run";
import { FILES_CSV, GradebookError, mergeGradebooks } from "./grade/gradebook";
import { accountLine } from "./grade/run";
import { CollectError } from "./grade/collect";
import { readRoster, RosterError } from "./grade/roster";
import { ExportError, exportToFiles, parseLatePenalty } from "./export";
import { readNotebook } from "./notebook";
import { releaseFile } from "./notebook/release";
import { repoRootFrom } from "./grade/driver";
import { buildKit, installKit, KitError } from "./kit";
import { checkNotebook } from "./check";
import { answerNames, exportedAnswers } from "./grade/answers";
import { gradeOnSlurm, SlurmError, takeSlurmArgs } from "./grade/slurm";
import { clearShardRecord, writeShardRecord } from "./grade/shards";

const USAGE = `usage:
  lab4 validate [--source NB]
  lab4 release [--source NB] [--notebook NB] [--out DIR] [--force]
  lab4 install-kernel [--python PY] [--prefix DIR]
  lab4 check NB
  lab4 grade <submissions dir or files...> [--kit DIR] [--kit-install DIR] [--jobs N] [--shard i/n] [--timeout-cell S]
             [--timeout-total S] [--memory-mb M] [--out DIR] [--force] [--sandbox auto|bwrap|none] [--source NB]
             [--no-feedback] [--keep-work] [--assignment NAME] [--roster CSV]
             [--slurm N [--slurm-time T] [--slurm-mem MB] [--slurm-cpus C] [--slurm-opt=--sbatch-option ...]]
  lab4 gradebook merge <DIR...> --out DIR
  lab4 gradebook export DIR --format canvas|moodle|csv --out FILE [--roster CSV] [--feedback-zip ZIP]
             [--late-penalty 10%/day,max=50%] [--due ISO] [--points N] [--name NAME] [--canvas-assignment-id ID]`;

interface Parsed {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

const GRADE_OPTIONS = [
  "--source",
  "--out",
  "--kit",
  "--kit-install",
  "--jobs",
  "--shard",
  "--timeout-cell",
  "--timeout-total",
  "--memory-mb",
  "--sandbox",
  "--assignment",
  "--roster",
];
const EXPORT_OPTIONS = [
  "--format",
  "--out",
  "--roster",
  "--feedback-zip",
  "--late-penalty",
  "--due",
  "--points",
  "--name",
  "--canvas-assignment-id",
];
/** Options that take a value: the grade and export ones, and install-kernel's and release's own. */
const VALUE_OPTIONS = new Set(["--python", "--prefix", "--notebook", ...GRADE_OPTIONS, ...EXPORT_OPTIONS]);
const FLAG_OPTIONS = new Set(["--force", "--no-feedback", "--keep-work", "--help", "-h"]);

function parse(argv: readonly string[], allowed: ReadonlySet<string>): Parsed {
  const p: Parsed = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("-")) {
      const [name, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
      if (!allowed.has(name)) throw new UsageError(`unknown option ${name}`);
      if (VALUE_OPTIONS.has(name)) {
        const v = inline ?? argv[++i];
        if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new UsageError(`${name} needs a value`);
        p.options.set(name, v);
      } else if (FLAG_OPTIONS.has(name)) p.flags.add(name);
    } else p.positional.push(a);
  }
  return p;
}

function positiveNumber(name: string, v: string | undefined, dflt: number, integer = false): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`${name} must be a positive ${integer ? "integer" : "number"}, got ${v}`);
  return n;
}

function parseShard(v: string | undefined): { index: number; count: number } | null {
  if (v === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m) throw new UsageError(`--shard must be i/n (e.g. 2/4), got ${v}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${v}: shards are numbered 1..n`);
  return { index, count };
}

/**
 * `tslab install` with the absolute path of this install's tslab: a kernelspec naming a bare
 * `tslab` (tslab's default) only starts when tslab is on Jupyter's PATH, which a local install is not.
 */
function installKernel(python: string | undefined, prefix: string | undefined, log: (s: string) => void): number {
  const nodeModules = path.dirname(repoRootFrom(__dirname));
  const bin = path.join(nodeModules, ".bin", process.platform === "win32" ? "tslab.cmd" : "tslab");
  const entry = path.join(nodeModules, "tslab", "bin", "tslab");
  if (path.basename(nodeModules) !== "node_modules" || !fs.existsSync(entry) || !fs.existsSync(bin))
    throw new UsageError(`lab4 install-kernel: tslab is not installed next to lab4 (${entry}); run npm install in the kit first`);
  const args = [entry, "install", `--binary=${bin}`, `--python=${python ?? (process.platform === "win32" ? "python" : "python3")}`];
  if (prefix !== undefined) args.push(`--prefix=${path.resolve(prefix)}`);
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  log(`${r.stdout ?? ""}${r.stderr ?? ""}`.trim());
  if (r.status !== 0) return 1;
  log(`kernel "tslab" (TypeScript) -> ${bin}`);
  return 0;
}

function defaultSource(): string {
  return path.join(repoRootFrom(__dirname), "notebooks", "source", "lab4.ipynb");
}

function exportCommand(argv: readonly string[], log: (s: string) => void): number {
  const p = parse(argv, new Set(EXPORT_OPTIONS));
  if (p.positional.length !== 1) throw new UsageError("lab4 gradebook export: name one gradebook folder");
  const format = p.options.get("--format");
  if (format !== "canvas" && format !== "moodle" && format !== "csv")
    throw new UsageError(`--format must be canvas, moodle or csv, got ${format ?? "nothing"}`);
  const out = p.options.get("--out");
  if (out === undefined) throw new UsageError("lab4 gradebook export: --out FILE is required");
  const due = p.options.get("--due") ?? null;
  if (due !== null && !Number.isFinite(Date.parse(due)))
    throw new UsageError(`--due must be a date and time (ISO 8601, e.g. 2026-03-01T23:59:00Z), got ${due}`);
  const roster = p.options.get("--roster");
  const r = exportToFiles(p.positional[0]!, out, {
    format,
    assignment: p.options.get("--name") ?? "Lab 4",
    canvasAssignmentId: p.options.get("--canvas-assignment-id") ?? null,
    points: p.options.has("--points") ? positiveNumber("--points", p.options.get("--points"), 0) : null,
    late: p.options.has("--late-penalty") ? parseLatePenalty(p.options.get("--late-penalty")!) : null,
    due,
    roster: roster === undefined ? null : readRoster(roster),
    feedbackZip: p.options.get("--feedback-zip") ?? null,
  });
  log(
    `lab4 gradebook export: ${r.exported.length} student(s) -> ` +
      `${out}${r.zipEntries.length > 0 ? `; ${r.zipEntries.length} feedback file(s) -> ${p.options.get("--feedback-zip")}` : ""}`,
  );
  if (r.noSubmission.length > 0) log(`  on the roster, no submission (left out): ${r.noSubmission.join(", ")}`);
  if (r.unmatched.length > 0)
    log(`  NOT exported, the LMS cannot match them (no ${format} id in their submission's layout): ${r.unmatched.join(", ")}`);
  if (r.failed.length > 0) log(`  NOT exported, grading failed (run lab4 grade again; no zero was written): ${r.failed.join(", ")}`);
  return r.failed.length > 0 || r.unmatched.length > 0 ? 1 : 0;
}

export async function main(argv: readonly string[], log: (s: string) => void = (s) => console.log(s)): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
    log(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "validate") {
    const p = parse(rest, new Set(["--source"]));
    const file = p.options.get("--source") ?? defaultSource();
    const v = validateSource(readNotebook(file), file);
    for (const w of v.warnings) log(`warning: ${w}`);
    const checks = v.gradeCells.reduce((s, g) => s + g.compiled.checks.length, 0);
    const hidden = v.gradeCells.reduce((s, g) => s + g.compiled.checks.filter((c) => c.hidden).length, 0);
    log(
      `${file}: ok — ${v.gradeCells.length} test cells, ${checks} checks (${hidden} hidden), ` +
        `${v.gradeCells.reduce((s, g) => s + g.points, 0)} points; parts: ${v.parts.join(", ")}`,
    );
    return 0;
  }
  if (cmd === "release") {
    const p = parse(rest, new Set(["--source", "--notebook", "--out", "--force"]));
    const root = repoRootFrom(__dirname);
    const src = p.options.get("--source") ?? defaultSource();
    validateSource(readNotebook(src), src);
    const kit = buildKit({
      repoRoot: root,
      sourceFile: src,
      outDir: path.resolve(p.options.get("--out") ?? path.join("out", "release")),
      force: p.flags.has("--force"),
      // the names the kit's library exports (its built index), against the tasks of the source
      exportedAnswers: (file) =>
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built library, found at run time
        exportedAnswers(Object.keys(require(path.join(root, "dist", "lib", "index.js")) as object), answerNames(readNotebook(file))),
      log,
    });
    const nb = p.options.get("--notebook") ?? path.join(root, "notebooks", "lab4.ipynb");
    releaseFile(src, nb);
    log(`released ${src} -> ${nb}`);
    log(`student kit: ${kit.tgz} (hand this out; ${kit.dir} is the same, unpacked)`);
    return 0;
  }
  if (cmd === "install-kernel") {
    const p = parse(rest, new Set(["--python", "--prefix"]));
    return installKernel(p.options.get("--python"), p.options.get("--prefix"), log);
  }
  if (cmd === "check") {
    const p = parse(rest, new Set(["--timeout-cell", "--memory-mb"]));
    if (p.positional.length !== 1) throw new UsageError("lab4 check: name one notebook, e.g. npx lab4 check lab4.ipynb");
    return checkNotebook(p.positional[0]!, {
      timeoutCell: positiveNumber("--timeout-cell", p.options.get("--timeout-cell"), 120),
      memoryMb: positiveNumber("--memory-mb", p.options.get("--memory-mb"), 4096, true),
      log,
    });
  }
  if (cmd === "grade") {
    const { slurm, rest: gradeRest } = takeSlurmArgs(rest);
    const p = parse(gradeRest, new Set([...GRADE_OPTIONS, "--force", "--no-feedback", "--keep-work"]));
    if (p.positional.length === 0) throw new UsageError("lab4 grade: name a folder of submissions or notebook files");
    const sandbox = p.options.get("--sandbox") ?? "auto";
    if (sandbox !== "auto" && sandbox !== "bwrap" && sandbox !== "none")
      throw new UsageError(`--sandbox must be auto, bwrap or none, got ${sandbox}`);
    const kitDir = path.resolve(p.options.get("--kit") ?? path.join("out", "release", "lab4-kit"));
    if (!fs.existsSync(path.join(kitDir, "package.json")))
      throw new UsageError(`lab4 grade: no student kit at ${kitDir}: run lab4 release first, or name the released kit with --kit DIR`);
    const kitInstall = path.resolve(p.options.get("--kit-install") ?? `${kitDir}-install`);
    const runtime = installKit(kitDir, kitInstall, log);
    const opts: GradeOptions = {
      sourceFile: p.options.get("--source") ?? defaultSource(),
      outDir: path.resolve(p.options.get("--out") ?? path.join("out", "grades")),
      jobs: positiveNumber("--jobs", p.options.get("--jobs"), 1, true),
      shard: parseShard(p.options.get("--shard")),
      timeoutCell: positiveNumber("--timeout-cell", p.options.get("--timeout-cell"), 120),
      // default: the longest cell's limit plus an hour (the lab's Part 2 training may take hours)
      timeoutTotal: p.options.has("--timeout-total") ? positiveNumber("--timeout-total", p.options.get("--timeout-total"), 0) : 0,
      memoryMb: positiveNumber("--memory-mb", p.options.get("--memory-mb"), 4096, true),
      force: p.flags.has("--force"),
      sandbox,
      env: lab4Settings(),
      feedback: !p.flags.has("--no-feedback"),
      keepWork: p.flags.has("--keep-work"),
      runtime,
      assignment: p.options.get("--assignment") ?? null,
      roster: p.options.get("--roster") ?? null,
      log,
    };
    if (slurm !== null) {
      const cli = path.join(repoRootFrom(__dirname), "dist", "grading", "cli.js");
      await gradeOnSlurm(
        slurm,
        { ...p, outDir: opts.outDir, kitDir, kitInstall, jobs: opts.jobs, memoryMb: opts.memoryMb, env: opts.env },
        log,
        cli,
      );
      return 0;
    }
    if (opts.shard) clearShardRecord(opts.outDir);
    const s = await gradeBatch(p.positional, opts);
    if (opts.shard)
      writeShardRecord(
        opts.outDir,
        opts.shard,
        s.students,
        s.rows.filter((r) => r.status === "failed").map((r) => r.student),
      );
    log(
      `lab4 grade: ${s.graded} graded, ${s.refused} refused, ${s.failed} failed, ${s.skipped} skipped in ${s.seconds.toFixed(1)} s ` +
        `-> ${path.join(opts.outDir, "gradebook.csv")}`,
    );
    log(`lab4 grade: ${accountLine(s.files)} (each file's fate: ${path.join(opts.outDir, FILES_CSV)})`);
    return s.failed > 0 ? 1 : 0;
  }
  if (cmd === "gradebook") {
    const [sub, ...more] = rest;
    if (sub === "export") return exportCommand(more, log);
    if (sub !== "merge") throw new UsageError("lab4 gradebook: the subcommands are merge and export");
    const p = parse(more, new Set(["--out"]));
    const out = p.options.get("--out");
    if (out === undefined) throw new UsageError("lab4 gradebook merge: --out DIR is required");
    const data = mergeGradebooks(p.positional, out);
    const failed = Object.values(data.students)
      .filter((r) => r.status === "failed")
      .map((r) => r.student);
    log(
      `merged ${p.positional.length} gradebook(s): ${Object.keys(data.students).length} students -> ${path.join(out, "gradebook.csv")}` +
        (failed.length ? `; ${failed.length} row(s) "failed", grade them again: ${failed.join(", ")}` : ""),
    );
    return 0;
  }
  throw new UsageError(`unknown command ${cmd}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof UsageError) {
        console.error(`lab4: ${e.message}\n${USAGE}`);
        process.exit(2);
      }
      if (
        e instanceof SourceValidationError ||
        e instanceof MarkerError ||
        e instanceof GradebookError ||
        e instanceof KitError ||
        e instanceof CollectError ||
        e instanceof RosterError ||
        e instanceof ExportError ||
        e instanceof SlurmError
      ) {
        console.error(`lab4: ${e.message}`);
        process.exit(1);
      }
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    },
  );
}
