// The fixtures of test/fixtures/reference are the files its README describes: every file is listed
// with its sha256 and matches it; an edited copy is refused by the reader the tests use.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readVerified, referenceDir, referenceTable, sha256 } from "../helpers/reference";

test("the README lists every reference file, and each file's sha256 matches its line", () => {
  const table = referenceTable();
  const files = fs
    .readdirSync(referenceDir)
    .filter((f) => f !== "README.md")
    .sort();
  assert.equal([...table.keys()].sort(), files);
  assert.equal(files, ["jhwutils-vectors.json", "nltk-snowball-english-stems.json"]);
  for (const [name, want] of table) assert.is(sha256(fs.readFileSync(path.join(referenceDir, name))), want, name);
});

test("an edited fixture is refused (one changed byte), an unlisted one too", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-reference-"));
  try {
    fs.copyFileSync(path.join(referenceDir, "README.md"), path.join(dir, "README.md"));
    const name = "jhwutils-vectors.json";
    const bytes = fs.readFileSync(path.join(referenceDir, name));
    fs.writeFileSync(path.join(dir, name), bytes);
    assert.ok(readVerified(name, dir).equals(bytes), "the unchanged copy reads");
    const edited = Buffer.from(bytes);
    edited[edited.length - 2] ^= 1;
    fs.writeFileSync(path.join(dir, name), edited);
    assert.throws(() => readVerified(name, dir), /sha256 [0-9a-f]{64}, the README says 978c1960/);
    fs.writeFileSync(path.join(dir, "extra.json"), "{}");
    assert.throws(() => readVerified("extra.json", dir), /extra\.json is not listed/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
