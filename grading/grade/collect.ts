/**
 * Discovery: what `lab4 grade` was given -> every file under it, each with the student it belongs
 * to (from the layout) and whether it will be graded or why not. Nothing is followed or skipped
 * silently: links, special files, hidden files, non-notebooks and a student's older notebooks are
 * all listed, refused with their reason. The layouts, read per entry of a folder (so a folder may
 * mix them):
 *
 *   file / flat      lab4 grade ana.ipynb | subs/ana.ipynb            student "ana"
 *   per-student      subs/ana/<anything>                               student "ana"
 *   nbgrader         [course/]submitted/<student>/<assignment>/nb.ipynb (+ timestamp.txt)
 *   canvas           <lastfirst>[_LATE]_<user id>_<file id>_<original name>   (zip or unzipped)
 *   moodle           <Full Name>_<participant id>_assignsubmission_file_/<file> (zip or folder;
 *                    before Moodle 3.1 the prefix was part of each file's name)
 *
 * A `.zip` given or found at the top of a folder is extracted safely (unzip.ts) and read the same way.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { extractZip } from "./unzip";

export type Layout = "file" | "flat" | "per-student" | "nbgrader" | "canvas" | "moodle";

export interface FoundFile {
  /** The file as the instructor knows it: the path given, or `<zip>!/<entry>` inside a zip. */
  shown: string;
  /** Where its bytes are on disk (null when refused before they could be read). */
  path: string | null;
  layout: Layout;
  /** The gradebook key of its student (null when the layout names none). */
  student: string | null;
  /** The student's name as the layout gives it (Canvas: "lastfirst", Moodle: "Full Name"). */
  name: string | null;
  /** The LMS's own id for the student: Canvas user id, Moodle participant id. */
  lmsId: string | null;
  /** Canvas's attachment id of this file (its re-upload of marked files matches on it). */
  lmsFileId: string | null;
  /** Marked late by the LMS (Canvas's LATE). */
  late: boolean;
  /** ISO time of submission: nbgrader's timestamp.txt, else the file's (or zip entry's) time. */
  submittedAt: string | null;
  /** Why it is not graded (null: a candidate). */
  refused: string | null;
}

export interface StudentPlan {
  student: string;
  /** The notebook to grade (null: every file of this student is refused). */
  chosen: FoundFile | null;
  /** All of the student's files, the chosen one included. */
  files: FoundFile[];
}

export interface Collection {
  /** Every file seen, in discovery order. */
  files: FoundFile[];
  students: StudentPlan[];
  /** Removes the folders zips were extracted into. */
  cleanup(): void;
}

export class CollectError extends Error {
  override name = "CollectError";
}

/**
 * Canvas "Download Submissions" (canvas-lms ContentZipper): `[sortable name, "LATE" if late, user id]`
 * joined by "_" with non-word characters removed (the name lower-cased, "_<digits>_" squeezed out of
 * it), then `_<attachment id>_<file name>`; text and URL submissions end `_text.html`, `_link.html`.
 * With anonymous grading the name is dropped and the id is `anon_<anonymous id>`.
 */
export const CANVAS_FILE = /^(.+?)(_LATE)?_(\d+)_(\d+)_(.+)$/;
export const CANVAS_ANON_FILE = /^(LATE_)?anon_([A-Za-z0-9]+)_(\d+)_(.+)$/;
export const CANVAS_TEXT_FILE = /^(.+?)(_LATE)?_(\d+)_(text|link)\.html$/;
/** Moodle's folder per participant (Moodle >= 3.1; >= 4.1 drops the trailing "_"). */
export const MOODLE_DIR = /^(.+)_(\d+)_assignsubmission_([a-z0-9]+)_?$/;
/** Moodle before 3.1 (or with "download submissions in folders" off): the prefix on each file. */
export const MOODLE_FILE = /^(.+)_(\d+)_assignsubmission_([a-z0-9]+)_(.+)$/;

const STUDENT_ID = /[^A-Za-z0-9._-]+/g;

