/**
 * `lab4 gradebook export`: the gradebook in the shape an LMS imports, plus a zip of the students'
 * feedback named so the LMS (or a person) can match each file to its student.
 *
 *   canvas  Gradebook > Import CSV: Student, ID, SIS User ID, SIS Login ID, Section, "<assignment>
 *           (<assignment id>)", a "Points Possible" row; scores in points. Canvas matches a row by ID
 *           (its user id, from a Canvas download's file names) or else by SIS User ID (our student
 *           id). Canvas imports no comments from CSV; the zip's files are named
 *           `<name>_<user id>_<attachment id>_...` so the assignment's "Re-Upload Submissions" attaches
 *           each as a comment to the student's submission (students from other layouts: by hand).
 *   moodle  Assignment > "Upload grading worksheet" (offline grading worksheet): Identifier
 *           ("Participant <id>"), Grade, Last modified (grade) are what Moodle reads, plus
 *           "Feedback comments"; the zip is for "Upload multiple feedback files in a zip": one folder
 *           per participant, "<Full Name>_<participant id>_assignfeedback_file_/".
 *   csv     one row per student with raw score, late days, penalty and final score apart.
 *
 * Failed rows (the grader could not run) are never exported as zeros: they are left out and named.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { zipSync } from "fflate";
import { readGradebook, type GradebookData, type GradeRow } from "./grade/gradebook";
import { writeFileAtomic } from "./notebook/release";
import type { RosterEntry } from "./grade/roster";

export type ExportFormat = "canvas" | "moodle" | "csv";

/** Late penalty: `perDay` percent of the score per day (or part of a day) late, at most `max`. */
export interface LatePolicy {
  perDay: number;
  max: number;
}

export class ExportError extends Error {
  override name = "ExportError";
}

/** "10%/day" or "10%/day,max=50%". */
export function parseLatePenalty(text: string): LatePolicy {
  const m = /^\s*(\d+(?:\.\d+)?)%\/day\s*(?:,\s*max\s*=\s*(\d+(?:\.\d+)?)%)?\s*$/.exec(text);
  if (!m) throw new ExportError(`--late-penalty must look like 10%/day or 10%/day,max=50%, got ${JSON.stringify(text)}`);
  const perDay = Number(m[1]);
  const max = m[2] === undefined ? 100 : Number(m[2]);
  if (perDay > 100 || max > 100) throw new ExportError(`--late-penalty ${text}: percentages above 100`);
  return { perDay, max };
}

export interface ExportOptions {
  format: ExportFormat;
  /** Assignment name (Canvas column, feedback file names). */
  assignment: string;
  /** Canvas's id for the assignment (column "<name> (<id>)"); without it Canvas creates a new assignment. */
  canvasAssignmentId?: string | null;
  /** The LMS assignment's maximum points; scores are scaled to it (default: the notebook's points). */
  points?: number | null;
  late?: LatePolicy | null;
  /** Deadline (ISO): days late = whole or partial days after it; without it a flagged-late submission is 1 day late. */
  due?: string | null;
  roster?: ReadonlyMap<string, RosterEntry> | null;
  /** Also write the feedback zip here. */
  feedbackZip?: string | null;
  /** For "Last modified (grade)" (default now). */
  now?: Date;
}

export interface ExportedStudent {
  student: string;
  status: GradeRow["status"];
  raw: number;
  possible: number;
  late: boolean;
  daysLate: number;
  penaltyPercent: number;
  /** Score written, in the LMS's points. */
  final: number;
}

export interface ExportResult {
  csv: string;
  exported: ExportedStudent[];
  /** Students left out because grading failed (re-run lab4 grade for them). */
  failed: string[];
  /** Students left out because the LMS cannot match them (no Canvas/Moodle id). */
  unmatched: string[];
  /** Roster students with no row. */
  noSubmission: string[];
  zipEntries: string[];
}

