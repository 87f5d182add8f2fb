// `lab4 grade --slurm N` on a real single-node Slurm cluster (Debian's slurm-wlm + munge, started
// here): the mini class in 3 shards merges into the same marks as a direct --jobs 1 run; a shard
// that fails cancels the merge, a merge run by hand names it and writes nothing, and resubmitting
// that shard as the scripts say completes the gradebook.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../grading/cli";
import type { GradebookData, GradeRow } from "../../grading/grade/gradebook";
import { writeShardRecord } from "../../grading/grade/shards";
import { testKit } from "../kit-fixture";
import { miniSource, writeMiniClassSet } from "../grade/submissions";
import { requireTool } from "../helpers/require-tool";
import { slurmNeed, startSlurmCluster, type SlurmCluster } from "../helpers/slurm-cluster";

const CLASS = ["perfect", "untouched_release", "partial_wrong_counts", "broken_empty", "broken_python_kernel"];
const base = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-slurm-class-"));
// a generous cell limit: on a loaded machine importing tfjs alone can take more than the class tests' 8 s
// a folder name with a space and a quote: it goes through the scripts' shell quoting
const classDir = path.join(base, "class o'neil");
const common = ["--source", miniSource, "--timeout-cell", "90", "--memory-mb", "1536", "--no-feedback"];
const readBook = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "gradebook.json"), "utf8")) as GradebookData;
/** What must be identical between two gradings of one submission. */
const marks = (r: GradeRow) => ({
  status: r.status,
  total: r.total,
  possible: r.possible,
  checks: r.checks,
  parts: r.parts,
  reason: r.reason,
});

let cluster: SlurmCluster | null = null;
let kitDir = "";
const logs: string[] = [];

