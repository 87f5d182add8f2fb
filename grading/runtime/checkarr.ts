// jhwutils.checkarr (johnhw/jhwutils) in TypeScript, bit-compatible with the Python original:
//   check_scalar(x, h)  crc32 of f"{x:1.5e}" (also of x ± 1e-6·x), compared to the hex string h
//   check_string(s, h)  crc32 of the UTF-8 of s.lower()
//   array_hash(arr)     (shape, nansum of nanmax, nanmin, nanmean, nanmedian, nanstd, nansum,
//                        nansum(flat * arange))
//   check_hash(arr, t)  shape equal and stat within rtol = atol = 1e-5 of t
//
// Like jhwutils, a failed check prints a line with `print` semantics (console.log, i.e. the cell's
// stdout stream) and returns false: "Warning: Got 3.08400e+03 -> 0x..., expected 0x...". Inputs
// Python would crash on (a string or an object to check_scalar, a ragged array to check_hash, ...)
// also print a "Warning: Got ..." line naming the problem and return false, so a bad answer costs
// the marks of its check instead of breaking the notebook.
//
// Differences from jhwutils that JS forces (documented, deliberate):
//  - JS has no tuples: an expected shape is compared element by element (Python's tuple == list
//    would be False).
//  - number[] whose entries are all safe integers is treated as NumPy int64 (what np.array does
//    with a list of Python ints); any other number makes it float64. Float32Array and float32
//    tensors are float32, integer typed arrays and int32/bool tensors are int64.

import { crc32 } from "node:zlib";
import type * as tf from "@tensorflow/tfjs-core";
import { formatExp, pyRepr, pyStrRepr, pyTypeName } from "./pyfloat";
import { hasLoneSurrogate, pythonLower } from "./pystr";
import { arrayHashStats, combineStats, type NumericArray, type NumericKind } from "./numpy-stats";

/** What jhwutils' `print` writes to; swappable for tests and tools (default console.log). */
export type WarningSink = (line: string) => void;
let warningSink: WarningSink = (line) => console.log(line);

/** Redirect the warning lines checks print (pass null to restore console.log). Returns the previous sink. */
export function setWarningSink(sink: WarningSink | null): WarningSink {
  const prev = warningSink;
  warningSink = sink ?? ((line) => console.log(line));
  return prev;
}

function warn(line: string): void {
  warningSink(line);
}

/** Python's hex(crc32(bytes)): lower-case, no zero padding. */
function crcHex(data: string | Uint8Array): string {
  return "0x" + crc32(data).toString(16);
}

/** A tf.Tensor, recognised structurally so that another copy of tfjs-core works too. */
function isTensorLike(v: unknown): v is tf.Tensor {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { dataSync?: unknown }).dataSync === "function" &&
    Array.isArray((v as { shape?: unknown }).shape) &&
    typeof (v as { dtype?: unknown }).dtype === "string"
  );
}

/** Short description of a bad value for warning lines. */
function describe(v: unknown): string {
  if (typeof v === "string") return pyStrRepr(v);
  if (typeof v === "number") return Number.isSafeInteger(v) ? String(v) : pyRepr(v);
  if (typeof v === "bigint") return v.toString();
  if (isTensorLike(v)) return `tensor of shape [${v.shape.join(", ")}]`;
  if (Array.isArray(v)) return `list of length ${v.length}`;
  return `${String(v)} (${pyTypeName(v)})`;
}

// ---------------------------------------------------------------------------------------------
// check_scalar

/** Convert what Python's f"{x:1.5e}" accepts (int, float, bool, 0-d tensor) to a double, or explain why not. */
function scalarValue(x: unknown): { value: number } | { problem: string } {
  if (typeof x === "number") return { value: x };
  if (typeof x === "boolean") return { value: x ? 1 : 0 };
  if (typeof x === "bigint") {
    const v = Number(x);
    return Number.isFinite(v) ? { value: v } : { problem: "int too large to convert to float" };
  }
  if (isTensorLike(x)) {
    if (x.size !== 1) return { problem: `not a scalar (tensor of shape [${x.shape.join(", ")}])` };
    if (x.dtype === "string" || x.dtype === "complex64") return { problem: `not a number (tensor of dtype ${x.dtype})` };
    return { value: Number(x.dataSync()[0]) };
  }
  return { problem: "not a number" };
}

