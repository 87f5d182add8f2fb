/**
 * A class folder as courses hand it over, every layout at once (generated from the mini instructor
 * notebook and the committed broken files): flat notebooks, a symlink, a named pipe, a hidden
 * checkpoint folder, a student folder with two notebooks, nbgrader's submitted/ with two
 * assignments, a Canvas "Download Submissions" zip (with a LATE file, a PDF and hostile entries),
 * an unzipped Canvas file, Moodle participant folders. Names follow each LMS's own rule.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { zipSync } from "fflate";
import { readNotebook, type Notebook } from "../../grading/notebook";
import { releaseNotebook, serializeNotebook } from "../../grading/notebook/release";
import { brokenDir, miniSource, solved } from "./submissions";

export interface ExpectedFile {
  student: string | null;
  status: "graded" | "refused";
  /** For refused files: words the reason must contain. */
  reason?: RegExp;
  layout: string;
  /** "read": refused only when its bytes are read (grading), not at discovery. */
  stage?: "read";
}

export interface MixedClass {
  root: string;
  /** By the file's shown path. */
  files: Record<string, ExpectedFile>;
  /** Student rows: status and total (null when refused). */
  students: Record<string, { status: "graded" | "refused"; total: number | null; late?: boolean; name?: string }>;
  roster: string;
}

const SOURCE = () => readNotebook(miniSource);

function nb(n: Notebook): Buffer {
  return Buffer.from(serializeNotebook(n));
}

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);

