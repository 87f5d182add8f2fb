/**
 * TranslationDataset.fromFiles on small temporary files: torchtext's reading (strip each line,
 * pair line i with line i, trailing blank lines are no data) and our errors for bad input
 * (a blank or one-sided line inside the data, files of different lengths, an over-long sentence),
 * each naming the example and line.
 */
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Field, TranslationDataset, vars } from "../../lib/torchtext";

const dir = mkdtempSync(path.join(tmpdir(), "lab4-translation-"));
function files(src: string, trg: string): [string, string] {
  const a = path.join(dir, `s${Math.random().toString(36).slice(2)}.de`);
  const b = path.join(dir, `t${Math.random().toString(36).slice(2)}.en`);
  writeFileSync(a, src);
  writeFileSync(b, trg);
  return [a, b];
}
const ws = (s: string): string[] => s.split(" ");
const SRC = new Field({ tokenize: ws, lower: true, maxLength: 5 });
const TRG = new Field({ tokenize: ws, lower: true, maxLength: 5 });
const fields = { src: SRC, trg: TRG };

test("lines are stripped (Python whitespace, incl. NBSP), paired, trailing blank lines skipped", () => {
  const [a, b] = files("Ein Hund\n\u00a0Zwei Katzen \r\n\n\n", "A dog\nTwo cats\n\n");
  const ds = TranslationDataset.fromFiles(a, b, fields, { split: "train" });
  assert.is(ds.length, 2);
  assert.equal(vars(ds.examples[1]), { src: ["zwei", "katzen"], trg: ["two", "cats"] });
  assert.is(ds.split, "train");
});

test("a blank line inside the data names the example, file and line", () => {
  const [a, b] = files("Ein Hund\n\nDrei\n", "A dog\nTwo cats\nThree\n");
  assert.throws(
    () => TranslationDataset.fromFiles(a, b, fields, { srcLabel: "x.de", trgLabel: "x.en" }),
    (e: Error) => e.message === "example 1 (x.de line 2) is an empty sentence; the pair cannot be used",
  );
});

test("files of different lengths are refused", () => {
  const [a, b] = files("Ein Hund\nZwei\n", "A dog\n");
  assert.throws(
    () => TranslationDataset.fromFiles(a, b, fields, { srcLabel: "x.de", trgLabel: "x.en" }),
    /x.de has 2 lines but x.en has 1/,
  );
});

test("an over-long sentence names the example and the limit", () => {
  const [a, b] = files("Ein Hund\neins zwei drei vier fünf sechs\n", "A dog\nsix words\n");
  assert.throws(
    () => TranslationDataset.fromFiles(a, b, fields, { srcLabel: "x.de", trgLabel: "x.en" }),
    /example 1 \(x.de line 2\) has 6 tokens, more than the maximum of 5/,
  );
});

test("take(n) keeps fields and split", () => {
  const [a, b] = files("a\nb\nc\n", "x\ny\nz\n");
  const ds = TranslationDataset.fromFiles(a, b, fields, { split: "train" }).take(2);
  assert.is(ds.length, 2);
  assert.is(ds.split, "train");
  assert.is(ds.fields.src, SRC);
  assert.throws(() => ds.get(5), /out of range/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
