/**
 * `lab4 grade --slurm N`: grades a class on a Slurm cluster as an N-task job array (task i runs
 * `lab4 grade --shard i/N` into OUT/shards/i) and a merge job that runs after every task succeeded
 * (`--dependency=afterok`) and writes OUT/gradebook.csv|json. The scripts are written to OUT/slurm/
 * (shard.sbatch, merge.sbatch, submit.sh, logs/) for the instructor to read and resubmit; lab4
 * submits them by running submit.sh. A shard that fails cancels the merge; a merge run by hand
 * names the missing shards (grading/grade/shards.ts) rather than writing a partial gradebook.
 *
 * Resources per task (defaults for the full profile: a notebook runs ~35 min and ~2.5 GiB):
 *   --slurm-time  45 min per notebook of the task's share ÷ --jobs, plus 15 min
 *   --slurm-mem   --jobs × (1.25 × --memory-mb) + 1 GiB: above the grader's own per-kernel kill, so a
 *                 notebook that eats memory loses its row, never the whole shard
 *   --slurm-cpus  2 per kernel (--jobs); the kernels' GEMM threads follow SLURM_CPUS_PER_TASK
 *   --slurm-opt=--partition=x (repeatable): any sbatch option, for both jobs
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { collect } from "./collect";
import { UsageError } from "./run";

export interface SlurmRequest {
  /** Array tasks (shards). */
  tasks: number;
  /** Slurm time limit per task ("MM", "HH:MM:SS", "D-HH:MM"), or null for the default. */
  time: string | null;
  memMb: number | null;
  cpus: number | null;
  /** Extra sbatch options, as given (e.g. "--partition=short"). */
  extra: string[];
}

const SLURM_OPTIONS = new Set(["--slurm", "--slurm-opt", "--slurm-time", "--slurm-mem", "--slurm-cpus"]);

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer, got ${v}`);
  return n;
}

/** Takes the --slurm* options out of `lab4 grade`'s arguments; the rest is parsed as usual. */
export function takeSlurmArgs(argv: readonly string[]): { slurm: SlurmRequest | null; rest: string[] } {
  const rest: string[] = [];
  const got = new Map<string, string>();
  const extra: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if (!SLURM_OPTIONS.has(name)) {
      rest.push(a);
      continue;
    }
    // --slurm-opt's value is itself an option (--slurm-opt --partition=x), so any next word is taken
    const v = eq > 0 && name !== a ? a.slice(eq + 1) : argv[++i];
    if (v === undefined || v === "" || (name !== "--slurm-opt" && v.startsWith("--"))) throw new UsageError(`${name} needs a value`);
    if (name === "--slurm-opt") {
      if (!v.startsWith("-")) throw new UsageError(`--slurm-opt takes an sbatch option such as --partition=short, got ${v}`);
      if (/^--(array|dependency|output|error)\b/.test(v)) throw new UsageError(`--slurm-opt ${v}: lab4 sets this sbatch option itself`);
      extra.push(v);
    } else got.set(name, v);
  }
  if (!got.has("--slurm")) {
    if (got.size > 0 || extra.length > 0)
      throw new UsageError(`${[...got.keys(), ...(extra.length ? ["--slurm-opt"] : [])].join(", ")} only go with --slurm N`);
    return { slurm: null, rest };
  }
  const time = got.get("--slurm-time") ?? null;
  if (time !== null && !/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(time))
    throw new UsageError(`--slurm-time must be a Slurm time (MM, HH:MM:SS or D-HH:MM), got ${time}`);
  return {
    slurm: {
      tasks: positiveInt("--slurm", got.get("--slurm")!),
      time,
      memMb: got.has("--slurm-mem") ? positiveInt("--slurm-mem", got.get("--slurm-mem")!) : null,
      cpus: got.has("--slurm-cpus") ? positiveInt("--slurm-cpus", got.get("--slurm-cpus")!) : null,
      extra,
    },
    rest,
  };
}

export interface SlurmJob {
  request: SlurmRequest;
  /** The merged gradebook's folder; shards go to OUT/shards/i, scripts to OUT/slurm. */
  outDir: string;
  /** `lab4 grade` arguments every shard gets: absolute paths, without --out and --shard. */
  gradeArgs: string[];
  /** Submissions in the class (for the default time limit). */
  submissions: number;
  jobs: number;
  memoryMb: number;
  /** LAB4_* settings, written into the shard script so a resubmission grades the same way. */
  env: Record<string, string>;
  /** The node binary and lab4's cli.js the tasks run. */
  node: string;
  cli: string;
}

export interface SlurmPlan {
  slurmDir: string;
  shardScript: string;
  mergeScript: string;
  submitScript: string;
  logDir: string;
  shardDirs: string[];
  gradebook: string;
  time: string;
  memMb: number;
  cpus: number;
}

const MINUTES_PER_NOTEBOOK = 45;
const MINUTES_FIXED = 15;

/** HH:MM:00 (or D-HH:MM:00) for a number of minutes. */
export function slurmMinutes(min: number): string {
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  const hm = `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00`;
  return d > 0 ? `${d}-${hm}` : hm;
}

/** Default resources per task for the full profile (see the top of this file). */
export function taskResources(job: Pick<SlurmJob, "request" | "submissions" | "jobs" | "memoryMb">): {
  time: string;
  memMb: number;
  cpus: number;
} {
  const share = Math.ceil(job.submissions / job.request.tasks);
  return {
    time: job.request.time ?? slurmMinutes(Math.ceil(share / job.jobs) * MINUTES_PER_NOTEBOOK + MINUTES_FIXED),
    memMb: job.request.memMb ?? job.jobs * Math.ceil(job.memoryMb * 1.25) + 1024,
    cpus: job.request.cpus ?? 2 * job.jobs,
  };
}

/** POSIX single-quoting (a one-line rule; not worth a dependency). */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A path in an #SBATCH line: sbatch reads double quotes there (not the shell's other quoting). */
function sbatchPath(p: string): string {
  if (/["\n\\$`]/.test(p))
    throw new UsageError(
      `lab4 grade --slurm: sbatch cannot read the path ${JSON.stringify(p)} in its #SBATCH lines; use another --out folder`,
    );
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(p) ? p : `"${p}"`;
}

