// The reference vectors of test/fixtures/reference (see its README.md): read only from inside the
// repository, and only after their sha256 matches the README's table, so an edited fixture fails.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export const referenceDir = path.resolve(__dirname, "../fixtures/reference");

/** The README's table: file name -> sha256 (hex). */
export function referenceTable(dir = referenceDir): Map<string, string> {
  const table = new Map<string, string>();
  const row = /^\| `([^`]+)` \| `([0-9a-f]{64})` \|/;
  for (const line of fs.readFileSync(path.join(dir, "README.md"), "utf8").split("\n")) {
    const m = row.exec(line);
    if (m) table.set(m[1]!, m[2]!);
  }
  return table;
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The bytes of a reference file; throws when it is not in the README's table or its sha256 differs. */
export function readVerified(name: string, dir = referenceDir): Buffer {
  const want = referenceTable(dir).get(name);
  if (want === undefined) throw new Error(`${name} is not listed in ${path.join(dir, "README.md")}`);
  const file = path.join(dir, name);
  const bytes = fs.readFileSync(file);
  const got = sha256(bytes);
  if (got !== want) throw new Error(`${file}: sha256 ${got}, the README says ${want} (edited fixture?)`);
  return bytes;
}

/** A reference file as text, verified. */
export function readReference(name: string): string {
  return readVerified(name).toString("utf8");
}

/** nltk-snowball-english-stems.json: word -> NLTK's stem. */
export function nltkStems(): Record<string, string> {
  return JSON.parse(readReference("nltk-snowball-english-stems.json")) as Record<string, string>;
}
