#!/usr/bin/env node
/**
 * Instructor tools for Lab 4 (nbgrader-shaped, no database):
 *
 *   lab4 validate [--source NB]
 *       checks the instructor notebook (nbgrader metadata, markers, test cells) and prints warnings
 *   lab4 release [--source NB] [--out NB]
 *       writes the student notebook (default notebooks/lab4.ipynb)
 *   lab4 grade <submissions dir or files...> [--jobs N] [--shard i/n] [--timeout-cell S]
 *              [--timeout-total S] [--memory-mb M] [--out DIR] [--force] [--sandbox auto|bwrap|none]
 *              [--source NB] [--no-feedback] [--keep-work]
 *       grades submissions into DIR (default out/grades): gradebook.csv/json, autograded/ (for the
 *       instructor: contains hidden tests), feedback/ (HTML for students)
 *   lab4 gradebook merge <DIR...> --out DIR
 *       joins the gradebooks of shards
 *
 * Kernels get LAB4_PROFILE, LAB4_BACKEND, LAB4_NATIVE_BLAS and LAB4_BLAS_THREADS from this
 * environment (BLAS threads default to cores ÷ jobs). Exit status: 0 ok, 1 some
 * submission could not be graded (status "failed") or a command failed, 2 bad usage.
 */
import * as path from "node:path";
import { MarkerError } from "./grade/regions";
import { SourceValidationError, validateSource } from "./grade/validate";
import { gradeBatch, UsageError, type GradeOptions } from "./grade/run";
import { GradebookError, mergeGradebooks } from "./gradebook";
import { readNotebook } from "./notebook";
import { releaseFile } from "./release";
import { repoRootFrom } from "./grade/driver";

const USAGE = `usage:
  lab4 validate [--source NB]
  lab4 release [--source NB] [--out NB]
  lab4 grade <submissions dir or files...> [--jobs N] [--shard i/n] [--timeout-cell S] [--timeout-total S]
             [--memory-mb M] [--out DIR] [--force] [--sandbox auto|bwrap|none] [--source NB] [--no-feedback] [--keep-work]
  lab4 gradebook merge <DIR...> --out DIR`;

interface Parsed {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

const VALUE_OPTIONS = new Set(["--source", "--out", "--jobs", "--shard", "--timeout-cell", "--timeout-total", "--memory-mb", "--sandbox"]);
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
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`${name} must be a positive ${integer ? "integer" : "number"}, got ${v}`);
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

function defaultSource(): string {
  return path.join(repoRootFrom(__dirname), "notebooks", "source", "lab4.ipynb");
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
    log(`${file}: ok — ${v.gradeCells.length} test cells, ${checks} checks (${hidden} hidden), ${v.gradeCells.reduce((s, g) => s + g.points, 0)} points; parts: ${v.parts.join(", ")}`);
    return 0;
  }
  if (cmd === "release") {
    const p = parse(rest, new Set(["--source", "--out"]));
    const src = p.options.get("--source") ?? defaultSource();
    validateSource(readNotebook(src), src);
    const out = p.options.get("--out") ?? path.join(repoRootFrom(__dirname), "notebooks", "lab4.ipynb");
    releaseFile(src, out);
    log(`released ${src} -> ${out}`);
    return 0;
  }
  if (cmd === "grade") {
    const p = parse(rest, new Set([...VALUE_OPTIONS, "--force", "--no-feedback", "--keep-work"]));
    if (p.positional.length === 0) throw new UsageError("lab4 grade: name a folder of submissions or notebook files");
    const sandbox = p.options.get("--sandbox") ?? "auto";
    if (sandbox !== "auto" && sandbox !== "bwrap" && sandbox !== "none") throw new UsageError(`--sandbox must be auto, bwrap or none, got ${sandbox}`);
    const env: Record<string, string> = {};
    for (const k of ["LAB4_PROFILE", "LAB4_BACKEND", "LAB4_NATIVE_BLAS", "LAB4_BLAS_THREADS"]) if (process.env[k]) env[k] = process.env[k]!;
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
      env,
      feedback: !p.flags.has("--no-feedback"),
      keepWork: p.flags.has("--keep-work"),
      log,
    };
    const s = await gradeBatch(p.positional, opts);
    log(
      `lab4 grade: ${s.graded} graded, ${s.refused} refused, ${s.failed} failed, ${s.skipped} skipped in ${s.seconds.toFixed(1)} s -> ${path.join(opts.outDir, "gradebook.csv")}`,
    );
    return s.failed > 0 ? 1 : 0;
  }
  if (cmd === "gradebook") {
    const [sub, ...more] = rest;
    if (sub !== "merge") throw new UsageError("lab4 gradebook: the only subcommand is merge");
    const p = parse(more, new Set(["--out"]));
    const out = p.options.get("--out");
    if (out === undefined) throw new UsageError("lab4 gradebook merge: --out DIR is required");
    const data = mergeGradebooks(p.positional, out);
    log(`merged ${p.positional.length} gradebook(s): ${Object.keys(data.students).length} students -> ${path.join(out, "gradebook.csv")}`);
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
      if (e instanceof SourceValidationError || e instanceof MarkerError || e instanceof GradebookError) {
        console.error(`lab4: ${e.message}`);
        process.exit(1);
      }
      console.error(e instanceof Error ? e.stack ?? e.message : e);
      process.exit(1);
    },
  );
}