/** Writes OUT/slurm/{shard.sbatch,merge.sbatch,submit.sh} and creates OUT/slurm/logs. */
export function writeSlurmScripts(job: SlurmJob): SlurmPlan {
  const n = job.request.tasks;
  const slurmDir = path.join(job.outDir, "slurm");
  const logDir = path.join(slurmDir, "logs");
  fs.mkdirSync(logDir, { recursive: true });
  const { time, memMb, cpus } = taskResources(job);
  const shardDirs = Array.from({ length: n }, (_, k) => path.join(job.outDir, "shards", String(k + 1)));
  const extra = job.request.extra.map((o) => `#SBATCH ${o}`);
  const lab4 = `${shq(job.node)} ${shq(job.cli)}`;
  const plan: SlurmPlan = {
    slurmDir,
    shardScript: path.join(slurmDir, "shard.sbatch"),
    mergeScript: path.join(slurmDir, "merge.sbatch"),
    submitScript: path.join(slurmDir, "submit.sh"),
    logDir,
    shardDirs,
    gradebook: path.join(job.outDir, "gradebook.csv"),
    time,
    memMb,
    cpus,
  };
  const shard = [
    "#!/bin/bash",
    `# lab4 grade, shard $SLURM_ARRAY_TASK_ID of ${n}: written by \`lab4 grade --slurm ${n}\`.`,
    `# Everything again: bash ${shq(plan.submitScript)}`,
    `# One shard again (e.g. 2), then the merge: sbatch --array=2 ${shq(plan.shardScript)} && sbatch ${shq(plan.mergeScript)}`,
    "#SBATCH --job-name=lab4-grade",
    `#SBATCH --array=1-${n}`,
    `#SBATCH --time=${time}`,
    `#SBATCH --mem=${memMb}M`,
    `#SBATCH --cpus-per-task=${cpus}`,
    `#SBATCH --output=${sbatchPath(path.join(logDir, "shard-%a-job%A.out"))}`,
    ...extra,
    "set -u",
    `i=\${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a job array task}`,
    ...Object.entries(job.env).map(([k, v]) => `export ${k}=${shq(v)}`),
    // the kernels' GEMM threads: this task's CPUs shared among its --jobs kernels
    `threads=$(( \${SLURM_CPUS_PER_TASK:-${cpus}} / ${job.jobs} )); [ "$threads" -ge 1 ] || threads=1`,
    `export LAB4_BLAS_THREADS="\${LAB4_BLAS_THREADS:-$threads}"`,
    `echo "lab4-shard $i/${n}: start $(date +%s.%N) on $(hostname)"`,
    `${lab4} grade ${job.gradeArgs.map(shq).join(" ")} --shard "$i/${n}" --out ${shq(path.join(job.outDir, "shards"))}/"$i"`,
    "status=$?",
    `echo "lab4-shard $i/${n}: end $(date +%s.%N) exit $status"`,
    "exit $status",
    "",
  ].join("\n");
  const merge = [
    "#!/bin/bash",
    `# lab4: merges the ${n} shards' gradebooks into ${job.outDir}; refuses (and names them) if any shard is missing or unfinished.`,
    "#SBATCH --job-name=lab4-merge",
    "#SBATCH --time=00:15:00",
    "#SBATCH --mem=1024M",
    "#SBATCH --cpus-per-task=1",
    `#SBATCH --output=${sbatchPath(path.join(logDir, "merge-job%j.out"))}`,
    ...extra,
    `${lab4} gradebook merge ${shardDirs.map(shq).join(" ")} --out ${shq(job.outDir)}`,
    "",
  ].join("\n");
  const submit = [
    "#!/bin/bash",
    `# Submits the ${n}-task shard array and the merge after it (what lab4 grade --slurm ${n} did).`,
    "set -euo pipefail",
    "# an earlier run's completion records: each task writes its own again when it finishes",
    `rm -f ${shq(path.join(job.outDir, "shards"))}/*/shard.json`,
    `array=$(sbatch --parsable ${shq(plan.shardScript)}); array=\${array%%;*}`,
    `merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes ${shq(plan.mergeScript)}); merge=\${merge%%;*}`,
    `echo "lab4-slurm: array $array merge $merge"`,
    "",
  ].join("\n");
  fs.writeFileSync(plan.shardScript, shard, { mode: 0o755 });
  fs.writeFileSync(plan.mergeScript, merge, { mode: 0o755 });
  fs.writeFileSync(plan.submitScript, submit, { mode: 0o755 });
  return plan;
}