/** `lab4 grade ... --slurm` with the cluster's SLURM_CONF (sbatch reads it from the environment). */
async function submit(args: string[]): Promise<{ arrayId: string; mergeId: string }> {
  const before = process.env.SLURM_CONF;
  process.env.SLURM_CONF = cluster!.conf;
  const out: string[] = [];
  try {
    assert.is(await main(["grade", ...args, "--kit", kitDir, ...common], (l) => out.push(l)), 0, out.join("\n"));
  } finally {
    if (before === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = before;
  }
  logs.push(...out);
  const arrayId = /shard array: job (\d+)/.exec(out.join("\n"))?.[1];
  const mergeId = /merge: +job (\d+)/.exec(out.join("\n"))?.[1];
  assert.ok(arrayId && mergeId, out.join("\n"));
  return { arrayId: arrayId!, mergeId: mergeId! };
}

const haveSlurm = requireTool(slurmNeed());

test.before(async () => {
  if (!haveSlurm) return;
  kitDir = testKit().dir;
  const subs = path.join(base, "all");
  writeMiniClassSet(subs, { outDir: path.join(base, "unused"), otherSubmission: path.join(subs, "perfect.ipynb") });
  fs.mkdirSync(classDir);
  for (const n of CLASS) fs.copyFileSync(path.join(subs, `${n}.ipynb`), path.join(classDir, `${n}.ipynb`));
  cluster = await startSlurmCluster();
});

test.after(async () => {
  await cluster?.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

test("3 shards on Slurm merge into the same marks as a direct --jobs 1 run", async () => {
  if (!haveSlurm) return;
  const out = path.join(base, "slurm out"); // sbatch's own quoting in #SBATCH lines
  const t0 = Date.now();
  const { arrayId, mergeId } = await submit([classDir, "--slurm", "3", "--slurm-cpus", "1", "--slurm-time", "20", "--out", out]);
  await cluster!.waitGone([arrayId, mergeId], 15 * 60_000);
  const slurmSeconds = (Date.now() - t0) / 1000;
  for (const i of [1, 2, 3])
    assert.is(cluster!.state(`${arrayId}_${i}`), "COMPLETED", `shard ${i}: ${fs.readdirSync(path.join(out, "slurm", "logs")).join(", ")}`);
  assert.is(cluster!.state(mergeId), "COMPLETED");
  // the scripts stay for the instructor
  for (const f of ["shard.sbatch", "merge.sbatch", "submit.sh"]) assert.ok(fs.existsSync(path.join(out, "slurm", f)), f);

  const direct = path.join(base, "direct");
  const t1 = Date.now();
  assert.is(
    await main(["grade", classDir, "--jobs", "1", "--kit", kitDir, "--out", direct, ...common], (l) => logs.push(l)),
    0,
    logs.join("\n"),
  );
  const directSeconds = (Date.now() - t1) / 1000;

  const merged = readBook(out);
  const ref = readBook(direct);
  assert.equal(Object.keys(merged.students).sort(), [...CLASS].sort());
  const why = (r: GradeRow) => JSON.stringify({ notes: r.notes, why: r.checkReasons, seconds: r.seconds });
  for (const s of CLASS)
    assert.equal(
      marks(merged.students[s]!),
      marks(ref.students[s]!),
      `${s}: slurm ${why(merged.students[s]!)} direct ${why(ref.students[s]!)}`,
    );
  // ground truth, not only agreement: what each submission earns on the mini notebook
  assert.equal(
    CLASS.map((s) => merged.students[s]!.total),
    [38, 0, 33, 0, 0],
  );
  assert.equal(
    CLASS.map((s) => merged.students[s]!.status),
    ["graded", "graded", "graded", "refused", "refused"],
  );

  let firstStart = Infinity;
  // per-shard overhead: the task's wall time (its own start/end lines) minus its submissions' own time
  for (const i of [1, 2, 3]) {
    const log = fs.readFileSync(path.join(out, "slurm", "logs", `shard-${i}-job${arrayId}.out`), "utf8");
    const start = Number(/lab4-shard \d+\/3: start (\S+)/.exec(log)?.[1]);
    const end = Number(/lab4-shard \d+\/3: end (\S+) exit 0/.exec(log)?.[1]);
    const shard = readBook(path.join(out, "shards", String(i)));
    const rows = Object.values(shard.students);
    const own = rows.reduce((s, r) => s + r.seconds, 0);
    const kernel = rows.reduce((s, r) => s + r.kernelSeconds, 0);
    firstStart = Math.min(firstStart, start);
    console.log(
      `slurm shard ${i}/3: ${rows.length} submissions, task ${(end - start).toFixed(1)} s, submissions ${own.toFixed(1)} s (kernels ` +
        `${kernel.toFixed(1)} s): ` +
        `overhead ${(end - start - own).toFixed(1)} s besides the submissions, ${(end - start - kernel).toFixed(1)} s besides the ` +
        `kernels' execution`,
    );
  }
  console.log(`slurm: first task started ${(firstStart - t0 / 1000).toFixed(1)} s after lab4 grade --slurm began`);
  console.log(
    `slurm: whole class ${slurmSeconds.toFixed(1)} s through the cluster (3 shards on ${os.cpus().length} CPUs), direct --jobs 1 ` +
      `${directSeconds.toFixed(1)} s`,
  );
});

test("a failed shard cancels the merge; a merge by hand names it; resubmitting it completes the gradebook", async () => {
  if (!haveSlurm) return;
  // two refused files: shards that need no kernel
  const cls = path.join(base, "small");
  fs.mkdirSync(cls);
  for (const n of ["broken_empty", "broken_python_kernel"])
    fs.copyFileSync(path.join(classDir, `${n}.ipynb`), path.join(cls, `${n}.ipynb`));
  const out = path.join(base, "slurm-fail");
  // shard 2 cannot open its gradebook (a folder is in the way): its task fails, as one on a broken
  // disk would; and a completion record left by an earlier run must not make it look finished
  const shard2 = path.join(out, "shards", "2");
  fs.mkdirSync(path.join(shard2, "gradebook.json"), { recursive: true });
  writeShardRecord(shard2, { index: 2, count: 2 }, ["broken_python_kernel"], []);
  const { arrayId, mergeId } = await submit([cls, "--slurm", "2", "--slurm-cpus", "1", "--out", out]);
  await cluster!.waitGone([arrayId, mergeId], 5 * 60_000);
  assert.not.equal(cluster!.state(`${arrayId}_2`), "COMPLETED");
  assert.is(cluster!.state(`${arrayId}_1`), "COMPLETED");
  assert.is(cluster!.state(mergeId), "CANCELLED");
  assert.match(cluster!.run("scontrol", ["show", "job", mergeId]), /DependencyNeverSatisfied/);
  assert.not.ok(fs.existsSync(path.join(out, "gradebook.json")), "no merged gradebook");

  // the merge script run by hand refuses and names the missing shard
  const byHand = spawnSync("bash", [path.join(out, "slurm", "merge.sbatch")], { encoding: "utf8" });
  assert.is(byHand.status, 1, byHand.stdout + byHand.stderr);
  assert.match(byHand.stderr, /missing or unfinished shard\(s\): 2\/2/);
  assert.ok(byHand.stderr.includes(`${shard2}: no shard.json`), byHand.stderr);
  assert.not.ok(fs.existsSync(path.join(out, "gradebook.json")), "still no merged gradebook");

  // what the scripts' header says: resubmit the shard (its folder fixed), then the merge
  fs.rmSync(path.join(shard2, "gradebook.json"), { recursive: true });
  const again = cluster!
    .run("sbatch", ["--parsable", "--array=2", path.join(out, "slurm", "shard.sbatch")])
    .trim()
    .split(";")[0]!;
  const merge = cluster!
    .run("sbatch", ["--parsable", `--dependency=afterok:${again}`, path.join(out, "slurm", "merge.sbatch")])
    .trim()
    .split(";")[0]!;
  await cluster!.waitGone([again, merge], 5 * 60_000);
  assert.is(cluster!.state(merge), "COMPLETED");
  const book = readBook(out);
  assert.equal(Object.keys(book.students).sort(), ["broken_empty", "broken_python_kernel"]);
  assert.ok(Object.values(book.students).every((r) => r.status === "refused"));
});

test.run();