function field(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (cells: readonly unknown[]) => cells.map(field).join(",");
const round2 = (x: number) => Math.round(x * 100) / 100;

function daysLate(r: GradeRow, due: string | null | undefined): number {
  if (due && r.submittedAt) {
    const ms = Date.parse(r.submittedAt) - Date.parse(due);
    return ms > 0 ? Math.ceil(ms / 86_400_000) : 0;
  }
  return r.late ? 1 : 0;
}

/** The score one student gets: raw (refused = 0), days late, penalty, final in the LMS's points. */
export function scoreOf(r: GradeRow, opts: Pick<ExportOptions, "late" | "due" | "points">): ExportedStudent {
  const raw = r.status === "graded" ? r.total : 0;
  const days = daysLate(r, opts.due);
  const pct = opts.late ? Math.min(opts.late.max, opts.late.perDay * days) : 0;
  const scale = opts.points && r.possible > 0 ? opts.points / r.possible : 1;
  return {
    student: r.student,
    status: r.status,
    raw,
    possible: r.possible,
    late: r.late === true || days > 0,
    daysLate: days,
    penaltyPercent: pct,
    final: round2(raw * scale * (1 - pct / 100)),
  };
}

function comment(r: GradeRow, s: ExportedStudent, points: number): string {
  const parts = [r.status === "graded" ? `Autograded: ${s.raw} / ${s.possible}` : `Not graded: ${r.reason}`];
  if (s.penaltyPercent > 0) parts.push(`late ${s.daysLate} day(s): -${s.penaltyPercent}% -> ${s.final} / ${points}`);
  else if (s.late) parts.push("submitted late");
  return parts.join("; ");
}

/** A name as Canvas writes it in submission file names: word characters, no "_<digits>_", lower case. */
function canvasName(n: string): string {
  const s = n
    .replace(/[^\p{L}\p{N}_]/gu, "")
    .replace(/_(\d+)_/g, "$1")
    .replace(/_/g, "")
    .toLowerCase();
  return s === "" || /^\d+$/.test(s) ? "student" : s;
}

/** Moodle writes participant folders with the full name's underscores as spaces. */
const moodleName = (n: string) =>
  n
    .replace(/_/g, " ")
    .replace(/[\\/:*?"<>|]/g, " ")
    .trim();

/** Builds the export (pure: reads the gradebook's feedback files only for the zip). */
export function exportGradebook(data: GradebookData, dir: string, opts: ExportOptions): ExportResult & { zip: Uint8Array | null } {
  const possible = data.source.possible;
  const points = opts.points ?? possible;
  const now = (opts.now ?? new Date()).toISOString();
  const rows = Object.values(data.students).sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
  const who = (r: GradeRow) => {
    const ro = opts.roster?.get(r.student) ?? null;
    return {
      name: ro?.name ?? r.identity?.name ?? r.student,
      email: ro?.email ?? r.identity?.email ?? "",
      section: ro?.section ?? r.identity?.section ?? "",
      lmsId: r.identity?.lmsId ?? null,
      layout: r.identity?.layout ?? "",
    };
  };
  const result: ExportResult = { csv: "", exported: [], failed: [], unmatched: [], noSubmission: [], zipEntries: [] };
  const files: Record<string, Uint8Array> = {};
  const addFeedback = (r: GradeRow, entry: string) => {
    if (r.feedback === null) return;
    const f = path.resolve(dir, r.feedback);
    if (!fs.existsSync(f)) return;
    files[entry] = fs.readFileSync(f);
    result.zipEntries.push(entry);
  };
  const lines: string[] = [];
  const stem = opts.assignment.replace(/[^A-Za-z0-9._-]+/g, "-");
  if (opts.format === "canvas") {
    lines.push(
      line([
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        opts.canvasAssignmentId ? `${opts.assignment} (${opts.canvasAssignmentId})` : opts.assignment,
      ]),
    );
    lines.push(line(["    Points Possible", "", "", "", "", points]));
  } else if (opts.format === "moodle") {
    lines.push(
      line([
        "Identifier",
        "Full name",
        "Email address",
        "Status",
        "Grade",
        "Maximum Grade",
        "Grade can be changed",
        "Last modified (submission)",
        "Last modified (grade)",
        "Feedback comments",
      ]),
    );
  } else {
    lines.push(
      line([
        "student",
        "name",
        "email",
        "section",
        "status",
        "raw_points",
        "possible",
        "raw_percent",
        "late",
        "submitted_at",
        "days_late",
        "penalty_percent",
        "final_points",
        "final_percent",
        "points",
        "reason",
      ]),
    );
  }
  for (const r of rows) {
    if (r.status === "failed") {
      result.failed.push(r.student);
      continue;
    }
    const s = scoreOf(r, { late: opts.late, due: opts.due, points });
    const w = who(r);
    if (opts.format === "canvas") {
      const canvasId = w.layout === "canvas" ? w.lmsId : null;
      lines.push(line([w.name, canvasId ?? "", canvasId === null ? r.student : "", "", w.section, s.final]));
      const fileId = r.identity?.lmsFileId ?? null;
      // Canvas's "Re-Upload Submissions" reads the first two all-digit "_" parts as user and attachment id
      addFeedback(
        r,
        canvasId !== null && fileId !== null
          ? `${canvasName(w.name)}_${canvasId}_${fileId}_${stem}-feedback.html`
          : `${r.student}_${stem}-feedback.html`,
      );
    } else if (opts.format === "moodle") {
      if (w.layout !== "moodle" || w.lmsId === null) {
        result.unmatched.push(r.student);
        continue;
      }
      lines.push(
        line([
          `Participant ${w.lmsId}`,
          w.name,
          w.email,
          "Submitted for grading",
          s.final.toFixed(2),
          points.toFixed(2),
          "Yes",
          r.submittedAt ?? "",
          now,
          comment(r, s, points),
        ]),
      );
      addFeedback(r, `${moodleName(w.name)}_${w.lmsId}_assignfeedback_file_/${stem}-feedback.html`);
    } else {
      lines.push(
        line([
          r.student,
          w.name,
          w.email,
          w.section,
          r.status,
          s.raw,
          s.possible,
          r.possible > 0 ? round2((100 * s.raw) / r.possible).toFixed(2) : "",
          s.late ? "yes" : "",
          r.submittedAt ?? "",
          s.daysLate,
          s.penaltyPercent,
          s.final,
          round2((100 * s.final) / points).toFixed(2),
          points,
          r.reason,
        ]),
      );
      addFeedback(r, `${r.student}.html`);
    }
    result.exported.push(s);
  }
  if (opts.roster) result.noSubmission = [...opts.roster.keys()].filter((id) => data.students[id] === undefined).sort();
  result.csv = lines.join("\n") + "\n";
  return { ...result, zip: opts.feedbackZip ? zipSync(files, { level: 6, mtime: opts.now ?? new Date() }) : null };
}

/** Reads the gradebook in `dir`, writes `outCsv` (and the zip), returns what was and was not exported. */
export function exportToFiles(dir: string, outCsv: string, opts: ExportOptions): ExportResult {
  const data = readGradebook(dir);
  const gbDir = fs.statSync(dir).isFile() ? path.dirname(dir) : dir;
  const { zip, ...result } = exportGradebook(data, gbDir, opts);
  fs.mkdirSync(path.dirname(path.resolve(outCsv)), { recursive: true });
  writeFileAtomic(outCsv, result.csv);
  if (zip !== null && opts.feedbackZip) fs.writeFileSync(opts.feedbackZip, zip);
  return result;
}
