/**
 * Python-style printing for the notebook: the seed prints `vars(train_data.examples[0])`, which
 * Python shows as `{'src': ['.', 'büsche', ...], 'trg': [...]}`. `vars()` here returns a plain
 * copy of the object's fields that prints (console.log, tslab display, String()) the same way.
 */
import { inspect } from "node:util";

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

/** Python's `str.isprintable()` for one character: not in categories C* or Z*, except ' '. */
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;
function isPyPrintable(ch: string): boolean {
  return ch === " " || !NON_PRINTABLE.test(ch);
}

/** Python's `repr` for the values the lab prints: str, int/float, bool, None, list, dict. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "string") return pyStrRepr(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(value); // ints print alike; floats are not used here
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

/** A plain record that prints like a Python dict. */
export type PyDict<T extends object> = T & { toString(): string };

/** Python's `vars(obj)`: the object's own fields, printed like a Python dict. */
export function vars<T extends object>(obj: T): PyDict<{ [K in keyof T]: T[K] }> {
  const copy = { ...obj } as { [K in keyof T]: T[K] };
  const text = (): string => pyRepr(copy);
  Object.defineProperty(copy, "toString", { value: text, enumerable: false });
  Object.defineProperty(copy, inspect.custom, { value: text, enumerable: false });
  return copy as PyDict<{ [K in keyof T]: T[K] }>;
}
