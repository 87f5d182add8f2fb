/**
 * Dataset / DatasetDict: HF semantics the lab relies on (map builds a NEW dataset from each
 * returned row, the source is unchanged, columns in first-seen order) and HF's printed repr.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { message } from "./error-message";
import { inspect } from "node:util";
import { Dataset, DatasetDict } from "../../lib/data/dataset";

interface R {
  id: number;
  tweet: string;
}
const rows = (): R[] => [
  { id: 1, tweet: "a b" },
  { id: 2, tweet: "c" },
  { id: 3, tweet: "" },
];

test("num_rows, numRows, column, get and row", () => {
  const ds = new Dataset(rows());
  assert.is(ds.num_rows, 3);
  assert.is(ds.numRows, 3);
  assert.equal(ds.features, ["id", "tweet"]);
  assert.equal(ds.column("id"), [1, 2, 3]);
  assert.equal(ds.get("tweet"), ["a b", "c", ""]);
  assert.equal(ds.row(-1), { id: 3, tweet: "" });
  assert.throws(() => ds.row(3), /out of range/);
});

test("map returns a new dataset with the added column and leaves the source unchanged", () => {
  const ds = new Dataset(rows());
  const mapped = ds.map((row) => {
    const out = row as R & { n: number };
    out.n = row.tweet.length;
    out.id = -row.id;
    return out;
  });
  assert.is.not(mapped, ds);
  assert.equal(mapped.features, ["id", "tweet", "n"]);
  assert.equal(mapped.column("n"), [3, 1, 0]);
  assert.equal(mapped.column("id"), [-1, -2, -3]);
  assert.equal(ds.column("id"), [1, 2, 3]);
  assert.equal(ds.features, ["id", "tweet"]);
});

test("map passes the row index and rejects a function that forgets to return the row", () => {
  const ds = new Dataset(rows());
  assert.equal(ds.map((r, i) => ({ ...r, i }), { withIndices: true }).column("i"), [0, 1, 2]);
  // HF's default: the function gets only the row, so a defaulted second parameter keeps its default
  // (the seed's `windowizer(row, wsize=3)`).
  const withDefault = (r: { a?: number }, w = 3) => ({ ...r, w });
  assert.equal(ds.map(withDefault).column("w"), [3, 3, 3]);
  const msg = message(() => ds.map(((r: R) => void r) as unknown as (r: R) => R));
  assert.match(msg, "returned undefined for row 0");
  assert.match(msg, "return row");
});

test("a missing column is an Error naming it and the available columns", () => {
  const ds = new Dataset(rows());
  const msg = message(() => (ds as unknown as Dataset).column("all_tokens"));
  assert.is(msg, "Dataset has no column 'all_tokens'; available columns: 'id', 'tweet'");
});

test("select, slice and filter keep the features", () => {
  const ds = new Dataset(rows());
  assert.equal(ds.select([2, 0]).column("id"), [3, 1]);
  assert.equal(ds.slice(1).column("id"), [2, 3]);
  assert.equal(ds.filter((r) => r.tweet.length > 0).column("id"), [1, 2]);
  assert.equal(new Dataset<R>([]).features, []);
  assert.equal(ds.slice(3).features, ["id", "tweet"]);
});

test("Dataset prints like HF's repr", () => {
  const ds = new Dataset(rows());
  const expected = "Dataset({\n    features: ['id', 'tweet'],\n    num_rows: 3\n})";
  assert.is(String(ds), expected);
  assert.is(inspect(ds), expected);
});

test("DatasetDict: splits, map over every split, HF's repr, unknown split", () => {
  const dd = new DatasetDict<R>({ train: new Dataset(rows()), test: new Dataset(rows().slice(0, 1)) });
  assert.equal(dd.keys(), ["train", "test"]);
  assert.is(dd.train.num_rows, 3);
  assert.is(dd.get("test").num_rows, 1);
  assert.equal(dd.num_rows, { train: 3, test: 1 });
  const mapped = dd.map((r) => ({ ...r, all_tokens: r.tweet.split(" ") }));
  assert.equal(mapped.test.column("all_tokens"), [["a", "b"]]);
  assert.equal(dd.train.features, ["id", "tweet"]);
  // The layout of HF's DatasetDict repr (as printed by `datasets` for `dataset` in a cell).
  const expected =
    "DatasetDict({\n" +
    "    train: Dataset({\n" +
    "        features: ['id', 'tweet', 'all_tokens'],\n" +
    "        num_rows: 3\n" +
    "    })\n" +
    "    test: Dataset({\n" +
    "        features: ['id', 'tweet', 'all_tokens'],\n" +
    "        num_rows: 1\n" +
    "    })\n" +
    "})";
  assert.is(inspect(mapped), expected);
  assert.is(message(() => dd.get("validation")), "DatasetDict has no split 'validation'; available splits: 'train', 'test'");
});

test.run();
