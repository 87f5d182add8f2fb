// What `lab4 grade --slurm` writes and refuses, without a cluster: its options, the resources it
// asks for per task, scripts bash accepts, and a merge that will not join an incomplete set of
// shards (the real cluster runs are in cluster.test.ts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GRADEBOOK_JSON, Gradebook, mergeGradebooks, type GradebookSource, type GradeRow } from "../../grading/grade/gradebook";
import { UsageError } from "../../grading/grade/run";
import { clearShardRecord, readShardRecord, shardProblems, writeShardRecord } from "../../grading/grade/shards";
import { shq, slurmMinutes, takeSlurmArgs, taskResources, writeSlurmScripts } from "../../grading/grade/slurm";

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-slurm-unit-"));
  made.push(d);
  return d;
};
test.after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

const usage = (argv: string[], re: RegExp) =>
  assert.throws(
    () => takeSlurmArgs(argv),
    (e: unknown) => e instanceof UsageError && re.test((e as Error).message),
  );

test("--slurm options are taken out; everything else is left for lab4 grade", () => {
  const r = takeSlurmArgs([
    "subs",
    "--jobs",
    "2",
    "--slurm",
    "4",
    "--slurm-opt=--partition=short",
    "--slurm-opt",
    "--account=cs101",
    "--slurm-time=2:00:00",
    "--slurm-mem",
    "6000",
    "--out",
    "o",
  ]);
  assert.equal(r.rest, ["subs", "--jobs", "2", "--out", "o"]);
  assert.equal(r.slurm, { tasks: 4, time: "2:00:00", memMb: 6000, cpus: null, extra: ["--partition=short", "--account=cs101"] });
  assert.equal(takeSlurmArgs(["subs", "--shard", "1/2"]), { slurm: null, rest: ["subs", "--shard", "1/2"] });
  usage(["subs", "--slurm-opt=--partition=x"], /only go with --slurm N/);
  usage(["subs", "--slurm", "0"], /--slurm must be a positive integer, got 0/);
  usage(["subs", "--slurm"], /--slurm needs a value/);
  usage(["subs", "--slurm", "2", "--slurm-opt=--array=1-9"], /lab4 sets this sbatch option itself/);
  usage(["subs", "--slurm", "2", "--slurm-opt=partition"], /takes an sbatch option/);
  usage(["subs", "--slurm", "2", "--slurm-time", "two hours"], /Slurm time/);
});

test("default resources per task: 45 min per notebook of the share (÷ jobs) + 15; memory above the kernels' kill", () => {
  const req = { tasks: 4, time: null, memMb: null, cpus: null, extra: [] };
  // 61 submissions in 4 tasks: 16 each at most, one at a time
  assert.equal(taskResources({ request: req, submissions: 61, jobs: 1, memoryMb: 4096 }), { time: "12:15:00", memMb: 6144, cpus: 2 });
  // two at a time: 8 rounds of 45 min, two kernels' memory
  assert.equal(taskResources({ request: req, submissions: 61, jobs: 2, memoryMb: 4096 }), { time: "06:15:00", memMb: 11264, cpus: 4 });
  assert.equal(taskResources({ request: { ...req, time: "90", memMb: 3000, cpus: 1 }, submissions: 61, jobs: 1, memoryMb: 4096 }), {
    time: "90",
    memMb: 3000,
    cpus: 1,
  });
  assert.is(slurmMinutes(60 * 24 + 61), "1-01:01:00");
});

