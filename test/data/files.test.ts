/**
 * Data files: the typed checksum table equals data/README.md, the real files verify, and a missing
 * or altered file (in a temporary copy of data/, selected with LAB4_DATA_DIR) is refused with a
 * message naming the file, both hashes and how to restore it. data/ itself is never modified.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DATA_DIR_ENV, DATA_SHA256, dataDir, dataPath, verifyDataFile } from "../../lib/data/files";

const root = path.resolve(__dirname, "../..");
const realData = path.join(root, "data");

/** Runs `fn` with LAB4_DATA_DIR pointing at a fresh temporary directory, then restores the env. */
function withTempDataDir(fn: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-data-"));
  const before = process.env[DATA_DIR_ENV];
  process.env[DATA_DIR_ENV] = dir;
  try {
    fn(dir);
  } finally {
    if (before === undefined) delete process.env[DATA_DIR_ENV];
    else process.env[DATA_DIR_ENV] = before;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function copyInto(dir: string, rel: string): string {
  const dst = path.join(dir, rel);
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(path.join(realData, rel), dst);
  return dst;
}

function throwsWith(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, Error);
    return (e as Error).message;
  }
  assert.unreachable("expected an Error");
  return "";
}

test("the typed sha256 table is exactly the table in data/README.md", () => {
  const readme = fs.readFileSync(path.join(realData, "README.md"), "utf8");
  const fromReadme: Record<string, string> = {};
  for (const m of readme.matchAll(/^([0-9a-f]{64})\s+(\S+)$/gm)) fromReadme[m[2]] = m[1];
  assert.equal(Object.keys(fromReadme).length, 9);
  assert.equal({ ...DATA_SHA256 }, fromReadme);
});

test("dataPath resolves into <repo>/data by default", () => {
  assert.is(dataDir(), realData);
  assert.is(dataPath("nltk_stopwords_english.txt"), path.join(realData, "nltk_stopwords_english.txt"));
});

test("every vendored file verifies and verifyDataFile returns its absolute path", () => {
  for (const rel of Object.keys(DATA_SHA256)) {
    assert.is(verifyDataFile(rel), path.join(realData, rel));
  }
});

test("a missing file is refused, naming the file and how to restore it", () => {
  withTempDataDir((dir) => {
    const msg = throwsWith(() => verifyDataFile("tweets_hate_speech_detection/train.csv"));
    assert.match(msg, 'data file "tweets_hate_speech_detection/train.csv" is missing');
    assert.match(msg, path.join(dir, "tweets_hate_speech_detection/train.csv"));
    assert.match(msg, "git checkout -- data/tweets_hate_speech_detection/train.csv");
  });
});

test("an altered copy is refused with expected and actual sha256", () => {
  withTempDataDir((dir) => {
    const file = copyInto(dir, "nltk_stopwords_english.txt");
    assert.is(verifyDataFile("nltk_stopwords_english.txt"), file); // the unaltered copy passes
    fs.appendFileSync(file, "lab\n");
    const actual = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    const msg = throwsWith(() => verifyDataFile("nltk_stopwords_english.txt"));
    assert.match(msg, 'data file "nltk_stopwords_english.txt" is altered');
    assert.match(msg, "expected 019f104ba2ed07436d05f9cdd3383034ad66014edc27fc651f837e1a038b6451");
    assert.match(msg, `got ${actual}`);
    assert.match(msg, "git checkout -- data/nltk_stopwords_english.txt");
  });
});

test("a one-byte edit that keeps the size is refused too", () => {
  withTempDataDir((dir) => {
    const file = copyInto(dir, "tweets_hate_speech_detection/test.csv");
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 2] ^= 0x20;
    fs.writeFileSync(file, bytes);
    const msg = throwsWith(() => verifyDataFile("tweets_hate_speech_detection/test.csv"));
    assert.match(msg, "is altered");
  });
});

test("a file without a known checksum is refused by name", () => {
  const msg = throwsWith(() => verifyDataFile("tweets.csv"));
  assert.match(msg, 'no checksum known for data file "tweets.csv"');
  assert.match(msg, "tweets_hate_speech_detection/train.csv");
  assert.match(
    throwsWith(() => verifyDataFile("toString")),
    "no checksum known",
  );
});

test.run();
