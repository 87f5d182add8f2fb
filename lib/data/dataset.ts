/**
 * A small in-memory stand-in for Hugging Face `datasets`: a `Dataset` of row records and a
 * `DatasetDict` of named splits, with the few operations the lab uses (`map`, `num_rows`, column
 * access) and HF's printed form, so notebook cells read like the seed (`dataset = dataset.map(...)`).
 *
 * Rows are plain objects. `map` hands the function a shallow copy of each row (so assigning a new
 * field never changes the source dataset) and builds a NEW dataset from the returned rows, like HF.
 * Arrays inside rows are shared between datasets: treat them as read-only.
 */
import { inspect } from "node:util";

/** The loosest row type: a record of named fields. */
export type DatasetRow = Record<string, unknown>;

/** Python's `repr` of a short str (enough for column names): single quotes unless the text has one. */
function pyRepr(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s}"`;
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** Indents every line after the first by `pad` (HF nests a Dataset's repr inside DatasetDict's). */
function indentTail(text: string, pad: string): string {
  return text.split("\n").join(`\n${pad}`);
}

export class Dataset<R extends object = DatasetRow> implements Iterable<R> {
  private readonly rows: readonly R[];
  /** Column names in order of first appearance (HF's `features` keys). */
  readonly features: readonly string[];

  /**
   * Wraps `rows` (not copied: the caller hands them over). `features` defaults to the union of the
   * rows' keys in first-seen order.
   */
  constructor(rows: readonly R[], features?: readonly string[]) {
    this.rows = rows;
    this.features = Object.freeze(features ? [...features] : Dataset.keysOf(rows));
  }

  private static keysOf(rows: readonly object[]): string[] {
    const seen = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
    return [...seen];
  }

  /** Number of rows. */
  get numRows(): number {
    return this.rows.length;
  }

  /** HF's spelling of `numRows`, so the seed's `dataset["train"].num_rows` check reads the same. */
  get num_rows(): number {
    return this.rows.length;
  }

  /** Same as `numRows` (array-like). */
  get length(): number {
    return this.rows.length;
  }

  /** Row `i` (HF's `ds[i]`); negative `i` counts from the end like Python. */
  row(i: number): R {
    const n = this.rows.length;
    const j = Number.isInteger(i) && i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new RangeError(`row index ${i} out of range for a Dataset with ${n} rows`);
    }
    return this.rows[j];
  }

  /** The values of one column, in row order (HF's `ds["all_tokens"]`). Unknown name -> Error. */
  column<K extends keyof R & string>(name: K): Array<R[K]> {
    this.requireColumn(name);
    const out = new Array<R[K]>(this.rows.length);
    for (let i = 0; i < this.rows.length; i++) out[i] = this.rows[i][name];
    return out;
  }

  /** Alias of `column`, mirroring `DatasetDict.get(split)`: `dataset.train.get("all_tokens")`. */
  get<K extends keyof R & string>(name: K): Array<R[K]> {
    return this.column(name);
  }

  /** Throws an Error naming `name` and the available columns if the dataset lacks it. */
  requireColumn(name: string): void {
    if (!this.features.includes(name)) {
      throw new Error(
        `Dataset has no column ${pyRepr(name)}; available columns: ${this.features.map(pyRepr).join(", ")}`,
      );
    }
  }

  /**
   * A new Dataset of `fn(row)` for every row, like HF's `dataset.map(fn)`: `fn` receives a mutable
   * shallow copy of the row and must return the row (it may add or overwrite fields).
   *
   * Like HF (`with_indices=False` by default) `fn` gets only the row: the lab's `windowizer(row,
   * wsize=3)` has a defaulted second parameter that an index would silently fill. Pass
   * `{ withIndices: true }` to receive `fn(row, index)`.
   */
  map<S extends object>(fn: (row: R) => S): Dataset<S>;
  map<S extends object>(fn: (row: R, index: number) => S, opts: { withIndices: true }): Dataset<S>;
  map<S extends object>(fn: (row: R, index: number) => S, opts: { withIndices?: boolean } = {}): Dataset<S> {
    const out = new Array<S>(this.rows.length);
    for (let i = 0; i < this.rows.length; i++) {
      const copy = { ...this.rows[i] };
      const r: unknown = opts.withIndices ? fn(copy, i) : (fn as (row: R) => S)(copy);
      if (r === null || typeof r !== "object") {
        throw new Error(
          `map: the function returned ${r === null ? "null" : typeof r} for row ${i}; ` +
            "it must return the row object (end it with `return row`)",
        );
      }
      out[i] = r as S;
    }
    return new Dataset(out);
  }

  /** The rows for which `pred` is true (HF's `filter`). */
  filter(pred: (row: R, index: number) => boolean): Dataset<R> {
    return new Dataset(
      this.rows.filter((r, i) => pred(r, i)),
      this.features,
    );
  }

  /** The rows at `indices`, in that order (HF's `select`). */
  select(indices: Iterable<number>): Dataset<R> {
    const out: R[] = [];
    for (const i of indices) out.push(this.row(i));
    return new Dataset(out, this.features);
  }

  /** Rows `[start, end)` with `Array.prototype.slice` semantics. */
  slice(start?: number, end?: number): Dataset<R> {
    return new Dataset(this.rows.slice(start, end), this.features);
  }

  [Symbol.iterator](): Iterator<R> {
    return this.rows[Symbol.iterator]();
  }

  /** HF's repr: `Dataset({\n    features: [...],\n    num_rows: N\n})`. */
  toString(): string {
    return (
      "Dataset({\n" +
      `    features: [${this.features.map(pyRepr).join(", ")}],\n` +
      `    num_rows: ${this.rows.length}\n` +
      "})"
    );
  }

  /** Notebook display (tslab prints values with `console.log`, which uses `util.inspect`). */
  [inspect.custom](): string {
    return this.toString();
  }
}