test("the scripts: bash accepts them, paths with spaces and quotes survive, a task outside Slurm says so", () => {
  const out = path.join(tmp(), "out o'neil");
  const job = {
    request: { tasks: 3, time: null, memMb: null, cpus: null, extra: ["--partition=short"] },
    outDir: out,
    gradeArgs: ["/subs/class of 'x'", "--kit", "/k"],
    submissions: 7,
    jobs: 1,
    memoryMb: 4096,
    env: { LAB4_PROFILE: "full" },
    node: process.execPath,
    cli: "/nowhere/cli.js",
  };
  const plan = writeSlurmScripts(job);
  for (const f of [plan.shardScript, plan.mergeScript, plan.submitScript]) {
    const r = spawnSync("bash", ["-n", f], { encoding: "utf8" });
    assert.is(r.status, 0, `${f}: ${r.stderr}`);
  }
  const shard = fs.readFileSync(plan.shardScript, "utf8");
  assert.match(shard, /^#SBATCH --array=1-3$/m);
  // 7 submissions in 3 tasks: 3 each at most, 3 × 45 + 15 min
  assert.match(shard, /^#SBATCH --time=02:30:00$/m);
  assert.match(shard, /^#SBATCH --mem=6144M$/m);
  assert.match(shard, /^#SBATCH --partition=short$/m);
  assert.ok(
    shard.includes(`#SBATCH --output="${path.join(out, "slurm", "logs", "shard-%a-job%A.out")}"`),
    "sbatch reads double quotes in #SBATCH lines",
  );
  assert.match(shard, /^export LAB4_PROFILE=full$/m);
  assert.match(fs.readFileSync(plan.mergeScript, "utf8"), /^#SBATCH --partition=short$/m);
  // bash reads the quoted words back exactly
  const echo = spawnSync("bash", ["-c", `printf '%s\\n' ${shq("/subs/class of 'x'")} ${shq(out)}`], { encoding: "utf8" });
  assert.equal(echo.stdout.split("\n").slice(0, 2), ["/subs/class of 'x'", out]);
  assert.throws(
    () => writeSlurmScripts({ ...job, outDir: path.join(tmp(), 'say "hi"') }),
    (e: unknown) => e instanceof UsageError && /sbatch cannot read the path/.test((e as Error).message),
  );
  const env = { ...process.env };
  delete env.SLURM_ARRAY_TASK_ID;
  const alone = spawnSync("bash", [plan.shardScript], { encoding: "utf8", env });
  assert.is.not(alone.status, 0);
  assert.match(alone.stderr, /submit this script with sbatch/);
});

const source: GradebookSource = { file: "src.ipynb", sha256: "a".repeat(64), checks: [], parts: [], possible: 0 };
const row = (student: string): GradeRow => ({
  student,
  file: `${student}.ipynb`,
  sha256: "b".repeat(64),
  status: "refused",
  reason: "empty",
  notes: [],
  checks: {},
  checkReasons: {},
  parts: {},
  total: 0,
  possible: 0,
  percent: 0,
  seconds: 0.1,
  kernelSeconds: 0,
  startupSeconds: 0,
  gradedAt: "2025-01-01T00:00:00.000Z",
  sandbox: "none",
  feedback: null,
  autograded: null,
});

function shardDir(base: string, i: number, n: number, finished: boolean): string {
  const d = path.join(base, String(i));
  new Gradebook(d, source, false).put(row(`s${i}`));
  if (finished) writeShardRecord(d, { index: i, count: n }, [`s${i}`], []);
  return d;
}

test("merge of shards: every shard there and finished, or nothing written and each problem named", () => {
  const base = tmp();
  const out = path.join(base, "merged");
  const d1 = shardDir(base, 1, 3, true);
  const d2 = shardDir(base, 2, 3, false); // killed half-way: gradebook, no record
  const d3 = path.join(base, "3"); // never ran
  assert.throws(
    () => mergeGradebooks([d1, d2, d3], out),
    (e: unknown) => {
      const m = (e as Error).message;
      return (
        /missing or unfinished shard\(s\): 2\/3, 3\/3/.test(m) && m.includes(`${d2}: no shard.json`) && m.includes(`${d3}: no gradebook`)
      );
    },
  );
  assert.not.ok(fs.existsSync(out), "nothing written");
  // a shard left out of the command line is named too
  writeShardRecord(d2, { index: 2, count: 3 }, ["s2"], []);
  assert.throws(() => mergeGradebooks([d1, d2], out), /missing or unfinished shard\(s\): 3\/3/);
  shardDir(base, 3, 3, true);
  assert.equal(Object.keys(mergeGradebooks([d1, d2, d3], out).students), ["s1", "s2", "s3"]);
  // shards of different splits do not make a set
  const other = shardDir(tmp(), 1, 2, true);
  assert.match(shardProblems([d1, d2, d3, other], GRADEBOOK_JSON).join("\n"), /different splits/);
  // a re-run starts by removing its record: until it ends, the shard counts as unfinished
  clearShardRecord(d3);
  assert.is(readShardRecord(d3), null);
  assert.match(shardProblems([d1, d2, d3], GRADEBOOK_JSON).join("\n"), /3\/3/);
  // plain gradebooks (not shards) merge as before
  assert.equal(shardProblems([path.join(tmp(), "x")], GRADEBOOK_JSON), []);
});

test.run();
