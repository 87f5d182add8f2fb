// CPython float text conversions, bit-exact: `format(x, ".{p}e")`, `"%.{p}f" % x`, `repr(x)`,
// `float.hex`, `float.fromhex` and `float(str)`.
//
// Why hand-written: JS `toExponential`/`toFixed` round ties up (Python rounds half-even on the
// exact binary value) and write `e+6` where Python writes `e+06`; no npm package reproduces
// CPython's formatting or its fromhex grammar and error messages. Formatting uses the exact decimal
// expansion of the double (BigInt), so every rounding decision is made on the exact value.

import { expSuffix, nonFiniteRepr, pyFloatRepr, pyStrRepr } from "../../lib/python/repr";

// Python's repr of floats and str: one home in the library, re-exported under grading's names.
export { pyFloatRepr as pyRepr, pyStrRepr } from "../../lib/python/repr";

/** Python-style exceptions, so notebook users see the names they know from the Python lab. */
export class PyValueError extends Error {
  override name = "ValueError";
}
export class PyOverflowError extends Error {
  override name = "OverflowError";
}
export class PyTypeError extends Error {
  override name = "TypeError";
}

const view = new DataView(new ArrayBuffer(8));

interface Decomposed {
  negative: boolean;
  /** |x| = mantissa * 2^exp2 (mantissa is 0 only for zero). */
  mantissa: bigint;
  exp2: number;
}

function decompose(x: number): Decomposed {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { negative, mantissa: frac, exp2: -1074 };
  return { negative, mantissa: frac | (1n << 52n), exp2: biased - 1075 };
}

/** Exact decimal form of |x| (finite): |x| = digits * 10^exp10. */
function exactDecimal(x: number): { digits: bigint; exp10: number } {
  let { mantissa, exp2 } = decompose(x);
  if (mantissa === 0n) return { digits: 0n, exp10: 0 };
  while ((mantissa & 1n) === 0n && exp2 < 0) {
    mantissa >>= 1n;
    exp2++;
  }
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), exp10: 0 };
  // m / 2^k = m * 5^k / 10^k
  return { digits: mantissa * 5n ** BigInt(-exp2), exp10: exp2 };
}

