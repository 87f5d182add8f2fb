/**
 * Runs the notebook driver (grading/grade/driver.py, mode "grade": one submission) as a child
 * process and reads its result. The kernel command comes from sandbox.ts.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readNotebook, type Notebook } from "../notebook";
import { onPath, type KernelLaunch } from "./sandbox";
import { serializeNotebook } from "../notebook/release";

export type CellRunStatus = "ok" | "error" | "timeout" | "killed" | "died" | "memory" | "abort" | "not-run" | "skipped";

export interface CellRun {
  status: CellRunStatus;
  seconds: number;
  detail: string;
  attempts?: number;
}

export interface DriverResult {
  /** Set when the kernel could not be started at all (not the student's fault). */
  fatal: string | null;
  restarts: number;
  /** Seconds each kernel start took. */
  startup_seconds: number[];
  /** Wall time of the driver (kernel starts included). */
  seconds: number;
  /** CPU time (user + system) of the kernels' process trees, all restarts included. */
  kernel_cpu_seconds?: number;
  cells: CellRun[];
}

export interface CellSpec {
  timeout: number;
  /** Re-run this cell to rebuild state after a kernel restart. */
  replay: boolean;
}

export interface DriverJob {
  notebook: Notebook;
  cells: CellSpec[];
  kernel: KernelLaunch;
  workDir: string;
  memoryBytes: number;
  budgetSeconds: number;
  maxRestarts?: number;
  python: string;
  kernelName?: string;
}

export interface DriverRun {
  executed: Notebook;
  result: DriverResult;
  /** The driver's and kernel's own log (not the cells' output). */
  logFile: string;
}

/** The repository root, whether this file runs from grading/grade or dist/grading/grade. */
export function repoRootFrom(dir: string): string {
  let d = dir;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(d, "package.json")) && fs.existsSync(path.join(d, "grading"))) return d;
    d = path.dirname(d);
  }
  throw new Error(`cannot find the repository root above ${dir}`);
}

/** The notebook driver (both modes: "run" for grading/execute.ts, "grade" for runDriver). */
export function driverScript(): string {
  const p = path.join(repoRootFrom(__dirname), "grading", "grade", "driver.py");
  if (!fs.existsSync(p)) throw new Error(`notebook driver missing: ${p}`);
  return p;
}

/** The Python that runs Jupyter: $LAB4_PYTHON, else the interpreter of the `jupyter` command. */
export function jupyterPython(): string {
  const env = process.env.LAB4_PYTHON;
  if (env) return env;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const j = path.join(dir, "jupyter");
    try {
      const head = fs.readFileSync(j, "utf8").slice(0, 200);
      const m = /^#!\s*(\S+)/.exec(head);
      if (m && fs.existsSync(m[1]!)) return m[1]!;
    } catch {
      /* not here */
    }
  }
  return "/usr/bin/python3";
}

export function runDriver(job: DriverJob): Promise<DriverRun> {
  const nbFile = path.join(job.workDir, "assembled.ipynb");
  const outFile = path.join(job.workDir, "executed.ipynb");
  const resultFile = path.join(job.workDir, "result.json");
  const logFile = path.join(job.workDir, "kernel.log");
  const jobFile = path.join(job.workDir, "job.json");
  // private to the grader: the assembled notebook contains the hidden tests
  fs.writeFileSync(nbFile, serializeNotebook(job.notebook), { mode: 0o600 });
  fs.writeFileSync(
    jobFile,
    JSON.stringify({
      mode: "grade",
      notebook: nbFile,
      output: outFile,
      result: resultFile,
      kernel_log: logFile,
      cells: job.cells,
      kernel_name: job.kernelName ?? "tslab",
      kernel: {
        argv: job.kernel.argv,
        env: job.kernel.env,
        cwd: job.kernel.cwd,
        transport: job.kernel.transport,
        ip: job.kernel.ip,
        connection_file: job.kernel.connectionFile,
        uid: job.kernel.uid,
      },
      // the rlimit stops allocations first; this catches memory the rlimit does not count
      memory_kill_bytes: Math.round(job.memoryBytes * 1.25),
      budget_seconds: job.budgetSeconds,
      max_restarts: job.maxRestarts ?? 2,
    }),
    { mode: 0o600 },
  );
  return new Promise((resolve, reject) => {
    // setpriv (Linux) ties the driver's life to ours; elsewhere (lab4 check on macOS/Windows) it runs plainly
    const argv = [...(onPath("setpriv") ? ["setpriv", "--pdeathsig", "KILL"] : []), job.python, driverScript(), jobFile];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: job.workDir,
      env: { ...process.env, PYTHONUNBUFFERED: "1", JUPYTER_RUNTIME_DIR: path.join(job.workDir, "runtime") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stdout.on("data", (d: Buffer) => fs.appendFileSync(logFile, d, { mode: 0o600 }));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.length > 20000) err = err.slice(-20000);
      fs.appendFileSync(logFile, d, { mode: 0o600 });
    });
    child.on("error", (e) => reject(new Error(`cannot run the grader driver (${job.python}): ${e.message}`)));
    child.on("close", (code) => {
      if (!fs.existsSync(resultFile) || !fs.existsSync(outFile)) {
        reject(new Error(`the grader driver failed (exit ${code}):\n${err.slice(-3000)}`));
        return;
      }
      try {
        const result = JSON.parse(fs.readFileSync(resultFile, "utf8")) as DriverResult;
        resolve({ executed: readNotebook(outFile), result, logFile });
      } catch (e) {
        reject(e);
      }
    });
  });
}
