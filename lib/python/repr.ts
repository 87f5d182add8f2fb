/**
 * Python's `repr` for the values the lab prints: str, int/float, bool, None, list, dict. The one home
 * of these rules: torchtext's `vars()`, the datasets' printed form and grading's messages use them.
 */

/** `repr` of a non-finite float: nan, inf, -inf. */
export function nonFiniteRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  return x > 0 ? "inf" : "-inf";
}

/** CPython's exponent: at least two digits, with a sign (`e-05`, `e+16`). */
export function expSuffix(e: number): string {
  const a = Math.abs(e);
  return (e < 0 ? "e-" : "e+") + (a < 10 ? "0" : "") + String(a);
}

/** Python `repr(x)` for a float (shortest round-trip digits, CPython's layout). */
export function pyFloatRepr(x: number): string {
  if (!Number.isFinite(x)) return nonFiniteRepr(x);
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // JS and CPython both pick the shortest digit string that round-trips, closest to x.
  const m = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
  if (m === null) throw new Error(`unexpected toExponential output for ${x}`);
  const digits = m[1]! + (m[2] ?? "");
  const sciExp = Number(m[3]);
  const sign = x < 0 ? "-" : "";
  const decpt = sciExp + 1;
  if (decpt <= -4 || decpt > 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return sign + mant + expSuffix(sciExp);
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** Python's `str.isprintable()` for one character: not in categories C* or Z*, except ' '. */
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;
function isPyPrintable(ch: string): boolean {
  return ch === " " || !NON_PRINTABLE.test(ch);
}

/** Python's `repr(str)`: single quotes unless the text has ' and no ", escapes like CPython. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (!isPyPrintable(ch)) {
      if (cp < 0x100) out += "\\x" + cp.toString(16).padStart(2, "0");
      else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
      else out += "\\U" + cp.toString(16).padStart(8, "0");
    } else out += ch;
  }
  return out + quote;
}

/**
 * Python's `repr` of a JS value: str, number (an integer prints as a Python int, any other number
 * as a float), bool, null/undefined (None), arrays and typed arrays (list), plain objects (dict).
 */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "string") return pyStrRepr(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return Number.isSafeInteger(value) ? String(value) : pyFloatRepr(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return "[" + Array.from(value as ArrayLike<unknown>, (v) => pyRepr(v)).join(", ") + "]";
  }
  if (typeof value === "object") {
    return (
      "{" +
      Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`)
        .join(", ") +
      "}"
    );
  }
  return String(value);
}
