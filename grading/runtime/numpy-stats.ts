// NumPy's nan-aware statistics as jhwutils' array_hash uses them, reproduced operation by operation
// so that results match NumPy 2.x bit for bit (float64, float32 and integer arrays).
//
// Why hand-written: no JS library reproduces NumPy's summation order (pairwise, 8 accumulators,
// blocks of 128), its float32 accumulation, or its integer -> float64 casts, and check_hash
// compares against values NumPy produced. Measured facts this file relies on (numpy 2.4.6 vs
// 1.24.2, see test/grading/fixtures/gen_numpy_stats.py):
//  - a float reduction without a dtype cast is one pairwise sum over the whole array (numpy 2);
//    numpy 1.x splits it into 8192-element buffer chunks (ulp-level differences above 8192
//    elements, far inside check_hash's 1e-5 tolerance);
//  - a reduction that casts (integer data summed as float64, for mean/var) is chunked by 8192
//    elements in both versions;
//  - float32 data is accumulated in float32; float32 * arange(int64) is float64.

import { PyValueError } from "./pyfloat";

/** NumPy dtype category that decides how each statistic is computed. */
export type NumericKind = "float64" | "float32" | "int64";

export interface NumericArray {
  readonly shape: readonly number[];
  readonly kind: NumericKind;
  /** Row-major (C order) values; float32 data holds exact float32 values. */
  readonly data: Float64Array;
}

const PW_BLOCKSIZE = 128;
const BUFSIZE = 8192;

/** NumPy's @TYPE@_pairwise_sum for float64. */
function pairwise64(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[start]!,
      r1 = a[start + 1]!,
      r2 = a[start + 2]!,
      r3 = a[start + 3]!;
    let r4 = a[start + 4]!,
      r5 = a[start + 5]!,
      r6 = a[start + 6]!,
      r7 = a[start + 7]!;
    let i = 8;
    const end = n - (n % 8);
    for (; i < end; i += 8) {
      const p = start + i;
      r0 += a[p]!;
      r1 += a[p + 1]!;
      r2 += a[p + 2]!;
      r3 += a[p + 3]!;
      r4 += a[p + 4]!;
      r5 += a[p + 5]!;
      r6 += a[p + 6]!;
      r7 += a[p + 7]!;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise64(a, start, n2) + pairwise64(a, start + n2, n - n2);
}

/** The same algorithm with float32 accumulators (every operation rounded to float32). */
function pairwise32(a: Float64Array, start: number, n: number): number {
  const f = Math.fround;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + a[start + i]!);
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => a[start + k]!);
    let i = 8;
    const end = n - (n % 8);
    for (; i < end; i += 8) {
      for (let k = 0; k < 8; k++) r[k] = f(r[k]! + a[start + i + k]!);
    }
    let res = f(f(f(r[0]! + r[1]!) + f(r[2]! + r[3]!)) + f(f(r[4]! + r[5]!) + f(r[6]! + r[7]!)));
    for (; i < n; i++) res = f(res + a[start + i]!);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwise32(a, start, n2) + pairwise32(a, start + n2, n - n2));
}

/** np.add.reduce without a cast: identity 0 plus one pairwise sum. */
function sumNoCast(a: Float64Array, float32: boolean): number {
  return float32 ? Math.fround(0 + pairwise32(a, 0, a.length)) : 0 + pairwise64(a, 0, a.length);
}

/** np.add.reduce(int array, dtype=float64): the cast goes through 8192-element buffers. */
function sumCastToFloat64(a: Float64Array): number {
  let acc = 0;
  for (let s = 0; s < a.length; s += BUFSIZE) acc += pairwise64(a, s, Math.min(BUFSIZE, a.length - s));
  return acc;
}

const TWO_52 = 2 ** 52;

/** Exact sum of safe-integer data, wrapped to int64 like NumPy, returned as float64. */
function int64Sum(data: Float64Array): number {
  let big = 0n;
  let acc = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Math.abs(v) >= TWO_52) big += BigInt(v);
    else {
      acc += v; // |acc| < 2^52 and |v| < 2^52: exact
      if (Math.abs(acc) >= TWO_52) {
        big += BigInt(acc);
        acc = 0;
      }
    }
  }
  big += BigInt(acc);
  return Number(BigInt.asIntN(64, big));
}

/** Sum over i of data[i] * i in int64 arithmetic (exact, then wrapped), as float64. */
function int64WeightedSum(data: Float64Array): number {
  let big = 0n;
  let acc = 0;
  for (let i = 0; i < data.length; i++) {
    const t = data[i]! * i; // exact when |t| < 2^52
    if (Math.abs(t) < TWO_52) {
      acc += t;
      if (Math.abs(acc) >= TWO_52) {
        big += BigInt(acc);
        acc = 0;
      }
    } else {
      big += BigInt(data[i]!) * BigInt(i);
    }
  }
  big += BigInt(acc);
  return Number(BigInt.asIntN(64, big));
}

