/**
 * The lab's Part 1 data: Hugging Face's `tweets_hate_speech_detection`, loaded from the vendored CSVs
 * (`datasets.load_dataset('tweets_hate_speech_detection')` in the original lab).
 *
 * csv-parse reads the files exactly like Python's `csv` module (checked field by field on both files,
 * leading spaces inside tweets included): no trimming, quotes per RFC 4180.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { Dataset, DatasetDict } from "./dataset";
import { verifyDataFile } from "./files";

/** One tweet. `label` (0 = no hate speech, 1 = hate speech) exists only in the train split. */
export interface TweetRow {
  id: number;
  label?: number;
  tweet: string;
  // Columns the lab's cells add with `dataset.map(...)`; declared here so notebook cells can read
  // them from the same `dataset` variable, as the original lab does in Python.
  /** `split_tokens`: cleaned, stopword-free, stemmed tokens. */
  all_tokens?: string[];
  /** `remove_rare_tokens`: the tokens of the vocabulary. */
  tokens?: string[];
  /** `windowizer`: (target, context) id pairs. */
  moving_window?: Array<[number, number]>;
}

export const TWEETS_TRAIN_FILE = "tweets_hate_speech_detection/train.csv";
export const TWEETS_TEST_FILE = "tweets_hate_speech_detection/test.csv";

/** Columns each tweets CSV must have, and which of them are integers. */
const TRAIN_COLUMNS = ["id", "label", "tweet"] as const;
const TEST_COLUMNS = ["id", "tweet"] as const;
const INTEGER_COLUMNS: ReadonlySet<string> = new Set(["id", "label"]);

/**
 * Parses the text of a tweets CSV whose header must contain `columns` (extra columns are ignored).
 * `file` only names the source in errors. Integer columns (`id`, `label`) become numbers; a missing
 * column, a short row or a non-integer id/label -> Error naming the file, line and column.
 */
export function parseTweetsCsv(text: string, file: string, columns: readonly string[]): TweetRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw new Error(`${file}: not a valid CSV file: ${(e as Error).message}`, { cause: e });
  }
  if (records.length === 0) throw new Error(`${file}: empty file (expected a header ${columns.join(",")})`);
  const header = records[0];
  const index = new Map<string, number>();
  for (const name of columns) {
    const at = header.indexOf(name);
    if (at < 0) {
      throw new Error(`${file} has no column "${name}" (header: ${header.join(",")}; expected columns: ${columns.join(",")})`);
    }
    index.set(name, at);
  }
  const rows = new Array<TweetRow>(records.length - 1);
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    const row: Record<string, number | string> = {};
    for (const [name, at] of index) {
      // Line numbers are 1-based and count the header; exact while no field spans lines (true here).
      if (at >= rec.length) throw new Error(`${file}, line ${r + 1}: no value for column "${name}"`);
      const raw = rec[at];
      if (INTEGER_COLUMNS.has(name)) {
        if (!/^-?\d+$/.test(raw)) {
          throw new Error(`${file}, line ${r + 1}: column "${name}" must be an integer, got ${JSON.stringify(raw)}`);
        }
        row[name] = Number(raw);
      } else {
        row[name] = raw;
      }
    }
    rows[r - 1] = row as unknown as TweetRow;
  }
  return rows;
}

/** Verifies the checksum of a tweets file, then parses it. */
function readTweets(rel: string, columns: readonly string[]): TweetRow[] {
  const abs = verifyDataFile(rel);
  return parseTweetsCsv(readFileSync(abs, "utf8"), rel, columns);
}

/**
 * The tweets as a `DatasetDict` with splits `train` (31,962 rows: id, label, tweet) and `test`
 * (17,197 rows: id, tweet), after verifying both files' sha256.
 */
export function loadTweets(): DatasetDict<TweetRow> {
  return new DatasetDict<TweetRow>({
    train: new Dataset(readTweets(TWEETS_TRAIN_FILE, TRAIN_COLUMNS), TRAIN_COLUMNS),
    test: new Dataset(readTweets(TWEETS_TEST_FILE, TEST_COLUMNS), TEST_COLUMNS),
  });
}

/** The data sets this project vendors, by their Hugging Face names. */
export type DatasetName = "tweets_hate_speech_detection";

/** `datasets.load_dataset(name)` for the data sets the lab uses (vendored; checksums verified). */
export function loadDataset(name: DatasetName): DatasetDict<TweetRow> {
  if (name === "tweets_hate_speech_detection") return loadTweets();
  throw new Error(`unknown data set "${String(name)}": this project vendors only tweets_hate_speech_detection`);
}