/** jhwutils `_check_scalar`: hex crc32 of f"{x:1.{tol}e}". */
export function scalarHash(x: number, tol = 5): string {
  return crcHex(formatExp(x, tol));
}

/** Python's `10 ** (-tol)` (a float for tol > 0, an exact int otherwise). */
function tenToMinus(tol: number): number {
  return tol > 0 ? Number(`1e-${tol}`) : Number(`1e${-tol}`);
}

/**
 * jhwutils `check_scalar(x, h, tol=5)`: true when crc32(f"{x:1.5e}") (or the same of x ± 1e-6·x)
 * equals `hash`. NaN and ±Infinity are hashed as Python formats them ('nan', 'inf', '-inf'),
 * exactly like jhwutils; a non-number prints a warning and gives false.
 */
export function checkScalar(x: unknown, hash: string, tol = 5): boolean {
  const v = scalarValue(x);
  if ("problem" in v) {
    warn(`Warning: Got ${describe(x)} -> ${v.problem}, expected ${String(hash)}`);
    return false;
  }
  const value = v.value;
  const offset = tenToMinus(tol) * value * 0.1;
  const ctr = scalarHash(value, tol);
  const abv = scalarHash(value + offset, tol);
  const blw = scalarHash(value - offset, tol);
  if (hash !== ctr && hash !== abv && hash !== blw) {
    warn(`Warning: Got ${formatExp(value, 5)} -> ${ctr}, expected ${String(hash)}`);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// check_string

/** crc32 of the UTF-8 of Python's s.lower(), as jhwutils' check_string computes it. */
export function stringHash(s: string): string {
  return crcHex(Buffer.from(pythonLower(s), "utf8"));
}

/** jhwutils `check_string(s, h)`: crc32 of the UTF-8 of Python's `s.lower()` equals `hash`. */
export function checkString(s: unknown, hash: string): boolean {
  if (typeof s !== "string") {
    warn(`Warning: Got ${describe(s)} -> not a string, expected ${String(hash)}`);
    return false;
  }
  if (hasLoneSurrogate(s)) {
    // Python cannot UTF-8 encode it (UnicodeEncodeError)
    warn(`Warning: Got ${s} -> contains an unpaired surrogate (not valid UTF-8), expected ${String(hash)}`);
    return false;
  }
  const got = stringHash(s);
  if (got !== hash) warn(`Warning: Got ${s} -> ${got}, expected ${String(hash)}`);
  return got === hash;
}

// ---------------------------------------------------------------------------------------------
// array_hash / check_hash

type TypedNumeric =
  Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint8ClampedArray | Uint16Array | Uint32Array;

/** A nested list of numbers/booleans (any depth). */
export type NestedNumbers = ReadonlyArray<number | boolean | NestedNumbers | TypedNumeric>;

/** Everything array_hash accepts: a number, nested arrays, typed arrays, or a tf.Tensor. */
export type ArrayInput = number | boolean | NestedNumbers | TypedNumeric | tf.Tensor;

/** (shape, stat) like jhwutils' array_hash tuple. */
export type ArrayHash = [shape: number[], stat: number];

function typedKind(a: TypedNumeric): NumericKind {
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Float32Array) return "float32";
  return "int64";
}

/** Width class for NumPy promotion of float32 with integers (int8/16 keep float32). */
function isSmallInt(a: TypedNumeric): boolean {
  return (
    a instanceof Int8Array ||
    a instanceof Int16Array ||
    a instanceof Uint8Array ||
    a instanceof Uint8ClampedArray ||
    a instanceof Uint16Array
  );
}

function isTypedNumeric(v: unknown): v is TypedNumeric {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}

class ArrayInputError extends Error {
  override name = "ValueError";
}

/** np.array(x) for our inputs: shape, NumPy dtype category and C-order data. */
export function toNumericArray(x: unknown, shape?: readonly number[]): NumericArray {
  let result: NumericArray;
  if (isTensorLike(x)) {
    if (x.dtype === "string" || x.dtype === "complex64") throw new ArrayInputError(`unsupported tensor dtype ${x.dtype}`);
    const kind: NumericKind = x.dtype === "float32" ? "float32" : "int64";
    result = { shape: [...x.shape], kind, data: Float64Array.from(x.dataSync() as ArrayLike<number>) };
  } else if (isTypedNumeric(x)) {
    result = { shape: [x.length], kind: typedKind(x), data: Float64Array.from(x) };
  } else if (typeof x === "number" || typeof x === "boolean") {
    const v = typeof x === "boolean" ? Number(x) : x;
    result = { shape: [], kind: Number.isSafeInteger(v) || typeof x === "boolean" ? "int64" : "float64", data: Float64Array.of(v) };
  } else if (Array.isArray(x)) {
    result = fromNested(x as NestedNumbers);
  } else if (ArrayBuffer.isView(x)) {
    throw new ArrayInputError(`unsupported array type ${(x as object).constructor.name}`);
  } else {
    throw new ArrayInputError(`not an array of numbers: ${describe(x)}`);
  }
  if (shape !== undefined) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0) || size !== result.data.length) {
      throw new ArrayInputError(`cannot reshape array of size ${result.data.length} into shape ${pyTuple(shape)}`);
    }
    result = { ...result, shape: [...shape] };
  }
  return result;
}

