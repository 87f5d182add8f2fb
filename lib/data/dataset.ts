/**
 * A small in-memory stand-in for Hugging Face `datasets`: a `Dataset` of row records and a
 * `DatasetDict` of named splits, with the few operations the lab uses (`map`, `num_rows`, column
 * access) and HF's printed form, so notebook cells read like the original lab (`dataset = dataset.map(...)`).
 *
 * Rows are plain objects. `map` hands the function a shallow copy of each row (so assigning a new
 * field never changes the source dataset) and builds a NEW dataset from the returned rows, like HF.
 * Arrays inside rows are shared between datasets: treat them as read-only.
 *
 * A column whose every value is a list of integer pairs (the windowizer's `moving_window`) is kept
 * packed, as HF keeps every column in Arrow: each row access builds fresh `[a, b]` arrays, like HF's
 * `ds[i]`. Why: as JS arrays the tweets' 1.3M pairs are millions of small objects that every full GC
 * of the kernel marks again, for the rest of the notebook; packed they are one Int32Array.
 */
import { inspect } from "node:util";
import { pyStrRepr } from "../python/repr";

/** The loosest row type: a record of named fields. */
export type DatasetRow = Record<string, unknown>;

/** Indents every line after the first by `pad` (HF nests a Dataset's repr inside DatasetDict's). */
function indentTail(text: string, pad: string): string {
  return text.split("\n").join(`\n${pad}`);
}

/**
 * A packed column of integer-pair lists (Arrow's list<fixed_size_list<int32, 2>>): row r's pairs are
 * (values[2k], values[2k + 1]) for k in [offsets[r], offsets[r + 1]).
 */
export interface PairListColumn {
  readonly offsets: Int32Array;
  readonly values: Int32Array;
}

const isInt32 = (x: unknown): x is number => typeof x === "number" && (x | 0) === x && !Object.is(x, -0);

/** `name` packed if every row's value is a non-empty-overall list of int32 pairs, else undefined. */
function packPairLists(rows: readonly object[], name: string): PairListColumn | undefined {
  let total = 0;
  for (const r of rows) {
    const v = (r as Record<string, unknown>)[name];
    if (!Array.isArray(v)) return undefined;
    for (const p of v as unknown[]) if (!Array.isArray(p) || p.length !== 2 || !isInt32(p[0]) || !isInt32(p[1])) return undefined;
    total += v.length;
  }
  if (total === 0) return undefined;
  const offsets = new Int32Array(rows.length + 1);
  const values = new Int32Array(2 * total);
  let k = 0;
  rows.forEach((r, i) => {
    for (const [a, b] of (r as Record<string, Array<[number, number]>>)[name]!) {
      values[2 * k] = a;
      values[2 * k + 1] = b;
      k++;
    }
    offsets[i + 1] = k;
  });
  return { offsets, values };
}

function unpackPairs(col: PairListColumn, i: number): Array<[number, number]> {
  const { offsets, values } = col;
  const out = new Array<[number, number]>(offsets[i + 1]! - offsets[i]!);
  for (let k = offsets[i]!, j = 0; k < offsets[i + 1]!; k++, j++) out[j] = [values[2 * k]!, values[2 * k + 1]!];
  return out;
}

export class Dataset<R extends object = DatasetRow> implements Iterable<R> {
  /** The rows without their packed columns. */
  private readonly rows: readonly R[];
  private readonly packed: ReadonlyMap<string, PairListColumn>;
  /** Column names in order of first appearance (HF's `features` keys). */
  readonly features: readonly string[];

  /**
   * Wraps `rows` (not copied: the caller hands them over; columns that get packed are taken out of
   * shallow copies, the caller's objects are left as they are). `features` defaults to the union of
   * the rows' keys in first-seen order.
   */
  constructor(rows: readonly R[], features?: readonly string[]) {
    this.features = Object.freeze(features ? [...features] : Dataset.keysOf(rows));
    const packed = new Map<string, PairListColumn>();
    for (const f of this.features) {
      const col = packPairLists(rows, f);
      if (col) packed.set(f, col);
    }
    this.packed = packed;
    this.rows =
      packed.size === 0
        ? rows
        : rows.map((r) => {
            const copy = { ...r } as Record<string, unknown>;
            for (const f of packed.keys()) delete copy[f];
            return copy as R;
          });
  }