/** Round the integer `n / 10^drop` half-to-even (drop >= 0). */
function roundHalfEven(n: bigint, drop: number): bigint {
  if (drop <= 0) return n * 10n ** BigInt(-drop);
  const p = 10n ** BigInt(drop);
  let q = n / p;
  const r = n % p;
  const twice = 2n * r;
  if (twice > p || (twice === p && (q & 1n) === 1n)) q += 1n;
  return q;
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** Python `format(x, f".{precision}e")` (also what `f"{x:1.5e}"` gives for precision 5). */
export function formatExp(x: number, precision: number): string {
  if (!Number.isInteger(precision) || precision < 0) throw new RangeError(`precision must be a non-negative integer, got ${precision}`);
  if (!Number.isFinite(x)) return nonFiniteRepr(x);
  const sign = isNegative(x) ? "-" : "";
  let digits: string;
  let sciExp: number;
  if (x === 0) {
    digits = "0".repeat(precision + 1);
    sciExp = 0;
  } else {
    const { digits: d, exp10 } = exactDecimal(x);
    const s = d.toString();
    sciExp = s.length - 1 + exp10;
    let q = roundHalfEven(d, s.length - (precision + 1));
    digits = q.toString();
    if (digits.length > precision + 1) {
      // carried into a new digit (9.99995 -> 10.0000): renormalise
      q /= 10n;
      digits = q.toString();
      sciExp++;
    }
  }
  const mant = precision > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return sign + mant + expSuffix(sciExp);
}

/** Python `"%.{precision}f" % x` / `format(x, f".{precision}f")`. */
export function formatFixed(x: number, precision: number): string {
  if (!Number.isInteger(precision) || precision < 0) throw new RangeError(`precision must be a non-negative integer, got ${precision}`);
  if (!Number.isFinite(x)) return nonFiniteRepr(x);
  const sign = isNegative(x) ? "-" : "";
  const { digits, exp10 } = exactDecimal(x);
  const q = roundHalfEven(digits, -(exp10 + precision));
  let s = q.toString();
  if (precision === 0) return sign + s;
  s = s.padStart(precision + 1, "0");
  return `${sign}${s.slice(0, -precision)}.${s.slice(-precision)}`;
}

/** CPython `float.hex(x)`: e.g. 3.0 -> '0x1.8000000000000p+1', 5e-324 -> '0x0.0000000000001p-1022'. */
export function floatHex(x: number): string {
  if (!Number.isFinite(x)) return pyFloatRepr(x);
  if (x === 0) return Object.is(x, -0) ? "-0x0.0p+0" : "0x0.0p+0";
  const { negative, mantissa, exp2 } = decompose(x);
  const sign = negative ? "-" : "";
  const subnormal = mantissa < 1n << 52n;
  const frac = (mantissa & ((1n << 52n) - 1n)).toString(16).padStart(13, "0");
  const e = subnormal ? -1022 : exp2 + 52;
  return `${sign}0x${subnormal ? "0" : "1"}.${frac}p${e < 0 ? "-" : "+"}${Math.abs(e)}`;
}

// ---------------------------------------------------------------------------------------------
// float.fromhex

const HEX_INVALID = "invalid hexadecimal floating-point string";
const HEX_OVERFLOW = "hexadecimal value too large to represent as a float";
/** Py_ISSPACE: the ASCII whitespace CPython's fromhex skips. */
const isPySpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
const hexValue = (c: string | undefined): number => (c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1);

/** Matches CPython's _Py_parse_inf_or_nan: [+-](inf|infinity|nan), case-insensitive. */
function parseInfOrNan(s: string, i: number): { value: number; end: number } | null {
  let j = i;
  let negate = false;
  if (s[j] === "-") {
    negate = true;
    j++;
  } else if (s[j] === "+") j++;
  const rest = s.slice(j, j + 8).toLowerCase();
  if (rest.startsWith("infinity")) return { value: negate ? -Infinity : Infinity, end: j + 8 };
  if (rest.startsWith("inf")) return { value: negate ? -Infinity : Infinity, end: j + 3 };
  if (rest.startsWith("nan")) return { value: NaN, end: j + 3 };
  return null;
}

/**
 * CPython `float.fromhex(s)`, bit-exact (round-half-even, subnormals, overflow), accepting every
 * form Python does: surrounding ASCII whitespace, optional sign, optional `0x`, optional integer
 * or fraction part (not both empty), optional `p` exponent, and inf/infinity/nan in any case.
 * Malformed input throws `ValueError: invalid hexadecimal floating-point string`; values too large
 * throw `OverflowError: hexadecimal value too large to represent as a float` (CPython's messages).
 */
export function floatFromHex(str: string): number {
  if (typeof str !== "string") {
    // CPython's own (terse) message for a non-str argument
    throw new PyTypeError("bad argument type for built-in operation");
  }
  const s = str;
  const n = s.length;
  let i = 0;
  while (isPySpace(s[i])) i++;
  let value: number;
  let negate = false;
  const special = parseInfOrNan(s, i);
  if (special !== null) {
    value = special.value;
    i = special.end;
  } else {
    if (s[i] === "-") {
      negate = true;
      i++;
    } else if (s[i] === "+") i++;
    if (s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X")) i += 2;
    // coefficient: <integer> [. <fraction>]
    let intDigits = "";
    while (hexValue(s[i]) >= 0) intDigits += s[i++];
    let fracDigits = "";
    if (s[i] === ".") {
      i++;
      while (hexValue(s[i]) >= 0) fracDigits += s[i++];
    }
    if (intDigits.length + fracDigits.length === 0) throw new PyValueError(HEX_INVALID);
    // [p <exponent>]
    let exp = 0n;
    if (s[i] === "p" || s[i] === "P") {
      i++;
      const start = i;
      if (s[i] === "-" || s[i] === "+") i++;
      if (!(s[i]! >= "0" && s[i]! <= "9")) throw new PyValueError(HEX_INVALID);
      while (s[i]! >= "0" && s[i]! <= "9") i++;
      exp = BigInt(s.slice(start, i));
    }
    value = hexToDouble(intDigits + fracDigits, fracDigits.length, exp);
  }
  while (isPySpace(s[i])) i++;
  if (i !== n) throw new PyValueError(HEX_INVALID);
  return negate ? -value : value;
}

// CPython parses the exponent with strtol into a C long (64-bit on Linux): it saturates.
const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

/** Round hex coefficient `digits` * 16^-fdigits * 2^exp to a double, half-even, like CPython. */
function hexToDouble(digits: string, fdigits: number, expIn: bigint): number {
  let exp = expIn > LONG_MAX ? LONG_MAX : expIn < LONG_MIN ? LONG_MIN : expIn;
  const coeff = BigInt("0x" + digits);
  if (coeff === 0n || exp < LONG_MIN / 2n) return 0;
  if (exp > LONG_MAX / 2n) throw new PyOverflowError(HEX_OVERFLOW);
  exp -= 4n * BigInt(fdigits);
  // value = coeff * 2^exp; bits = position of the top bit + 1
  const bits = BigInt(coeff.toString(2).length);
  const topExp = exp + bits; // value in [2^(topExp-1), 2^topExp)
  if (topExp < -1021n - 53n) return 0; // below half the smallest subnormal
  if (topExp > 1024n) throw new PyOverflowError(HEX_OVERFLOW);
  // lsb: exponent of the least significant bit kept (53 bits, or fewer when subnormal)
  const lsb = (topExp > -1021n ? topExp : -1021n) - 53n;
  let m: bigint;
  if (exp >= lsb) {
    m = coeff;
  } else {
    const drop = lsb - exp;
    m = coeff >> drop;
    const rem = coeff & ((1n << drop) - 1n);
    const half = 1n << (drop - 1n);
    if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
    exp = lsb;
  }
  // m * 2^exp with m < 2^54 (2^53 after a carry) and exp >= -1074: exact in binary64 unless it overflows.
  if (m >= 1n << 53n && exp + 54n > 1024n) throw new PyOverflowError(HEX_OVERFLOW);
  return ldexp(Number(m), Number(exp));
}

/** m * 2^e exactly (m an integer < 2^54, result representable or overflowing to inf). */
function ldexp(m: number, e: number): number {
  // split the scaling so that no intermediate power of two under/overflows
  let x = m;
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

// ---------------------------------------------------------------------------------------------
// float(x)

/** Python type name of a JS value, for TypeError messages. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "bigint") return "int";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

/** A Unicode decimal digit's value: Nd digits come in contiguous, aligned runs of 0..9. */
function decimalDigitValue(cp: number): number {
  let start = cp;
  while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

const PY_SPACE = "[\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const PY_FLOAT_SPACE_EDGES = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, "g");
const FLOAT_SYNTAX = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const INF_NAN_SYNTAX = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * Python `float(s)` for a str: Unicode whitespace and decimal digits allowed, `_` only between
 * digits, inf/infinity/nan in any case. Malformed text throws CPython's ValueError message.
 */
export function floatFromString(s: string): number {
  const fail = (): never => {
    throw new PyValueError(`could not convert string to float: ${pyStrRepr(s)}`);
  };
  // CPython maps non-ASCII whitespace to ' ' and Unicode decimal digits to ASCII, then strips
  // ASCII whitespace (\x1c-\x1f and U+FEFF are not stripped).
  const trimmed = s.replace(PY_FLOAT_SPACE_EDGES, "");
  let ascii = "";
  for (const ch of trimmed) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) ascii += ch;
    else if (/\p{Nd}/u.test(ch)) ascii += String(decimalDigitValue(cp));
    else fail();
  }
  const special = INF_NAN_SYNTAX.exec(ascii);
  if (special !== null) {
    if (special[2]!.toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!FLOAT_SYNTAX.test(ascii)) fail();
  // The grammar is now a plain decimal literal, which JS parses with correct rounding like CPython.
  return Number(ascii.replace(/_/g, ""));
}