export class DatasetDict<R extends object = DatasetRow> {
  private readonly splits: ReadonlyMap<string, Dataset<R>>;

  constructor(splits: Record<string, Dataset<R>> | ReadonlyMap<string, Dataset<R>>) {
    this.splits = new Map(splits instanceof Map ? splits : Object.entries(splits));
  }

  /** Split names in insertion order (`train`, `test`). */
  keys(): string[] {
    return [...this.splits.keys()];
  }

  /** `dataset["train"]`; an unknown split -> Error naming it and the available splits. */
  get(split: string): Dataset<R> {
    const ds = this.splits.get(split);
    if (ds === undefined) {
      throw new Error(
        `DatasetDict has no split ${pyRepr(split)}; available splits: ${this.keys().map(pyRepr).join(", ")}`,
      );
    }
    return ds;
  }

  get train(): Dataset<R> {
    return this.get("train");
  }

  get test(): Dataset<R> {
    return this.get("test");
  }

  /** `fn` applied to every row of every split (HF's `DatasetDict.map`; see `Dataset.map`). */
  map<S extends object>(fn: (row: R) => S): DatasetDict<S>;
  map<S extends object>(fn: (row: R, index: number) => S, opts: { withIndices: true }): DatasetDict<S>;
  map<S extends object>(fn: (row: R, index: number) => S, opts: { withIndices?: boolean } = {}): DatasetDict<S> {
    const out = new Map<string, Dataset<S>>();
    for (const [name, ds] of this.splits)
      out.set(name, opts.withIndices ? ds.map(fn, { withIndices: true }) : ds.map(fn as (row: R) => S));
    return new DatasetDict(out);
  }

  /** Rows per split (HF's `num_rows` on a DatasetDict). */
  get num_rows(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, ds] of this.splits) out[name] = ds.numRows;
    return out;
  }

  /** HF's repr: `DatasetDict({\n    train: Dataset({...})\n    test: ...\n})`. */
  toString(): string {
    const parts = [...this.splits].map(([name, ds]) => `    ${name}: ${indentTail(ds.toString(), "    ")}`);
    return `DatasetDict({\n${parts.join("\n")}\n})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
