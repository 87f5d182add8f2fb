/**
 * The tweets loader on the real files (sizes and contents checked against the raw CSV text), the
 * missing-column / bad-value errors, and refusal of an altered copy before parsing.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { message } from "./error-message";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DATA_DIR_ENV } from "../../lib/data/files";
import { loadTweets, parseTweetsCsv } from "../../lib/data/tweets";

const root = path.resolve(__dirname, "../..");

test("loadTweets: 31,962 train rows (id, label, tweet) and 17,197 test rows (id, tweet)", () => {
  const ds = loadTweets();
  assert.equal(ds.keys(), ["train", "test"]);
  assert.is(ds.train.num_rows, 31962);
  assert.is(ds.test.num_rows, 17197);
  assert.equal(ds.train.features, ["id", "label", "tweet"]);
  assert.equal(ds.test.features, ["id", "tweet"]);
  // Line 2 of train.csv, copied from the file: `1,0, @user when a father ...` (leading space kept).
  assert.equal(ds.train.row(0), {
    id: 1,
    label: 0,
    tweet: " @user when a father is dysfunctional and is so selfish he drags his kids into his dysfunction.   #run",
  });
  // A quoted field with a comma (line 21 of train.csv: `20,0,"as we all know, essential oils ...  "`).
  assert.equal(ds.train.row(19), { id: 20, label: 0, tweet: "as we all know, essential oils are not made of chemicals. " });
  assert.is(ds.test.row(0).id, 31963);
  assert.is(ds.train.row(-1).id, 31962);
  const labels = ds.train.column("label");
  assert.ok(labels.every((l) => l === 0 || l === 1));
  assert.is(labels.filter((l) => l === 1).length, 2242); // hate-speech tweets in the public dataset
});

test("a CSV without an expected column is an Error naming the file and the column", () => {
  const msg = message(() => parseTweetsCsv("id,tweet\n1,hello\n", "tweets_hate_speech_detection/train.csv", ["id", "label", "tweet"]));
  assert.match(msg, 'tweets_hate_speech_detection/train.csv has no column "label"');
  assert.match(msg, "header: id,tweet");
});

test("columns are found by name, numbers parsed, and bad values named", () => {
  assert.equal(parseTweetsCsv('tweet,label,id\n" hi, you",1,7\n', "x.csv", ["id", "label", "tweet"]), [
    { id: 7, label: 1, tweet: " hi, you" },
  ]);
  assert.match(
    message(() => parseTweetsCsv("id,label,tweet\n1,yes,hi\n", "x.csv", ["id", "label", "tweet"])),
    'x.csv, line 2: column "label" must be an integer, got "yes"',
  );
  assert.match(
    message(() => parseTweetsCsv("id,label,tweet\n1,0\n", "x.csv", ["id", "label", "tweet"])),
    'x.csv, line 2: no value for column "tweet"',
  );
  assert.match(
    message(() => parseTweetsCsv("", "x.csv", ["id"])),
    "x.csv: empty file",
  );
  assert.match(
    message(() => parseTweetsCsv('id\n"unclosed\n', "x.csv", ["id"])),
    "x.csv: not a valid CSV file",
  );
});

test("loadTweets checks the checksum before parsing: an altered copy is refused", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-tweets-"));
  const before = process.env[DATA_DIR_ENV];
  try {
    fs.mkdirSync(path.join(dir, "tweets_hate_speech_detection"));
    for (const f of ["train.csv", "test.csv"]) {
      fs.copyFileSync(path.join(root, "data/tweets_hate_speech_detection", f), path.join(dir, "tweets_hate_speech_detection", f));
    }
    // Drop the label column from train.csv: still a valid CSV, but not the lab's file.
    const p = path.join(dir, "tweets_hate_speech_detection/train.csv");
    fs.writeFileSync(p, fs.readFileSync(p, "utf8").replace(/^(\d+|id),(\d|label),/gm, "$1,"));
    process.env[DATA_DIR_ENV] = dir;
    const msg = message(() => loadTweets());
    assert.match(msg, 'data file "tweets_hate_speech_detection/train.csv" is altered');
  } finally {
    if (before === undefined) delete process.env[DATA_DIR_ENV];
    else process.env[DATA_DIR_ENV] = before;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