  /** Row `i` as the caller sees it (packed columns unpacked, fields in `features` order). */
  private rowAt(i: number): R {
    if (this.packed.size === 0) return this.rows[i]!;
    const base = this.rows[i] as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of this.features) {
      const col = this.packed.get(f);
      if (col) out[f] = unpackPairs(col, i);
      else if (f in base) out[f] = base[f];
    }
    for (const k of Object.keys(base)) if (!(k in out)) out[k] = base[k];
    return out as R;
  }

  /**
   * The packed form of a pair-list column (e.g. `moving_window`), or undefined if `name` is not
   * packed: lets Word2VecDataset read 1.3M pairs without building them as arrays.
   */
  pairList(name: string): PairListColumn | undefined {
    return this.packed.get(name);
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

  /** HF's spelling of `numRows`, so the original lab's `dataset["train"].num_rows` check reads the same. */
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
    return this.rowAt(j);
  }

  /** The values of one column, in row order (HF's `ds["all_tokens"]`). Unknown name -> Error. */
  column<K extends keyof R & string>(name: K): Array<R[K]> {
    this.requireColumn(name);
    const out = new Array<R[K]>(this.rows.length);
    const col = this.packed.get(name);
    for (let i = 0; i < this.rows.length; i++) out[i] = col ? (unpackPairs(col, i) as R[K]) : this.rows[i]![name];
    return out;
  }

  /** Alias of `column`, mirroring `DatasetDict.get(split)`: `dataset.train.get("all_tokens")`. */
  get<K extends keyof R & string>(name: K): Array<R[K]> {
    return this.column(name);
  }

  /** Throws an Error naming `name` and the available columns if the dataset lacks it. */
  requireColumn(name: string): void {
    if (!this.features.includes(name)) {
      throw new Error(`Dataset has no column ${pyStrRepr(name)}; available columns: ${this.features.map(pyStrRepr).join(", ")}`);
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
      const copy = this.packed.size === 0 ? { ...this.rows[i]! } : this.rowAt(i); // rowAt: already a fresh object
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
    const out: R[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const r = this.rowAt(i);
      if (pred(r, i)) out.push(r);
    }
    return new Dataset(out, this.features); // packs again
  }

  /** The rows at `indices`, in that order (HF's `select`). */
  select(indices: Iterable<number>): Dataset<R> {
    const out: R[] = [];
    for (const i of indices) out.push(this.row(i));
    return new Dataset(out, this.features);
  }

  /** Rows `[start, end)` with `Array.prototype.slice` semantics. */
  slice(start?: number, end?: number): Dataset<R> {
    const indices = [...this.rows.keys()].slice(start, end); // Array.prototype.slice's index rules
    return new Dataset(
      indices.map((i) => this.rowAt(i)),
      this.features,
    );
  }

  *[Symbol.iterator](): Iterator<R> {
    for (let i = 0; i < this.rows.length; i++) yield this.rowAt(i);
  }

  /** HF's repr: `Dataset({\n    features: [...],\n    num_rows: N\n})`. */
  toString(): string {
    return "Dataset({\n" + `    features: [${this.features.map(pyStrRepr).join(", ")}],\n` + `    num_rows: ${this.rows.length}\n` + "})";
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
      throw new Error(`DatasetDict has no split ${pyStrRepr(split)}; available splits: ${this.keys().map(pyStrRepr).join(", ")}`);
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
    for (const [name, ds] of this.splits) out.set(name, opts.withIndices ? ds.map(fn, { withIndices: true }) : ds.map(fn as (row: R) => S));
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
