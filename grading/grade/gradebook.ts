/**
 * The gradebook: one row per student, kept as gradebook.json (complete record) and gradebook.csv
 * (for spreadsheets), both rewritten atomically after every submission, so an interrupted run
 * loses nothing already graded and a re-run can skip what is done. No database: a shard writes
 * its own folder and `mergeGradebooks` joins folders.
 *
 * A row is final (skipped by re-runs) when its status is "graded" or "refused" and it was made
 * from the same submission bytes (sha256) with the same instructor notebook (source sha256).
 * "failed" rows (the grader could not run the kernel) are always retried.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../notebook/release";
import { shardProblems } from "./shards";

export type RowStatus = "graded" | "refused" | "failed";

export interface CheckColumn {
  key: string;
  gradeId: string;
  index: number;
  points: number;
  hidden: boolean;
  part: string;
}

export interface GradeRow {
  student: string;
  file: string;
  sha256: string;
  status: RowStatus;
  /** Refusal or failure reason ("" when graded). */
  reason: string;
  /** What the grader had to do or saw: restored cells, timeouts, kernel deaths, ... */
  notes: string[];
  /** Marks per check key (absent for refused/failed rows). */
  checks: Record<string, number>;
  /** Why a check scored 0, per key. */
  checkReasons: Record<string, string>;
  parts: Record<string, number>;
  total: number;
  possible: number;
  percent: number;
  /** Wall-clock seconds for this submission; kernel = time spent executing cells. */
  seconds: number;
  kernelSeconds: number;
  startupSeconds: number;
  /** CPU seconds the kernel used (its threads together can exceed its wall time). */
  kernelCpuSeconds?: number;
  gradedAt: string;
  sandbox: string;
  feedback: string | null;
  autograded: string | null;
  /** Who the student is: from the submission layout, completed by the roster (grade/collect.ts). */
  identity?: StudentIdentity;
  /** Marked late by the LMS, and when it was submitted (ISO; null when unknown). */
  late?: boolean;
  submittedAt?: string | null;
}

export interface StudentIdentity {
  /** Layout the submission came in: file, flat, per-student, nbgrader, canvas, moodle. */
  layout: string;
  name: string | null;
  email: string | null;
  section: string | null;
  /** Canvas user id or Moodle participant id, when the layout carries it. */
  lmsId: string | null;
  /** Canvas's attachment id of the graded file (for re-uploading marked files). */
  lmsFileId?: string | null;
  /** Whether the roster has this student. */
  inRoster: boolean;
}

/** One file seen under the input: graded (for its student) or refused with the reason. */
export interface FileRow {
  file: string;
  student: string | null;
  status: RowStatus;
  reason: string;
  layout: string;
}

export interface GradebookSource {
  file: string;
  sha256: string;
  checks: CheckColumn[];
  parts: string[];
  possible: number;
}

export interface GradebookData {
  version: 1;
  source: GradebookSource;
  students: Record<string, GradeRow>;
  /** Every file seen, by its shown path (absent in gradebooks from before this was kept). */
  files?: Record<string, FileRow>;
  /** Roster ids that matched no submission, at the last run. */
  rosterUnmatched?: string[];
}

export const GRADEBOOK_JSON = "gradebook.json";
export const GRADEBOOK_CSV = "gradebook.csv";
export const FILES_CSV = "files.csv";

/** files.csv: one row per file seen under the input, with its fate. */
export function filesCsv(data: GradebookData): string {
  const rows = Object.values(data.files ?? {}).sort((a, b) => a.file.localeCompare(b.file));
  return (
    [["file", "student", "status", "reason", "layout"], ...rows.map((r) => [r.file, r.student ?? "", r.status, r.reason, r.layout])]
      .map((l) => l.map(csvField).join(","))
      .join("\n") + "\n"
  );
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Python's round-half-even is not needed: percentages are shown with 2 decimals. */
function pct(x: number): string {
  return (Math.round(x * 100) / 100).toFixed(2);
}

export function gradebookCsv(data: GradebookData): string {
  const { checks, parts } = data.source;
  const header = [
    "student",
    "status",
    "total",
    "possible",
    "percent",
    ...parts.map((p) => `part:${p}`),
    ...checks.map((c) => `${c.key}${c.hidden ? " (hidden)" : ""} /${c.points}`),
    "reason",
    "notes",
    "file",
    "sha256",
    "seconds",
    "graded_at",
    "sandbox",
    "name",
    "email",
    "section",
    "layout",
    "late",
    "submitted_at",
  ];
  const lines = [header.map(csvField).join(",")];
  for (const id of Object.keys(data.students).sort()) {
    const r = data.students[id]!;
    const graded = r.status === "graded";
    lines.push(
      [
        r.student,
        r.status,
        graded ? r.total : "",
        r.possible,
        graded ? pct(r.percent) : "",
        ...parts.map((p) => (graded ? (r.parts[p] ?? 0) : "")),
        ...checks.map((c) => (graded ? (r.checks[c.key] ?? 0) : "")),
        r.reason,
        r.notes.join("; "),
        r.file,
        r.sha256,
        r.seconds.toFixed(1),
        r.gradedAt,
        r.sandbox,
        r.identity?.name ?? "",
        r.identity?.email ?? "",
        r.identity?.section ?? "",
        r.identity?.layout ?? "",
        r.late ? "yes" : "",
        r.submittedAt ?? "",
      ]
        .map(csvField)
        .join(","),
    );
  }
  return lines.join("\n") + "\n";
}

function writeGradebook(dir: string, data: GradebookData): void {
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, GRADEBOOK_JSON), JSON.stringify(data, null, 1) + "\n");
  writeFileAtomic(path.join(dir, GRADEBOOK_CSV), gradebookCsv(data));
  writeFileAtomic(path.join(dir, FILES_CSV), filesCsv(data));
}

