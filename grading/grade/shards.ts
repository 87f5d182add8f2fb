/**
 * Shard completion records: `lab4 grade --shard i/n` removes DIR/shard.json when it starts and
 * writes it when every submission of its share has a row. The gradebook alone cannot tell a
 * finished shard from one killed half-way (it is rewritten after every submission), so a merge of
 * shard folders checks these records and names every shard that is missing or unfinished instead
 * of writing a partial gradebook.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../notebook/release";

export const SHARD_RECORD = "shard.json";

export interface ShardRecord {
  version: 1;
  index: number;
  count: number;
  /** Students of this shard's share, graded now or already done. */
  students: string[];
  /** Students whose row is "failed" (the grader could not run them; a re-run retries them). */
  failed: string[];
  finishedAt: string;
  /** Seconds this `lab4 grade` process ran (from its start). */
  seconds: number;
}

export function clearShardRecord(dir: string): void {
  fs.rmSync(path.join(dir, SHARD_RECORD), { force: true });
}

export function writeShardRecord(
  dir: string,
  shard: { index: number; count: number },
  students: readonly string[],
  failed: readonly string[],
): void {
  const rec: ShardRecord = {
    version: 1,
    index: shard.index,
    count: shard.count,
    students: [...students],
    failed: [...failed],
    finishedAt: new Date().toISOString(),
    seconds: Math.round(process.uptime() * 10) / 10,
  };
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, SHARD_RECORD), JSON.stringify(rec, null, 1) + "\n");
}

export function readShardRecord(dir: string): ShardRecord | null {
  const file = path.join(dir, SHARD_RECORD);
  if (!fs.existsSync(file)) return null;
  const rec = JSON.parse(fs.readFileSync(file, "utf8")) as ShardRecord;
  if (rec.version !== 1 || !Number.isInteger(rec.index) || !Number.isInteger(rec.count) || !Array.isArray(rec.students))
    throw new Error(`${file}: not a lab4 shard record`);
  return rec;
}

/**
 * What stops `dirs` from being merged as a complete set of shards: [] when none of them is a shard
 * folder (a plain merge) or when shards 1..n are all there and finished; otherwise one line per
 * problem (a folder without gradebook or record, shards of different splits, shard numbers absent).
 * `gradebookFile` is the gradebook's file name in each folder (gradebook.ts owns it; passed to avoid an import cycle).
 */
export function shardProblems(dirs: readonly string[], gradebookFile: string): string[] {
  const problems: string[] = [];
  const found = new Map<number, string>();
  const counts = new Set<number>();
  let anyRecord = false;
  const unrecorded: string[] = [];
  for (const d of dirs) {
    const dir = path.basename(d) === gradebookFile && fs.existsSync(d) && fs.statSync(d).isFile() ? path.dirname(d) : d;
    let rec: ShardRecord | null;
    try {
      rec = readShardRecord(dir);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    if (rec === null) {
      unrecorded.push(
        fs.existsSync(path.join(dir, gradebookFile))
          ? `${dir}: no ${SHARD_RECORD} (its lab4 grade --shard did not finish: interrupted, killed or still running)`
          : `${dir}: no gradebook (its job did not run or failed before grading)`,
      );
      continue;
    }
    anyRecord = true;
    counts.add(rec.count);
    if (found.has(rec.index)) problems.push(`${dir}: shard ${rec.index}/${rec.count} again (also ${found.get(rec.index)})`);
    found.set(rec.index, dir);
  }
  if (!anyRecord) return problems;
  problems.push(...unrecorded);
  if (counts.size > 1)
    problems.push(
      `the folders are shards of different splits (${[...counts]
        .sort((a, b) => a - b)
        .map((c) => `/${c}`)
        .join(", ")})`,
    );
  const n = Math.max(...counts);
  const missing = Array.from({ length: n }, (_, k) => k + 1).filter((i) => !found.has(i));
  if (missing.length > 0) problems.unshift(`missing or unfinished shard(s): ${missing.map((i) => `${i}/${n}`).join(", ")}`);
  return problems;
}
