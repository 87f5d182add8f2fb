// CPython's `str.lower()`, exactly, for jhwutils' check_string.
//
// Why not `String.prototype.toLowerCase`: it follows the Unicode version of Node's ICU (17.0 in
// Node 20.20) while CPython 3.11-3.13 use Unicode 14-15.1. Measured against CPython 3.11 over every
// code point: 55 code points lower-case differently (letters added in Unicode 16/17, e.g. U+A7CB,
// the Garay script) and 307 differ in the Final_Sigma context (Cased / Case_Ignorable changed,
// e.g. U+0295). The mapping and both properties therefore come from CPython itself, through
// the generated table in ./unicode/python-lower-table.ts (see gen_python_lower.py there).

import { CASED_RANGES, CASE_IGNORABLE_RANGES, LOWER_MULTI, LOWER_RUNS } from "./unicode/python-lower-table";

let lowerMap: Map<number, number> | undefined;

function singleLower(): Map<number, number> {
  if (lowerMap === undefined) {
    const m = new Map<number, number>();
    for (let i = 0; i < LOWER_RUNS.length; i += 4) {
      const start = LOWER_RUNS[i]!;
      const count = LOWER_RUNS[i + 1]!;
      const step = LOWER_RUNS[i + 2]!;
      const delta = LOWER_RUNS[i + 3]!;
      for (let k = 0; k < count; k++) m.set(start + k * step, start + k * step + delta);
    }
    lowerMap = m;
  }
  return lowerMap;
}

/** Binary search in flat inclusive [first, last, first, last, ...] ranges. */
function inRanges(ranges: readonly number[], cp: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < ranges[2 * mid]!) hi = mid - 1;
    else if (cp > ranges[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

const isCaseIgnorable = (cp: number): boolean => inRanges(CASE_IGNORABLE_RANGES, cp);
/** Only meaningful for characters that are not case-ignorable (CPython skips those first). */
const isCased = (cp: number): boolean => inRanges(CASED_RANGES, cp);

const CAPITAL_SIGMA = 0x3a3;

/** CPython's handle_capital_sigma: the Unicode Final_Sigma condition. */
function isFinalSigma(cps: readonly number[], i: number): boolean {
  let j = i - 1;
  while (j >= 0 && isCaseIgnorable(cps[j]!)) j--;
  if (j < 0 || !isCased(cps[j]!)) return false;
  j = i + 1;
  while (j < cps.length && isCaseIgnorable(cps[j]!)) j++;
  return j === cps.length || !isCased(cps[j]!);
}

/** Python's `s.lower()` (CPython 3.11 Unicode data; see the file header). */
export function pythonLower(s: string): string {
  const cps: number[] = [];
  for (const ch of s) cps.push(ch.codePointAt(0)!);
  const map = singleLower();
  let out = "";
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    if (cp === CAPITAL_SIGMA) {
      out += isFinalSigma(cps, i) ? "\u03c2" : "\u03c3";
      continue;
    }
    const multi = LOWER_MULTI.get(cp);
    if (multi !== undefined) {
      out += multi;
      continue;
    }
    out += String.fromCodePoint(map.get(cp) ?? cp);
  }
  return out;
}

/** True when `s` holds an unpaired UTF-16 surrogate (Python's str cannot UTF-8 encode those). */
export function hasLoneSurrogate(s: string): boolean {
  return /\p{Surrogate}/u.test(s);
}