function fromNested(root: NestedNumbers): NumericArray {
  const shape: number[] = [];
  // shape from the first element at each depth, then validated on the walk
  let probe: unknown = root;
  while (Array.isArray(probe) || isTypedNumeric(probe)) {
    shape.push((probe as ArrayLike<unknown>).length);
    if (isTypedNumeric(probe) || (probe as unknown[]).length === 0) break;
    probe = (probe as unknown[])[0];
  }
  const values: number[] = [];
  let anyFloat = false; // a plain number that is not a safe integer
  let anyF64Typed = false;
  let anyF32 = false;
  let anyWideInt = false; // plain ints (int64) or int32/uint32 arrays: promote float32 to float64
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof node === "boolean") values.push(node ? 1 : 0);
      else if (typeof node === "number") {
        values.push(node);
        if (Number.isSafeInteger(node)) anyWideInt = true;
        else anyFloat = true;
      } else {
        throw new ArrayInputError(
          Array.isArray(node) || isTypedNumeric(node)
            ? `setting an array element with a sequence: the nested lists are ragged (expected shape ${pyTuple(shape)})`
            : `array elements must be numbers, got ${describe(node)}`,
        );
      }
      return;
    }
    if (isTypedNumeric(node)) {
      if (depth !== shape.length - 1 || node.length !== shape[depth]) {
        throw new ArrayInputError(`inhomogeneous shape: expected ${pyTuple(shape)}`);
      }
      const k = typedKind(node);
      if (k === "float64") anyF64Typed = true;
      else if (k === "float32") anyF32 = true;
      else if (!isSmallInt(node)) anyWideInt = true;
      for (let i = 0; i < node.length; i++) values.push(node[i]!);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new ArrayInputError(`setting an array element with a sequence: the nested lists are ragged (expected shape ${pyTuple(shape)})`);
    }
    for (const child of node) walk(child, depth + 1);
  };
  walk(root, 0);
  let kind: NumericKind;
  if (anyFloat || anyF64Typed) kind = "float64";
  else if (anyF32) kind = anyWideInt ? "float64" : "float32";
  else kind = "int64";
  return { shape, kind, data: Float64Array.from(values) };
}

/** Python's repr of a shape tuple: (), (5,), (3, 4). */
function pyTuple(shape: readonly unknown[]): string {
  if (shape.length === 1) return `(${String(shape[0])},)`;
  return `(${shape.map(String).join(", ")})`;
}