/** Writes the class into `root` (which must not exist) and returns what each file must become. */
export function writeMixedClass(root: string): MixedClass {
  const source = SOURCE();
  const perfect = nb(solved(source));
  const untouched = nb(releaseNotebook(source));
  const words = nb(solved(source, (g) => g === "words" || g === "student_info"));
  const otherKernel = solved(source);
  otherKernel.metadata = {
    ...otherKernel.metadata,
    kernelspec: { name: "typescript", display_name: "TypeScript (other install)", language: "typescript" },
  };
  fs.mkdirSync(root, { recursive: true });
  const w = (rel: string, bytes: Buffer | string, mtime?: Date) => {
    const f = path.join(root, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, bytes);
    if (mtime) fs.utimesSync(f, mtime, mtime);
  };
  const files: Record<string, ExpectedFile> = {};
  const e = (rel: string, x: ExpectedFile) => (files[path.join(root, rel)] = x);

  // flat
  w("ana.ipynb", perfect);
  e("ana.ipynb", { student: "ana", status: "graded", layout: "flat" });
  fs.symlinkSync("ana.ipynb", path.join(root, "eve.ipynb"));
  e("eve.ipynb", { student: "eve", status: "refused", reason: /symbolic link, not followed/, layout: "flat" });
  const fifo = spawnSync("mkfifo", [path.join(root, "pipe.ipynb")]);
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);
  e("pipe.ipynb", { student: "pipe", status: "refused", reason: /named pipe, not read/, layout: "flat" });
  w("notes.txt", "to do: grade\n");
  e("notes.txt", { student: null, status: "refused", reason: /not a notebook/, layout: "flat" });
  w(".ipynb_checkpoints/ana-checkpoint.ipynb", perfect);
  e(".ipynb_checkpoints/ana-checkpoint.ipynb", { student: null, status: "refused", reason: /hidden folder/, layout: "flat" });
  w("broken.ipynb", fs.readFileSync(path.join(brokenDir, "malformed_json.ipynb")));
  e("broken.ipynb", { student: "broken", status: "refused", reason: /not valid JSON/, layout: "flat", stage: "read" });

  // one folder per student: the newest notebook is graded
  w("bob/lab4.ipynb", words, at("2026-03-02T10:00:00Z"));
  w("bob/lab4-old.ipynb", perfect, at("2026-03-01T10:00:00Z"));
  e("bob/lab4.ipynb", { student: "bob", status: "graded", layout: "per-student" });
  e("bob/lab4-old.ipynb", {
    student: "bob",
    status: "refused",
    reason: /second notebook of student bob: the newest, .*bob\/lab4\.ipynb, is graded/,
    layout: "per-student",
  });

  // nbgrader exchange: submitted/<student>/<assignment>/, graded with --assignment ps1
  w("submitted/carla/ps1/lab4.ipynb", perfect);
  w("submitted/carla/ps1/timestamp.txt", "2026-03-01 09:30:00.123456 UTC\n");
  w("submitted/carla/ps2/lab4.ipynb", untouched);
  e("submitted/carla/ps1/lab4.ipynb", { student: "carla", status: "graded", layout: "nbgrader" });
  e("submitted/carla/ps1/timestamp.txt", {
    student: "carla",
    status: "refused",
    reason: /timestamp\.txt \(read as the submission time\)/,
    layout: "nbgrader",
  });
  e("submitted/carla/ps2/lab4.ipynb", { student: "carla", status: "refused", reason: /assignment ps2, not ps1/, layout: "nbgrader" });

  // Canvas "Download Submissions" zip: <lastfirst>[_LATE]_<user id>_<attachment id>_<file name>
  const mtime = at("2026-03-01T12:00:00Z");
  const unix = (mode: number) => ({ os: 3, attrs: (mode << 16) >>> 0, mtime });
  const zip = zipSync({
    "smithbob_1001_5001_lab4.ipynb": [new Uint8Array(untouched), { mtime }],
    "smithbob_1001_5003_informe.pdf": [new Uint8Array(Buffer.from("%PDF-1.4\n")), { mtime }],
    "doejane_LATE_1002_5002_lab4.ipynb": [new Uint8Array(perfect), { mtime: new Date(mtime.getTime() + DAY) }],
    "../escape.ipynb": [new Uint8Array(perfect), { mtime }],
    "/etc/absolute.ipynb": [new Uint8Array(perfect), { mtime }],
    "link_1004_5004_lab4.ipynb": [new Uint8Array(Buffer.from("/etc/passwd")), unix(0o120777)],
  });
  w("canvas-submissions.zip", Buffer.from(zip));
  const zipShown = (entry: string) => `${path.join(root, "canvas-submissions.zip")}!/${entry}`;
  files[zipShown("smithbob_1001_5001_lab4.ipynb")] = { student: "1001", status: "graded", layout: "canvas" };
  files[zipShown("smithbob_1001_5003_informe.pdf")] = { student: "1001", status: "refused", reason: /not a notebook/, layout: "canvas" };
  files[zipShown("doejane_LATE_1002_5002_lab4.ipynb")] = { student: "1002", status: "graded", layout: "canvas" };
  files[zipShown("../escape.ipynb")] = {
    student: null,
    status: "refused",
    reason: /unsafe path in the zip \(invalid relative path\)/,
    layout: "flat",
  };
  files[zipShown("/etc/absolute.ipynb")] = {
    student: null,
    status: "refused",
    reason: /unsafe path in the zip \(absolute path\)/,
    layout: "flat",
  };
  files[zipShown("link_1004_5004_lab4.ipynb")] = {
    student: "1004",
    status: "refused",
    reason: /symbolic link in the zip/,
    layout: "canvas",
  };
  // an unzipped Canvas file: a TypeScript notebook whose kernel had another name
  w("lopezluis_1003_5010_lab4.ipynb", nb(otherKernel));
  e("lopezluis_1003_5010_lab4.ipynb", { student: "1003", status: "graded", layout: "canvas" });

  // Moodle: a folder per participant, <Full Name>_<participant id>_assignsubmission_file_
  w("Ana María Pérez_12345_assignsubmission_file_/lab4.ipynb", perfect);
  e("Ana María Pérez_12345_assignsubmission_file_/lab4.ipynb", { student: "12345", status: "graded", layout: "moodle" });
  w("Dora Diaz_12346_assignsubmission_file_/lab4.ipynb", fs.readFileSync(path.join(brokenDir, "python_kernel.ipynb")));
  e("Dora Diaz_12346_assignsubmission_file_/lab4.ipynb", {
    student: "12346",
    status: "refused",
    reason: /language "python"/,
    layout: "moodle",
    stage: "read",
  });

  const roster = path.join(root, "..", "roster.csv");
  fs.writeFileSync(
    roster,
    [
      "id,name,email,section",
      "ana,Ana Gil,ana@uni.edu,A",
      '1001,"Smith, Bob",bob@uni.edu,B',
      '1002,"Doe, Jane",jane@uni.edu,B',
      "12345,Ana María Pérez,amp@uni.edu,A",
      "ghost,Nadie,ghost@uni.edu,C",
    ].join("\n") + "\n",
  );
  return {
    root,
    files,
    roster,
    students: {
      ana: { status: "graded", total: 38, name: "Ana Gil" },
      eve: { status: "refused", total: null },
      pipe: { status: "refused", total: null },
      broken: { status: "refused", total: null },
      bob: { status: "graded", total: 8 },
      carla: { status: "graded", total: 38 },
      "1001": { status: "graded", total: 0, name: "Smith, Bob" },
      "1002": { status: "graded", total: 38, late: true, name: "Doe, Jane" },
      "1003": { status: "graded", total: 38, name: "lopezluis" },
      "1004": { status: "refused", total: null },
      "12345": { status: "graded", total: 38, name: "Ana María Pérez" },
      "12346": { status: "refused", total: null, name: "Dora Diaz" },
    },
  };
}
