/**
 * Executes a notebook with the real Jupyter machinery: nbclient on the tslab kernel (registered by
 * scripts/setup.sh), through grading/nbexec.py, which works around tslab issue #19 (cells sent
 * within 200 ms after a failing cell are silently aborted). One stage, no scoring: callers read
 * the outputs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface ExecuteOptions {
  /** Default per-cell timeout in seconds; a cell's `metadata.lab4.timeout` overrides it. */
  timeoutCellSeconds?: number;
  /** Extra environment for the kernel (e.g. LAB4_PROFILE). */
  env?: Record<string, string>;
  /** Keep executing after a failing cell; every later cell still runs. */
  allowErrors?: boolean;
  kernelName?: string;
  /** Kernel working directory (default: the source notebook's folder, as nbconvert does). */
  cwd?: string;
  /** Python with Jupyter (Debian's; plain `python3` may be another Python). */
  python?: string;
}

export interface ExecuteResult {
  ok: boolean;
  /** The driver's message when it failed (names the failing cell and its error, or the timeout). */
  message: string;
  seconds: number;
}

const DRIVER = path.resolve(__dirname, "nbexec.py");

export function executeNotebook(source: string, output: string, opts: ExecuteOptions = {}): ExecuteResult {
  // Compiled to dist/grading/, the driver stays beside the source file in grading/.
  const driver = fs.existsSync(DRIVER) ? DRIVER : path.resolve(__dirname, "../../grading/nbexec.py");
  const args = [driver, source, output, "--timeout", String(opts.timeoutCellSeconds ?? 600), "--kernel", opts.kernelName ?? "tslab"];
  if (opts.allowErrors) args.push("--allow-errors");
  if (opts.cwd) args.push("--cwd", opts.cwd);
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  const t0 = Date.now();
  const r = spawnSync(opts.python ?? "/usr/bin/python3", args, {
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (Date.now() - t0) / 1000;
  if (r.error) return { ok: false, message: `cannot run the notebook driver: ${r.error.message}`, seconds };
  if (r.status !== 0)
    return { ok: false, message: `executing ${source} failed (exit ${r.status}):\n${r.stderr.slice(-6000)}`, seconds };
  return { ok: true, message: "", seconds };
}