/**
 * jhwutils `array_hash(arr)`: `[shape, stat]` where stat is the nansum of nanmax, nanmin,
 * nanmean, nanmedian, nanstd, nansum and nansum(flat * arange(n)), with NumPy's float64 /
 * float32 / int64 semantics. `shape` reshapes a flat input (e.g. a tensor's dataSync()).
 * Throws ValueError for an empty array (NumPy's nanmax does) or input that is not numeric.
 */
export function arrayHash(arr: ArrayInput, shape?: readonly number[]): ArrayHash {
  const a = toNumericArray(arr, shape);
  return [[...a.shape], combineStats(arrayHashStats(a))];
}

/** jhwutils `strict_array_hash`: array_hash of mean over axes k of (index_k * arr). */
export function strictArrayHash(arr: ArrayInput, shape?: readonly number[]): ArrayHash {
  const a = toNumericArray(arr, shape);
  const d = a.shape.length;
  const n = a.data.length;
  if (d === 0) {
    // np.mean of an empty list is nan; array_hash(nan) sums only nansum terms (0)
    return [[], combineStats(arrayHashStats({ shape: [], kind: "float64", data: Float64Array.of(NaN) }))];
  }
  // index_k * arr: int64 * int64 stays exact (then cast to float64 by mean), otherwise float64
  const strides: number[] = new Array<number>(d);
  let s = 1;
  for (let k = d - 1; k >= 0; k--) {
    strides[k] = s;
    s *= a.shape[k]!;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = 0; k < d; k++) {
      const idx = Math.floor(i / strides[k]!) % a.shape[k]!;
      acc += idx * a.data[i]!;
    }
    out[i] = acc / d;
  }
  return [[...a.shape], combineStats(arrayHashStats({ shape: a.shape, kind: "float64", data: out }))];
}

/** numpy.isclose(a, b, rtol, atol) for scalars (b is the reference). */
function isClose(a: number, b: number, rtol: number, atol: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(b) || Number.isNaN(a)) return false;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

export interface CheckHashOptions {
  /** Use jhwutils' strict_array_hash (index-weighted) instead of array_hash. */
  strict?: boolean;
}

/**
 * jhwutils `check_hash(arr, (shape, stat))`: the shape matches exactly and the stat agrees
 * within rtol = atol = 1e-5. On a mismatch it prints, like jhwutils,
 * "Got hash (3, 4), 12.5 but expected (3, 4), 13.0" and returns false; an input that cannot be
 * hashed prints a warning naming the problem and returns false.
 */
export function checkHash(arr: ArrayInput | unknown, test: readonly [readonly number[], number], opts: CheckHashOptions = {}): boolean {
  const [expShape, expStat] = Array.isArray(test) ? test : [undefined, undefined];
  let got: ArrayHash;
  try {
    got = (opts.strict ? strictArrayHash : arrayHash)(arr as ArrayInput);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    warn(`Warning: Got ${describe(arr)} -> ${msg}, expected ${pyTuple(expShape ?? [])}, ${String(expStat)}`);
    return false;
  }
  const [sh, stats] = got;
  const shapeOk = Array.isArray(expShape) && expShape.length === sh.length && sh.every((d, i) => d === expShape[i]);
  const ok = shapeOk && typeof expStat === "number" && isClose(stats, expStat, 1e-5, 1e-5);
  if (!ok) {
    const expStatText = typeof expStat === "number" ? pyRepr(expStat) : String(expStat);
    const expShapeText = Array.isArray(expShape) ? pyTuple(expShape) : String(expShape);
    warn(`Got hash ${pyTuple(sh)}, ${pyRepr(stats)} but expected ${expShapeText}, ${expStatText}`);
  }
  return ok;
}

// Snake-case names, as the Python lab imports them.
export {
  checkScalar as check_scalar,
  checkString as check_string,
  arrayHash as array_hash,
  checkHash as check_hash,
  strictArrayHash as strict_array_hash,
  scalarHash as _check_scalar,
};
