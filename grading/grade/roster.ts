/**
 * The class roster: a CSV with a header naming at least `id` (the student's id as the submission
 * layout gives it: file or folder name, nbgrader student, Canvas user id, Moodle participant id),
 * and optionally `name`, `email`, `section`. Extra columns are ignored.
 *   id,name,email,section
 *   1001,"Smith, Bob",bob@uni.edu,A
 */
import * as fs from "node:fs";
import { parse } from "csv-parse/sync";

export interface RosterEntry {
  id: string;
  name: string | null;
  email: string | null;
  section: string | null;
}

export class RosterError extends Error {
  override name = "RosterError";
}

export function readRoster(file: string): Map<string, RosterEntry> {
  let rows: Record<string, string>[];
  try {
    rows = parse(fs.readFileSync(file), {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
      trim: true,
    }) as Record<string, string>[];
  } catch (e) {
    throw new RosterError(`roster ${file}: not a readable CSV (${(e as Error).message})`);
  }
  const out = new Map<string, RosterEntry>();
  for (const [i, r] of rows.entries()) {
    if (!("id" in r)) throw new RosterError(`roster ${file}: no "id" column (columns: id, name, email, section)`);
    const id = r.id ?? "";
    if (id === "") throw new RosterError(`roster ${file}: row ${i + 2} has an empty id`);
    if (out.has(id)) throw new RosterError(`roster ${file}: id ${id} appears twice (rows ${[...out.keys()].indexOf(id) + 2} and ${i + 2})`);
    const opt = (k: string) => (r[k] !== undefined && r[k] !== "" ? r[k]! : null);
    out.set(id, { id, name: opt("name"), email: opt("email"), section: opt("section") });
  }
  return out;
}
