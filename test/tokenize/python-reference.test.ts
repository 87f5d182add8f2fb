/**
 * The TypeScript port against fixtures/spacy_reference.py: the same algorithm written in Python
 * and run with Python's `re` on spaCy's exact pattern sources. Agreement on real Multi30k lines
 * (all of val and test, plus every training line with characters beyond plain letters, digits,
 * spaces, "." and ",") shows the Python->JavaScript regex translation changes nothing there.
 * Needs the plain `python3` (standard library only).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spacyDe, spacyEn } from "../../lib/text/spacy";

const DATA = path.join(__dirname, "..", "..", "data", "multi30k");
const lines = (f: string): string[] =>
  readFileSync(path.join(DATA, f), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l);
const PLAIN = /^[A-Za-z0-9äöüÄÖÜß .,]*$/;

test("TypeScript tokens equal the Python reference on corpus lines", () => {
  const items: Array<["de" | "en", string]> = [];
  for (const split of ["val", "test"]) {
    for (const l of lines(`${split}.de`)) items.push(["de", l]);
    for (const l of lines(`${split}.en`)) items.push(["en", l]);
  }
  for (const l of lines("train.de")) if (!PLAIN.test(l)) items.push(["de", l]);
  for (const l of lines("train.en")) if (!PLAIN.test(l)) items.push(["en", l]);
  assert.ok(items.length > 5000, `${items.length} lines`);
  const py = spawnSync("python3", [path.join(__dirname, "fixtures", "spacy_reference.py")], {
    input: JSON.stringify(items),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.is(py.error, undefined, `python3 could not run: ${String(py.error)}`);
  assert.is(py.status, 0, py.stderr);
  const expected = JSON.parse(py.stdout) as string[][];
  assert.is(expected.length, items.length);
  let mismatches = 0;
  items.forEach(([lang, text], i) => {
    const ours = (lang === "de" ? spacyDe() : spacyEn()).tokenize(text);
    if (JSON.stringify(ours) !== JSON.stringify(expected[i])) {
      mismatches++;
      if (mismatches <= 3) assert.equal(ours, expected[i], `${lang}: ${text}`);
    }
  });
  assert.is(mismatches, 0);
});

test.run();