/** The seven statistics of jhwutils.checkarr.array_hash, in its order. */
export interface ArrayHashStats {
  nanmax: number;
  nanmin: number;
  nanmean: number;
  nanmedian: number;
  nanstd: number;
  nansum: number;
  weightedNansum: number;
}

function nanExtremes(a: Float64Array): [number, number] {
  let max = NaN;
  let min = NaN;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (Number.isNaN(v)) continue;
    if (!(v <= max)) max = v; // also replaces the initial NaN
    if (!(v >= min)) min = v;
  }
  return [max, min];
}

/** a with NaN replaced by 0 (NumPy's _replace_nan), and the count of non-NaN entries. */
function replaceNan(a: Float64Array): { filled: Float64Array; count: number; mask: Uint8Array } {
  const filled = new Float64Array(a.length);
  const mask = new Uint8Array(a.length);
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (Number.isNaN(v)) mask[i] = 1;
    else {
      filled[i] = v;
      count++;
    }
  }
  return { filled, count, mask };
}

function median(a: Float64Array, kind: NumericKind): number {
  // TypedArray#sort orders numerically and puts NaN last (and is much faster than filter+sort)
  const vals = Float64Array.from(a).sort();
  let n = vals.length;
  while (n > 0 && Number.isNaN(vals[n - 1]!)) n--;
  if (n === 0) return NaN;
  const mid = n >> 1;
  // np.median takes np.mean of the middle one or two elements: a sum starting from the
  // reduction identity +0 (so -0.0 comes out as 0.0), divided by the count
  if (n % 2 === 1) return 0 + vals[mid]!;
  const lo = vals[mid - 1]!;
  const hi = vals[mid]!;
  return kind === "float32" ? Math.fround(Math.fround(0 + lo + hi) / 2) : (0 + lo + hi) / 2;
}

/** np.nanstd with ddof = 0. */
function nanStd(a: Float64Array, kind: NumericKind): number {
  const f32 = kind === "float32";
  const round = f32 ? Math.fround : (x: number) => x;
  let filled: Float64Array;
  let count: number;
  let mask: Uint8Array | null;
  let mean: number;
  if (kind === "int64") {
    // np.var on an integer array: float64 mean through a casting (chunked) sum
    filled = a;
    count = a.length;
    mask = null;
    mean = sumCastToFloat64(a) / count;
  } else {
    ({ filled, count, mask } = replaceNan(a));
    mean = round(sumNoCast(filled, f32) / count);
  }
  const sq = new Float64Array(filled.length);
  for (let i = 0; i < filled.length; i++) {
    if (mask !== null && mask[i] === 1) continue; // _copyto(arr, 0, mask)
    const d = round(filled[i]! - mean);
    sq[i] = round(d * d);
  }
  const variance = count <= 0 ? NaN : round(sumNoCast(sq, f32) / count);
  return round(Math.sqrt(variance));
}

/** The seven array_hash statistics, computed with NumPy's semantics for `kind`. */
export function arrayHashStats(arr: NumericArray): ArrayHashStats {
  const { data, kind } = arr;
  const n = data.length;
  if (n === 0) throw new PyValueError("zero-size array to reduction operation fmax which has no identity");
  const [nanmax, nanmin] = nanExtremes(data);
  let nanmean: number;
  let nansum: number;
  let weightedNansum: number;
  if (kind === "int64") {
    nanmean = sumCastToFloat64(data) / n;
    nansum = int64Sum(data);
    weightedNansum = int64WeightedSum(data);
  } else {
    const f32 = kind === "float32";
    const { filled, count } = replaceNan(data);
    nansum = sumNoCast(filled, f32);
    nanmean = f32 ? Math.fround(nansum / count) : nansum / count;
    // flat * arange(n) is float64 for float32 and float64 data; nansum then skips NaN products
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = data[i]! * i;
      w[i] = Number.isNaN(p) ? 0 : p;
    }
    weightedNansum = sumNoCast(w, false);
  }
  return {
    nanmax,
    nanmin,
    nanmean,
    nanmedian: median(data, kind),
    nanstd: nanStd(data, kind),
    nansum,
    weightedNansum,
  };
}

/** np.nansum of the seven statistics (a float64 array of 7: a plain left-to-right sum). */
export function combineStats(s: ArrayHashStats): number {
  const order = [s.nanmax, s.nanmin, s.nanmean, s.nanmedian, s.nanstd, s.nansum, s.weightedNansum];
  let total = 0;
  for (const v of order) total += Number.isNaN(v) ? 0 : v;
  return total;
}
