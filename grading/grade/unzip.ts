/**
 * Safe extraction of a submissions zip (a Canvas or Moodle "download all submissions"): every entry
 * is either written under a fresh temporary folder or refused with its reason — a path that
 * escapes (`../`, absolute, drive letter, backslash), a link or special file, an encrypted or
 * oversized entry. Nothing is ever written outside the temporary folder. Parsing is yauzl's.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yauzl from "yauzl";
import { MAX_SUBMISSION_BYTES } from "./submission";

export interface ZipEntryResult {
  /** The entry's name as stored in the zip (decoded). */
  name: string;
  /** Where it was written (null when refused). */
  file: string | null;
  /** Why it was not extracted (null when extracted). */
  refused: string | null;
  /** The entry's modification time (ISO), as the zip records it. */
  modified: string | null;
}

export interface ExtractedZip {
  dir: string;
  entries: ZipEntryResult[];
}

/** Unix file type bits in the high half of a zip entry's external attributes (made on Unix). */
function unixType(entry: yauzl.Entry): number {
  return ((entry.externalFileAttributes >>> 16) & 0o170000) >>> 0;
}

/** Why an entry must not be extracted, or null. */
function entryProblem(entry: yauzl.Entry, name: string): string | null {
  const bad = yauzl.validateFileName(name);
  if (bad !== null) return `unsafe path in the zip (${bad.replace(/: .*$/, "")}), not extracted`;
  if (name.includes("\0")) return "unsafe path in the zip (NUL byte), not extracted";
  const type = unixType(entry);
  if (type === 0o120000) return "a symbolic link in the zip, not extracted (links are never followed)";
  if (type !== 0 && type !== 0o100000 && type !== 0o040000) return `a special file in the zip (mode ${type.toString(8)}), not extracted`;
  if ((entry.generalPurposeBitFlag & 0x1) !== 0) return "an encrypted zip entry, cannot be read";
  if (entry.uncompressedSize > MAX_SUBMISSION_BYTES)
    return `an entry of ${entry.uncompressedSize} bytes exceeds the ${MAX_SUBMISSION_BYTES}-byte limit`;
  return null;
}

/** The next entry of a lazily read zip, or null at its end. */
function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      zip.removeListener("entry", onEntry);
      zip.removeListener("end", onEnd);
      zip.removeListener("error", onError);
    };
    const onEntry = (e: yauzl.Entry) => (done(), resolve(e));
    const onEnd = () => (done(), resolve(null));
    const onError = (e: Error) => (done(), reject(e));
    zip.on("entry", onEntry);
    zip.on("end", onEnd);
    zip.on("error", onError);
    zip.readEntry();
  });
}

/**
 * Extracts `zipFile` into a new folder under the system's temporary folder (the caller removes
 * it). Throws only when the file is not a readable zip at all.
 */
export async function extractZip(zipFile: string): Promise<ExtractedZip> {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-unzip-"));
  const entries: ZipEntryResult[] = [];
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (entry === null) break;
      const raw = entry.fileName as unknown as Buffer;
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
      let modified: string | null = null;
      try {
        modified = entry.getLastModDate().toISOString();
      } catch {
        /* an invalid DOS date: no time */
      }
      const problem = entryProblem(entry, name);
      if (name.endsWith("/") && problem === null) continue; // a folder entry: its files are entries of their own
      if (problem !== null) {
        entries.push({ name, file: null, refused: problem, modified });
        continue;
      }
      const target = path.resolve(dir, name);
      // validateFileName already rules escapes out; this is the last line of defence
      if (!target.startsWith(dir + path.sep)) {
        entries.push({ name, file: null, refused: "unsafe path in the zip (outside the folder), not extracted", modified });
        continue;
      }
      try {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const stream = await zip.openReadStreamPromise(entry);
        await new Promise<void>((resolve, reject) => {
          const out = fs.createWriteStream(target, { flags: "wx", mode: 0o600 });
          stream.on("error", reject);
          out.on("error", reject);
          out.on("finish", () => resolve());
          stream.pipe(out);
        });
        if (modified !== null) fs.utimesSync(target, new Date(modified), new Date(modified));
        entries.push({ name, file: target, refused: null, modified });
      } catch (e) {
        fs.rmSync(target, { force: true });
        entries.push({ name, file: null, refused: `cannot extract (${(e as Error).message})`, modified });
      }
    }
  } finally {
    zip.close();
  }
  return { dir, entries };
}
