/**
 * The notebook driver (grading/grade/driver.py) refuses a job it cannot run with exit 2 and one
 * line naming the problem, before any kernel starts: no mode, a missing field, an unreadable job
 * or notebook. Real Python (Debian's, with nbclient).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { driverScript } from "../../grading/grade/driver";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-driver-job-"));

function drive(arg: string, stdin = ""): { status: number | null; stderr: string } {
  const r = spawnSync("/usr/bin/python3", [driverScript(), arg], { input: stdin, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr.trim() };
}

test("bad jobs on stdin: exit 2, the field and the mode named", () => {
  assert.equal(drive("-", '{"mode": "run"}'), {
    status: 2,
    stderr: 'driver: the job on stdin: mode "run" needs "notebook" (str), got null',
  });
  assert.equal(drive("-", '{"notebook": "a.ipynb"}'), {
    status: 2,
    stderr: 'driver: the job on stdin: "mode" must be "run" or "grade", not null',
  });
  const grade = drive("-", JSON.stringify({ mode: "grade", notebook: "a.ipynb", output: "b.ipynb" }));
  assert.equal(grade, { status: 2, stderr: 'driver: the job on stdin: mode "grade" needs "result" (str), got null' });
  assert.equal(drive("-", "[1, 2]"), { status: 2, stderr: "driver: the job on stdin: the job must be a JSON object" });
  assert.match(drive("-", "{not json").stderr, /^driver: the job on stdin: cannot read the job: /);
});

test("a job file that is missing, and a notebook that cannot be read: exit 2, nothing written", () => {
  const missing = path.join(dir, "none.json");
  const r = drive(missing);
  assert.is(r.status, 2);
  assert.ok(r.stderr.startsWith(`driver: ${missing}: cannot read the job: `), r.stderr);
  const out = path.join(dir, "out.ipynb");
  const job = path.join(dir, "job.json");
  fs.writeFileSync(job, JSON.stringify({ mode: "run", notebook: path.join(dir, "absent.ipynb"), output: out }));
  const n = drive(job);
  assert.is(n.status, 2);
  assert.ok(n.stderr.startsWith(`driver: ${path.join(dir, "absent.ipynb")}: cannot read notebook: `), n.stderr);
  assert.not.ok(fs.existsSync(out));
});

test("no job at all: the usage (both modes) and exit 2", () => {
  const r = spawnSync("/usr/bin/python3", [driverScript()], { encoding: "utf8" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /usage: driver\.py JOB\.json/);
  assert.match(r.stderr, /"run": plain execution/);
  assert.match(r.stderr, /"grade": one assembled submission/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
