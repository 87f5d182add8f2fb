/**
 * Translates the Python `re` patterns spaCy's language data is written in into JavaScript
 * `RegExp`s with the same meaning, so the rule tables can stay verbatim copies of spaCy's
 * (easy to audit against the Python source) instead of hand-edited JavaScript regexes.
 *
 * What differs between the two engines for the constructs spaCy uses, and how it is handled:
 * - `\U0001F300` (Python) -> `\u{1F300}` with the `u` flag (JavaScript has no `\U`).
 * - Python escapes any punctuation (`\!`, `\'`, `\+` in a class); JavaScript's `u` mode rejects
 *   escapes of non-syntax characters, so those lose the backslash (same character either way).
 * - `\w`, `\d`, `\s`, `\S` are Unicode-aware in Python 3 `str` patterns but ASCII-only (or a
 *   different whitespace set) in JavaScript: they become explicit Unicode classes.
 * - `$` in Python also matches before one trailing "\n"; it becomes `(?=\n?$)`.
 * - An inline `(?u)` (Python's default anyway) is dropped.
 * Anything else outside this subset throws, so a rule we did not anticipate fails loudly.
 */

/**
 * Characters for which Python's `str.isspace()` is true (Unicode White_Space minus U+180E, plus
 * the ASCII separators U+001C..U+001F). JavaScript's `\s` differs: it lacks U+001C..U+001F and
 * U+0085 and adds U+FEFF.
 */
export const PY_SPACE_CLASS = String.raw`\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const PY_SPACE_RE = new RegExp(`[${PY_SPACE_CLASS}]`, "u");

/** Python's `str.isspace()` for one character. */
export function isPySpace(ch: string): boolean {
  return PY_SPACE_RE.test(ch);
}

/** Python's `\w` for `str` patterns: letters, numbers, underscore. */
const WORD_IN_CLASS = String.raw`\p{L}\p{N}_`;
const JS_SYNTAX = new Set(["^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/"]);

/** Returns the JavaScript source (for the `u` flag) equivalent to a Python `re` pattern. */
export function pyRegexToJs(src: string): string {
  let out = "";
  let inClass = false;
  let i = 0;
  if (src.startsWith("(?u)")) i = 4;
  while (i < src.length) {
    const ch = src[i];
    if (ch === "\\") {
      const next = src[i + 1];
      if (next === undefined) throw new Error(`pyRegexToJs: trailing backslash in ${src}`);
      if (next === "U") {
        const hex = src.slice(i + 2, i + 10);
        if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new Error(`pyRegexToJs: bad \\U escape at ${i}`);
        out += `\\u{${parseInt(hex, 16).toString(16).toUpperCase()}}`;
        i += 10;
        continue;
      }
      if (next === "u") {
        const hex = src.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`pyRegexToJs: bad \\u escape at ${i}`);
        out += `\\u${hex}`;
        i += 6;
        continue;
      }
      if (next === "x") {
        out += src.slice(i, i + 4);
        i += 4;
        continue;
      }
      i += 2;
      switch (next) {
        case "w":
          out += inClass ? WORD_IN_CLASS : `[${WORD_IN_CLASS}]`;
          continue;
        case "d":
          out += String.raw`\p{Nd}`;
          continue;
        case "D":
          out += String.raw`\P{Nd}`;
          continue;
        case "s":
          out += inClass ? PY_SPACE_CLASS : `[${PY_SPACE_CLASS}]`;
          continue;
        case "S":
          if (inClass) throw new Error("pyRegexToJs: \\S inside a character class is not supported");
          out += `[^${PY_SPACE_CLASS}]`;
          continue;
        case "n":
        case "t":
        case "r":
        case "f":
        case "v":
          out += "\\" + next;
          continue;
      }
      if (/[0-9A-Za-z]/.test(next)) throw new Error(`pyRegexToJs: unsupported escape \\${next} in ${src.slice(0, 60)}`);
      if (JS_SYNTAX.has(next) || (inClass && next === "-")) out += "\\" + next;
      else out += next;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      out += ch;
      i += 1;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += ch;
      i += 1;
      if (src[i] === "^") {
        out += "^";
        i += 1;
      }
      if (src[i] === "]") throw new Error("pyRegexToJs: a leading ']' in a class is not supported");
      continue;
    }
    if (ch === "$") {
      out += String.raw`(?=\n?$)`;
      i += 1;
      continue;
    }
    if (ch === "(" && src[i + 1] === "?" && /[aiLmsux]/.test(src[i + 2] ?? "")) {
      throw new Error(`pyRegexToJs: inline flags are not supported (${src.slice(i, i + 6)})`);
    }
    out += ch;
    i += 1;
  }
  if (inClass) throw new Error("pyRegexToJs: unterminated character class");
  return out;
}

/** Compiles a Python `re` pattern into an equivalent JavaScript RegExp (flags: `u` + extra). */
export function compilePyRegex(src: string, extraFlags = ""): RegExp {
  return new RegExp(pyRegexToJs(src), "u" + extraFlags);
}
