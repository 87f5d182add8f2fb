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
  // (the original lab's `windowizer(row, wsize=3)`).
  const withDefault = (r: R, w = 3) => ({ ...r, w });
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
  assert.is(
    message(() => dd.get("validation")),
    "DatasetDict has no split 'validation'; available splits: 'train', 'test'",
  );
});

// Pair-list columns (the windowizer's moving_window) are kept packed, as HF keeps columns in Arrow.
interface W {
  id: number;
  w: Array<[number, number]>;
  tag: string;
}
const windowed = (): W[] => [
  {
    id: 1,
    w: [
      [0, 1],
      [1, 0],
    ],
    tag: "a",
  },
  { id: 2, w: [], tag: "b" },
  {
    id: 3,
    w: [
      [2, 2147483647],
      [-5, 0],
      [7, 7],
    ],
    tag: "c",
  },
];

test("a pair-list column is packed; rows, columns and iteration give the same values, in features order", () => {
  const src = windowed();
  const ds = new Dataset(src);
  const col = ds.pairList("w");
  assert.ok(col, "packed");
  assert.equal(Array.from(col!.offsets), [0, 2, 2, 5]);
  assert.equal(Array.from(col!.values), [0, 1, 1, 0, 2, 2147483647, -5, 0, 7, 7]);
  assert.equal(ds.features, ["id", "w", "tag"]);
  assert.equal(ds.row(2), windowed()[2]);
  assert.equal(Object.keys(ds.row(0)), ["id", "w", "tag"]);
  assert.equal(
    ds.column("w"),
    windowed().map((r) => r.w),
  );
  assert.equal([...ds], windowed());
  assert.equal(src, windowed(), "the caller's row objects are left as they were");
  assert.is(ds.pairList("id"), undefined);
  assert.is(ds.pairList("tag"), undefined);
});

test("packed rows are fresh objects (HF's ds[i]): changing one changes nothing in the dataset", () => {
  const ds = new Dataset(windowed());
  const r = ds.row(0);
  assert.is.not(r, ds.row(0));
  r.w.push([9, 9]);
  r.w[0]![0] = 42;
  assert.equal(ds.row(0).w, [
    [0, 1],
    [1, 0],
  ]);
});

test("map, filter, select and slice of a packed dataset see the pairs and keep them packed", () => {
  const ds = new Dataset(windowed());
  const mapped = ds.map((row) => ({ ...row, n: row.w.length }));
  assert.equal(mapped.column("n"), [2, 0, 3]);
  assert.ok(mapped.pairList("w"));
  const f = ds.filter((row) => row.w.length > 0);
  assert.equal(f.column("id"), [1, 3]);
  assert.equal(f.column("w"), [windowed()[0]!.w, windowed()[2]!.w]);
  assert.equal(Array.from(f.pairList("w")!.offsets), [0, 2, 5]);
  assert.equal(ds.select([2, 0]).column("w"), [windowed()[2]!.w, windowed()[0]!.w]);
  assert.equal(ds.slice(-2).column("id"), [2, 3]);
  assert.equal(ds.slice(1, 2).row(0), windowed()[1]);
  assert.equal(ds.slice(5).numRows, 0);
});

test("columns that are not all int32 pairs stay as they are (same objects)", () => {
  const cases: Array<Array<Record<string, unknown>>> = [
    [{ w: [[0, 1]] }, {}], // a row without it
    [{ w: [[0, 1.5]] }], // not an integer
    [{ w: [[0, 2 ** 31]] }], // not int32
    [{ w: [[0, 1, 2]] }], // not a pair
    [{ w: [[0, undefined]] }], // an unknown token's id
    [{ w: ["ab"] }], // strings
    [{ w: [] }, { w: [] }], // no pairs at all
  ];
  for (const rows of cases) {
    const ds = new Dataset(rows);
    assert.is(ds.pairList("w"), undefined, JSON.stringify(rows));
    assert.is(ds.row(0), rows[0], "rows are the caller's objects");
  }
});

test.run();
