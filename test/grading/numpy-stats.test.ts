// grading/runtime/numpy-stats.ts against NumPy itself, bit for bit: test/grading/fixtures/numpy-stats.json
// was written by fixtures/gen_numpy_stats.py (NumPy 2.x) from arrays that `generate` below rebuilds
// exactly (integer hashes, exact float arithmetic). Covers float64/float32/int64, sizes around
// NumPy's pairwise blocks (8, 128) and buffer (8192), NaNs, infinities, int64 overflow.
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arrayHashStats, combineStats, type NumericArray, type NumericKind } from "../../grading/runtime/numpy-stats";
import { arrayHash, strictArrayHash } from "../../grading/runtime/checkarr";
import { floatFromHex, floatHex } from "../../grading/runtime/pyfloat";

interface Fixture {
  numpy: string;
  generated: { kind: string; n: number; seed: number; nanEvery: number; components: string[]; stat: string }[];
  explicit: { dtype: string; data: string[]; components: string[]; stat: string }[];
  strict: { kind: string; shape: number[]; seed: number; stat: string }[];
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/numpy-stats.json"), "utf8")) as Fixture;

const M32 = 2 ** 32;
const h1 = (i: number, seed: number): number => ((i + 1) * 2654435761 + seed * 40503) % M32;
const h2 = (i: number, seed: number): number => ((i + 1) * 2246822519 + seed * 3266489917) % M32;

/** The generator of gen_numpy_stats.py (every step exact in binary64). */
function generate(kind: string, n: number, seed: number, nanEvery: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = h1(i, seed);
    const b = h2(i, seed);
    if (kind === "float64" || kind === "float32") {
      const u = (a * 2 ** 21 + Math.floor(b / 2 ** 11)) / 2 ** 53;
      let v = (u - 0.5) * 2 ** ((a % 16) - 8 + (seed % 5));
      if (nanEvery && b % nanEvery === 0) v = NaN;
      out.push(kind === "float32" ? Math.fround(v) : v);
    } else if (kind === "int-small") out.push((a % 2001) - 1000);
    else out.push(a * 2 ** 20 + (b % 2 ** 20) - 2 ** 51);
  }
  return out;
}

const kindOf = (k: string): NumericKind => (k === "float64" || k === "float32" ? k : "int64");
const NAMES = ["nanmax", "nanmin", "nanmean", "nanmedian", "nanstd", "nansum", "weightedNansum"] as const;

function checkCase(label: string, arr: NumericArray, components: string[], stat: string): void {
  const s = arrayHashStats(arr);
  NAMES.forEach((name, i) => {
    assert.is(floatHex(s[name]), floatHex(floatFromHex(components[i]!)), `${label}: ${name}`);
  });
  assert.is(floatHex(combineStats(s)), floatHex(floatFromHex(stat)), `${label}: stat`);
}

test("fixture was produced by NumPy 2.x", () => {
  assert.match(fixture.numpy, /^2\./);
  assert.ok(fixture.generated.length > 100);
});

test("generated arrays: every statistic equals NumPy's bit for bit", () => {
  for (const c of fixture.generated) {
    const data = Float64Array.from(generate(c.kind, c.n, c.seed, c.nanEvery));
    checkCase(`${c.kind} n=${c.n} nan=${c.nanEvery}`, { shape: [c.n], kind: kindOf(c.kind), data }, c.components, c.stat);
  }
});

test("explicit edge cases (inf, all-NaN, overflowing median, int64 wrap)", () => {
  for (const c of fixture.explicit) {
    const data = Float64Array.from(c.data.map(floatFromHex));
    checkCase(`${c.dtype} ${c.data.join(",")}`, { shape: [data.length], kind: kindOf(c.dtype), data }, c.components, c.stat);
  }
});

test("the public arrayHash picks the NumPy dtype from the JS input type", () => {
  for (const c of fixture.generated.filter((g) => g.n <= 1000)) {
    const values = generate(c.kind, c.n, c.seed, c.nanEvery);
    const input = c.kind === "float32" ? Float32Array.from(values) : c.kind === "float64" ? Float64Array.from(values) : values;
    const [, stat] = arrayHash(input);
    assert.is(floatHex(stat), floatHex(floatFromHex(c.stat)), `${c.kind} n=${c.n}`);
  }
});

test("strict_array_hash equals NumPy's", () => {
  for (const c of fixture.strict) {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const values = generate(c.kind, n, c.seed, 0);
    const input = c.kind === "float32" ? Float32Array.from(values) : c.kind === "float64" ? Float64Array.from(values) : values;
    const [shape, stat] = strictArrayHash(input, c.shape);
    assert.equal(shape, c.shape);
    assert.is(floatHex(stat), floatHex(floatFromHex(c.stat)), `${c.kind} ${c.shape}`);
  }
});

test.run();
