/**
 * What each bench measured, collected for the table `npm run bench` prints at the end (ready to paste
 * into docs/performance.md with the date, commit and machine it was measured on).
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

export interface Result {
  bench: string;
  /** What was measured, e.g. "notebook step (median of 5)". */
  measure: string;
  /** The value with its unit, e.g. "0.92 s". */
  value: string;
  /** A ratio measured in the same run, or the target and whether it is met. */
  compare?: string;
}

const rows: Result[] = [];

export function record(result: Result): void {
  rows.push(result);
}

export function recorded(): readonly Result[] {
  return rows;
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: path.resolve(__dirname, ".."), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

/** One line naming when, at which commit and on what machine the table was measured. */
export function provenance(now = new Date()): string {
  const commit = git(["rev-parse", "--short", "HEAD"]) || "unknown commit";
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) ? " + uncommitted changes" : "";
  const cpus = os.cpus();
  const cpu = cpus[0]?.model.trim() ?? "unknown CPU";
  const mem = (os.totalmem() / 2 ** 30).toFixed(0);
  return (
    `${now.toISOString().slice(0, 10)}, commit ${commit}${dirty}; ${cpu}, ${cpus.length} cores, ${mem} GiB; Node ` +
    `${process.version}, ${os.type()} ${os.arch()}`
  );
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

/** The results as a Markdown table under a heading with their provenance. */
export function markdownTable(results: readonly Result[] = rows, now = new Date()): string {
  const lines = [`### npm run bench — ${provenance(now)}`, "", "| bench | measure | value | compared |", "|---|---|---|---|"];
  for (const r of results) lines.push(`| ${cell(r.bench)} | ${cell(r.measure)} | ${cell(r.value)} | ${cell(r.compare ?? "")} |`);
  return lines.join("\n");
}
