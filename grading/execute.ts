/**
 * Executes a notebook with the real Jupyter machinery: `jupyter nbconvert --execute` on the tslab
 * kernel (registered by scripts/setup.sh). One stage, no scoring: callers read the outputs.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export interface ExecuteOptions {
  /** Per-cell timeout in seconds (nbconvert's ExecutePreprocessor.timeout). */
  timeoutCellSeconds?: number;
  /** Extra environment for the kernel (e.g. LAB4_PROFILE). */
  env?: Record<string, string>;
  /** Keep executing after a failing cell (nbconvert --allow-errors). */
  allowErrors?: boolean;
  kernelName?: string;
}

export interface ExecuteResult {
  ok: boolean;
  /** nbconvert's own message when it failed (names the failing cell and its error). */
  message: string;
  seconds: number;
}

export function executeNotebook(source: string, output: string, opts: ExecuteOptions = {}): ExecuteResult {
  const args = [
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    `--ExecutePreprocessor.timeout=${opts.timeoutCellSeconds ?? 600}`,
    `--ExecutePreprocessor.kernel_name=${opts.kernelName ?? "tslab"}`,
    "--output-dir",
    path.dirname(path.resolve(output)),
    "--output",
    path.basename(output, ".ipynb"),
  ];
  if (opts.allowErrors) args.push("--allow-errors");
  args.push(source);
  const t0 = Date.now();
  const r = spawnSync("jupyter", args, {
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (Date.now() - t0) / 1000;
  if (r.error) return { ok: false, message: `cannot run jupyter: ${r.error.message}`, seconds };
  if (r.status !== 0)
    return { ok: false, message: `nbconvert failed on ${source} (exit ${r.status}):\n${r.stderr.slice(-6000)}`, seconds };
  return { ok: true, message: "", seconds };
}