export function readGradebook(dirOrFile: string): GradebookData {
  const file = fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isFile() ? dirOrFile : path.join(dirOrFile, GRADEBOOK_JSON);
  if (!fs.existsSync(file)) throw new GradebookError(`${dirOrFile}: no ${GRADEBOOK_JSON} there`);
  return readData(file);
}

export class GradebookError extends Error {
  override name = "GradebookError";
}

function readData(file: string): GradebookData {
  let data: GradebookData;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8")) as GradebookData;
  } catch (e) {
    throw new GradebookError(`${file}: not a readable gradebook (${(e as Error).message})`);
  }
  if (data.version !== 1 || typeof data.source !== "object" || typeof data.students !== "object")
    throw new GradebookError(`${file}: not a lab4 gradebook (version/source/students missing)`);
  return data;
}

export class Gradebook {
  readonly dir: string;
  private data: GradebookData;

  /**
   * Opens (or starts) the gradebook in `dir`. A gradebook made with another instructor notebook
   * is refused unless `force` (then it is started afresh).
   */
  constructor(dir: string, source: GradebookSource, force: boolean) {
    this.dir = dir;
    const file = path.join(dir, GRADEBOOK_JSON);
    if (fs.existsSync(file)) {
      const old = readData(file);
      if (old.source.sha256 !== source.sha256 && !force)
        throw new GradebookError(
          `${file} was made with another version of the instructor notebook (${old.source.sha256.slice(0, 12)} vs ` +
            `${source.sha256.slice(0, 12)}); ` +
            "use --force to regrade everything into it, or another --out folder",
        );
      this.data = old.source.sha256 === source.sha256 ? { ...old, source } : { version: 1, source, students: {} };
    } else this.data = { version: 1, source, students: {} };
  }

  get rows(): Readonly<Record<string, GradeRow>> {
    return this.data.students;
  }

  /** Whether `student` already has a final row for these exact bytes. */
  isDone(student: string, sha256: string): boolean {
    const r = this.data.students[student];
    return r !== undefined && r.sha256 === sha256 && (r.status === "graded" || r.status === "refused");
  }

  get files(): Readonly<Record<string, FileRow>> {
    return this.data.files ?? {};
  }

  /** Records a row and rewrites both files (atomically). */
  put(row: GradeRow): void {
    this.data.students[row.student] = row;
    this.save();
  }

  /** Records the fate of files seen (saved with the next put/save). */
  putFiles(rows: readonly FileRow[]): void {
    this.data.files ??= {};
    for (const r of rows) this.data.files[r.file] = r;
  }

  setRosterUnmatched(ids: readonly string[]): void {
    this.data.rosterUnmatched = [...ids];
  }

  save(): void {
    writeGradebook(this.dir, this.data);
  }
}

/**
 * `lab4 gradebook merge`: joins the gradebooks of several folders (shards) into `outDir`.
 * They must come from the same instructor notebook. A student in several shards is kept once if
 * it is the same submission (the most recent row wins); two different submissions of one student
 * are an error naming both folders. Shard folders (lab4 grade --shard) must all be there and
 * finished: otherwise nothing is written and the error names each missing or unfinished shard.
 */
export function mergeGradebooks(dirs: readonly string[], outDir: string): GradebookData {
  if (dirs.length === 0) throw new GradebookError("gradebook merge: no gradebook folders given");
  const problems = shardProblems(dirs, GRADEBOOK_JSON);
  if (problems.length > 0)
    throw new GradebookError(`gradebook merge: not merging an incomplete set of shards (nothing written):\n  ${problems.join("\n  ")}`);
  let merged: GradebookData | null = null;
  const origin = new Map<string, string>();
  for (const d of dirs) {
    const file = fs.existsSync(d) && fs.statSync(d).isFile() ? d : path.join(d, GRADEBOOK_JSON);
    if (!fs.existsSync(file)) throw new GradebookError(`${d}: no ${GRADEBOOK_JSON} there`);
    const data = readData(file);
    if (merged === null) {
      merged = { version: 1, source: data.source, students: {} };
    } else if (merged.source.sha256 !== data.source.sha256) {
      throw new GradebookError(`${file}: made with another instructor notebook than ${[...new Set(origin.values())][0]} (cannot merge)`);
    }
    if (data.files !== undefined) merged.files = { ...(merged.files ?? {}), ...data.files };
    for (const [id, row] of Object.entries(data.students)) {
      const prev = merged.students[id];
      if (prev !== undefined) {
        if (prev.sha256 !== row.sha256)
          throw new GradebookError(`student ${id} has different submissions in ${origin.get(id)} and ${file}`);
        if (prev.gradedAt >= row.gradedAt) continue;
      }
      // file links are relative to each gradebook's folder: re-anchor them on the merged folder
      const base = path.dirname(path.resolve(file));
      const rel = (p: string | null) => (p === null ? null : path.relative(path.resolve(outDir), path.resolve(base, p)));
      merged.students[id] = { ...row, feedback: rel(row.feedback), autograded: rel(row.autograded) };
      origin.set(id, file);
    }
  }
  const out = merged!;
  writeGradebook(outDir, out);
  return out;
}
