/**
 * The instructor notebook executed once per test process on the quick profile (2 GEMM threads),
 * shared by every test file in this folder (uvu loads them in one process): executing it takes
 * minutes. Errors are allowed: the quick profile's Part 2 check fails on purpose.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { executeNotebook } from "../../grading/execute";

export const ROOT = path.resolve(__dirname, "../..");
export const SOURCE = path.join(ROOT, "notebooks", "source", "lab4.ipynb");

let dir = "";
let executed = "";

/** Executes a copy of the source notebook with `env` into a temporary folder; returns its path. */
export function executeQuick(name: string, env: Record<string, string>): string {
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-nb-"));
    process.once("exit", () => {
      if (process.env.LAB4_KEEP_ARTIFACTS) console.log(`executed notebooks kept in ${dir}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    });
  }
  const out = path.join(dir, name);
  const r = executeNotebook(SOURCE, out, { env: { LAB4_PROFILE: "quick", ...env }, timeoutCellSeconds: 900, allowErrors: true });
  if (!r.ok) throw new Error(r.message);
  return out;
}

/**
 * The quick-profile run with 2 GEMM threads, executed on first use. LAB4_EXECUTED_NOTEBOOK names an
 * already executed one instead (to iterate on one test file; a full run leaves it unset).
 */
export function executedQuick(): string {
  executed ||= process.env.LAB4_EXECUTED_NOTEBOOK || executeQuick("lab4.ipynb", { LAB4_BLAS_THREADS: "2" });
  return executed;
}