export class SlurmError extends Error {
  override name = "SlurmError";
}

/** Runs submit.sh; returns the array's and the merge's job ids. */
export function submitSlurm(plan: SlurmPlan, env: NodeJS.ProcessEnv = process.env): { arrayId: string; mergeId: string } {
  const r = spawnSync("bash", [plan.submitScript], { encoding: "utf8", env });
  if (r.error) throw new SlurmError(`cannot run ${plan.submitScript}: ${r.error.message}`);
  const m = /^lab4-slurm: array (\S+) merge (\S+)$/m.exec(r.stdout ?? "");
  if (r.status !== 0 || m === null)
    throw new SlurmError(
      `sbatch did not take the jobs (${plan.submitScript} exited ${r.status}): ` +
        `${`${r.stderr ?? ""}${r.stdout ?? ""}`.trim() || "no output"}` +
        (/command not found/.test(r.stderr ?? "") ? " — is this a Slurm login node (sbatch on PATH)?" : ""),
    );
  return { arrayId: m[1]!, mergeId: m[2]! };
}

export interface SlurmGrade {
  positional: readonly string[];
  options: ReadonlyMap<string, string>;
  flags: ReadonlySet<string>;
  outDir: string;
  kitDir: string;
  kitInstall: string;
  jobs: number;
  memoryMb: number;
  env: Record<string, string>;
}

/** `lab4 grade ... --slurm N`: writes the scripts, submits them, says where everything will be. */
export async function gradeOnSlurm(
  req: SlurmRequest,
  g: SlurmGrade,
  log: (line: string) => void,
  cli: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ arrayId: string; mergeId: string; plan: SlurmPlan }> {
  if (g.options.has("--shard")) throw new UsageError("--slurm N makes the shards itself: drop --shard");
  // the students the shards will share out (each task collects the same inputs again itself)
  const found = await collect(g.positional, g.options.get("--assignment") ?? null);
  found.cleanup();
  const submissions = found.students.length;
  if (submissions === 0) throw new UsageError(`lab4 grade --slurm: no submissions in ${g.positional.join(" ")}`);
  if (req.tasks > submissions)
    throw new UsageError(`--slurm ${req.tasks}: only ${submissions} submission(s) to share; ask for at most ${submissions} tasks`);
  if (!fs.existsSync(cli)) throw new UsageError(`lab4 grade --slurm: ${cli} is missing (run npm run build)`);
  const gradeArgs = [...g.positional.map((a) => path.resolve(a)), "--kit", g.kitDir, "--kit-install", g.kitInstall];
  for (const [k, v] of g.options) {
    if (k === "--out" || k === "--kit" || k === "--kit-install") continue;
    gradeArgs.push(k, k === "--source" || k === "--roster" ? path.resolve(v) : v);
  }
  gradeArgs.push(...g.flags);
  const plan = writeSlurmScripts({
    request: req,
    outDir: g.outDir,
    gradeArgs,
    submissions,
    jobs: g.jobs,
    memoryMb: g.memoryMb,
    env: g.env,
    node: process.execPath,
    cli,
  });
  const ids = submitSlurm(plan, env);
  log(
    `lab4 grade --slurm: ${submissions} submission(s) in ${req.tasks} shard(s), each task --time=${plan.time} --mem=${plan.memMb}M ` +
      `--cpus-per-task=${plan.cpus}`,
  );
  log(`  shard array: job ${ids.arrayId} (tasks 1-${req.tasks} -> ${path.join(g.outDir, "shards")}/<i>/)`);
  log(`  merge:       job ${ids.mergeId} after every shard succeeded -> ${plan.gradebook}`);
  log(`  scripts: ${plan.slurmDir}/ (submit.sh resubmits both), logs: ${plan.logDir}/; watch with squeue -j ${ids.arrayId},${ids.mergeId}`);
  log(`  a failed shard cancels the merge: resubmit it with sbatch --array=<i> ${plan.shardScript}, then sbatch ${plan.mergeScript}`);
  return { ...ids, plan };
}