/** A gradebook key from a name the layout gives (file names stay readable, nothing path-like). */
export function studentId(name: string): string {
  const id = name.replace(STUDENT_ID, "_").replace(/^\.+/, "_");
  return id === "" ? "_" : id;
}

const isNotebook = (p: string) => /\.ipynb$/i.test(p);

/** nbgrader's timestamp.txt ("2024-01-15 10:30:00.123456 UTC") as ISO, or null. */
export function nbgraderTimestamp(text: string): string | null {
  const t = text
    .trim()
    .replace(/ UTC$/, "Z")
    .replace(" ", "T")
    .replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

interface Owner {
  layout: Layout;
  student: string | null;
  name: string | null;
  lmsId: string | null;
  lmsFileId?: string | null;
  late: boolean;
}

const UNOWNED: Owner = { layout: "flat", student: null, name: null, lmsId: null, late: false };

/** Owner of a top-level file by its name alone (flat, Canvas, old Moodle), or null. */
function ownerOfFileName(base: string, fallbackLayout: Layout): Owner | null {
  const m = MOODLE_FILE.exec(base);
  if (m) return { layout: "moodle", student: studentId(m[2]!), name: m[1]!, lmsId: m[2]!, late: false };
  const a = CANVAS_ANON_FILE.exec(base);
  if (a)
    return {
      layout: "canvas",
      student: studentId(`anon_${a[2]!}`),
      name: null,
      lmsId: `anon_${a[2]!}`,
      lmsFileId: a[3]!,
      late: a[1] !== undefined,
    };
  const c = CANVAS_FILE.exec(base);
  if (c) return { layout: "canvas", student: studentId(c[3]!), name: c[1]!, lmsId: c[3]!, lmsFileId: c[4]!, late: c[2] !== undefined };
  const t = CANVAS_TEXT_FILE.exec(base);
  if (t) return { layout: "canvas", student: studentId(t[3]!), name: t[1]!, lmsId: t[3]!, late: t[2] !== undefined };
  if (isNotebook(base))
    return { layout: fallbackLayout, student: studentId(base.replace(/\.ipynb$/i, "")), name: null, lmsId: null, late: false };
  return null;
}

class Collector {
  files: FoundFile[] = [];
  tempDirs: string[] = [];
  /** nbgrader assignments seen with a notebook in them. */
  assignments = new Set<string>();
  constructor(private readonly assignment: string | null) {}

  add(abs: string | null, shown: string, owner: Owner, refused: string | null, submittedAt: string | null = null): FoundFile {
    let when = submittedAt;
    if (when === null && abs !== null) {
      try {
        when = fs.lstatSync(abs).mtime.toISOString();
      } catch {
        /* unreadable: no time */
      }
    }
    const f: FoundFile = {
      shown,
      path: abs,
      layout: owner.layout,
      student: owner.student,
      name: owner.name,
      lmsId: owner.lmsId,
      lmsFileId: owner.lmsFileId ?? null,
      late: owner.late,
      submittedAt: when,
      refused,
    };
    this.files.push(f);
    return f;
  }

  /** Refusal for what is not a plain readable file (never followed), or null. */
  special(abs: string): string | null {
    const st = fs.lstatSync(abs);
    if (st.isSymbolicLink()) return "a symbolic link, not followed";
    if (st.isFile() || st.isDirectory()) return null;
    const kind = st.isFIFO()
      ? "a named pipe"
      : st.isSocket()
        ? "a socket"
        : st.isBlockDevice() || st.isCharacterDevice()
          ? "a device"
          : "a special file";
    return `${kind}, not read`;
  }

  /** Every file under `abs` belongs to `owner`; `why` refuses them all (e.g. a hidden folder). */
  owned(abs: string, shown: string, owner: Owner, why: string | null = null): void {
    for (const e of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(abs, e.name);
      const s = path.join(shown, e.name);
      const sp = this.special(p);
      if (sp === null && e.isDirectory()) {
        this.owned(p, s, owner, why ?? (e.name.startsWith(".") ? `inside the hidden folder ${e.name}` : null));
        continue;
      }
      if (fs.lstatSync(p).isDirectory()) continue;
      this.add(
        p,
        s,
        owner,
        sp ?? why ?? (e.name.startsWith(".") || e.name.startsWith("~") ? "a hidden file" : isNotebook(e.name) ? null : "not a notebook"),
      );
    }
  }

  /** nbgrader's submitted/<student>/<assignment>/... */
  nbgrader(abs: string, shown: string): void {
    for (const st of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const sp = path.join(abs, st.name);
      const ss = path.join(shown, st.name);
      const owner: Owner = { layout: "nbgrader", student: studentId(st.name), name: null, lmsId: null, late: false };
      const bad = this.special(sp);
      if (bad !== null || !st.isDirectory()) {
        this.add(sp, ss, { ...owner, student: null }, bad ?? "not in a student's folder (nbgrader: submitted/<student>/<assignment>/)");
        continue;
      }
      if (st.name.startsWith(".")) {
        this.owned(sp, ss, { ...owner, student: null }, `inside the hidden folder ${st.name}`);
        continue;
      }
      for (const a of fs.readdirSync(sp, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
        const ap = path.join(sp, a.name);
        const as = path.join(ss, a.name);
        const abad = this.special(ap);
        if (abad !== null || !a.isDirectory()) {
          this.add(ap, as, owner, abad ?? "not in an assignment folder (nbgrader: submitted/<student>/<assignment>/)");
          continue;
        }
        if (this.assignment !== null && a.name !== this.assignment) {
          this.owned(ap, as, owner, `assignment ${a.name}, not ${this.assignment} (--assignment)`);
          continue;
        }
        const stamp = path.join(ap, "timestamp.txt");
        const when = fs.existsSync(stamp) && this.special(stamp) === null ? nbgraderTimestamp(fs.readFileSync(stamp, "utf8")) : null;
        const before = this.files.length;
        this.owned(ap, as, owner);
        if (this.files.slice(before).some((f) => f.refused === null && isNotebook(f.shown))) this.assignments.add(a.name);
        for (const f of this.files.slice(before)) {
          if (when !== null) f.submittedAt = when;
          if (f.path === stamp) f.refused = "nbgrader's timestamp.txt (read as the submission time), not a notebook";
        }
      }
    }
  }

  async zip(abs: string, shown: string): Promise<void> {
    let ex;
    try {
      ex = await extractZip(abs);
    } catch (e) {
      this.add(abs, shown, UNOWNED, `not a readable zip (${(e as Error).message})`);
      return;
    }
    this.tempDirs.push(ex.dir);
    for (const r of ex.entries.filter((x) => x.refused !== null)) {
      const top = r.name.split("/").filter((p) => p !== "" && p !== ".")[0] ?? "";
      // only an LMS name tells the student of an entry that was not extracted
      const byName = ownerOfFileName(path.posix.basename(r.name), "flat");
      const owner = MOODLE_DIR.test(top) ? ownerOfDir(top) : byName !== null && byName.layout !== "flat" ? byName : UNOWNED;
      this.add(null, `${shown}!/${r.name}`, owner, r.refused, r.modified);
    }
    await this.folder(ex.dir, `${shown}!`, false);
  }

  /** A folder given on the command line (or an extracted zip): each entry by its own layout. */
  async folder(abs: string, shown: string, zips = true): Promise<void> {
    if (path.basename(abs) === "submitted") return this.nbgrader(abs, shown);
    const entries = fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    // an nbgrader course folder: its source/, release/, autograded/... must not pass for students
    const names = new Set(entries.map((e) => e.name));
    const course =
      entries.some((e) => e.name === "submitted" && e.isDirectory()) &&
      ["nbgrader_config.py", "gradebook.db", "source"].some((n) => names.has(n));
    for (const e of entries) {
      const p = path.join(abs, e.name);
      const s = path.join(shown, e.name);
      const bad = this.special(p);
      if (course && e.name !== "submitted") {
        const why = "in an nbgrader course folder, outside submitted/ (only submitted/<student>/<assignment>/ is graded)";
        if (bad === null && e.isDirectory()) this.owned(p, s, UNOWNED, why);
        else this.add(p, s, UNOWNED, bad ?? why);
        continue;
      }
      if (bad === null && e.isDirectory()) {
        if (e.name === "submitted") this.nbgrader(p, s);
        else if (e.name.startsWith(".")) this.owned(p, s, UNOWNED, `inside the hidden folder ${e.name}`);
        else if (MOODLE_DIR.test(e.name)) this.owned(p, s, ownerOfDir(e.name));
        else this.owned(p, s, { layout: "per-student", student: studentId(e.name), name: null, lmsId: null, late: false });
        continue;
      }
      if (bad === null && zips && /\.zip$/i.test(e.name)) {
        await this.zip(p, s);
        continue;
      }
      const owner = ownerOfFileName(e.name, "flat");
      const hidden = e.name.startsWith(".") || e.name.startsWith("~");
      this.add(
        p,
        s,
        owner ?? UNOWNED,
        bad ??
          (hidden
            ? "a hidden file"
            : owner === null
              ? "not a notebook, and no student could be told from its name"
              : isNotebook(e.name)
                ? null
                : "not a notebook"),
      );
    }
  }

  async arg(a: string): Promise<void> {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(a);
    } catch {
      throw new CollectError(`${a}: no such file or folder`);
    }
    if (st.isDirectory()) return this.folder(a, a);
    const bad = this.special(a);
    if (bad === null && /\.zip$/i.test(a)) return this.zip(a, a);
    const base = path.basename(a);
    const owner = ownerOfFileName(base, "file") ?? {
      ...UNOWNED,
      layout: "file" as Layout,
      student: studentId(base.replace(/\.[^.]*$/, "")),
    };
    this.add(a, a, owner, bad ?? (isNotebook(base) ? null : "not a notebook"));
  }
}

function ownerOfDir(name: string): Owner {
  const m = MOODLE_DIR.exec(name)!;
  return { layout: "moodle", student: studentId(m[2]!), name: m[1]!, lmsId: m[2]!, late: false };
}

/**
 * Per student: the newest notebook (by submission time, then name) is graded; their other
 * notebooks are refused as superseded, and so is every other file of theirs.
 */
export function plan(files: readonly FoundFile[]): StudentPlan[] {
  const by = new Map<string, FoundFile[]>();
  for (const f of files) if (f.student !== null) by.set(f.student, [...(by.get(f.student) ?? []), f]);
  const out: StudentPlan[] = [];
  for (const [student, mine] of by) {
    const candidates = mine
      .filter((f) => f.refused === null && f.path !== null && isNotebook(f.shown))
      .sort((a, b) => (b.submittedAt ?? "").localeCompare(a.submittedAt ?? "") || a.shown.localeCompare(b.shown));
    const chosen = candidates[0] ?? null;
    for (const f of candidates.slice(1)) f.refused = `a second notebook of student ${student}: the newest, ${chosen!.shown}, is graded`;
    out.push({ student, chosen, files: mine });
  }
  return out.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
}

/**
 * Every file named by `args` (files, folders, zips), each with its student and its fate.
 * `assignment` picks one nbgrader assignment; without it, a tree holding several is an error.
 */
export async function collect(args: readonly string[], assignment: string | null = null): Promise<Collection> {
  const c = new Collector(assignment);
  const cleanup = () => {
    for (const d of c.tempDirs) fs.rmSync(d, { recursive: true, force: true });
  };
  try {
    for (const a of args) await c.arg(a);
    if (assignment === null && c.assignments.size > 1)
      throw new CollectError(
        `the nbgrader folder holds several assignments (${[...c.assignments].sort().join(", ")}): pick one with --assignment NAME`,
      );
  } catch (e) {
    cleanup();
    throw e;
  }
  return { files: c.files, students: plan(c.files), cleanup };
}
