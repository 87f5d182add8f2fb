// array_hash / check_hash on the input types a notebook passes, with values derived by hand
// (and cross-checked against jhwutils' array_hash where noted), plus bad input.
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arrayHash, array_hash, checkHash, check_hash } from "../../grading/runtime/checkarr";
import { floatFromHex } from "../../grading/runtime/pyfloat";
import { captureWarnings } from "./helpers";

test("hand-derived hashes", () => {
  // [1,2,3,4]: max 4 + min 1 + mean 2.5 + median 2.5 + std sqrt(1.25) + sum 10 + (0+2+6+12) = 20
  assert.equal(
    arrayHash([
      [1, 2],
      [3, 4],
    ]),
    [[2, 2], 40 + Math.sqrt(1.25)],
  );
  // a scalar is a 0-d array: 5 + 5 + 5 + 5 + 0 + 5 + 0
  assert.equal(arrayHash(5), [[], 25]);
  // NaN is skipped: [1, 3] stats 3, 1, 2, 2, 1, 4 and 1*0 + 3*2 = 6
  assert.equal(arrayHash([1, NaN, 3]), [[3], 19]);
  // booleans are 0/1: 1 + 0 + 2/3 + 1 + sqrt(2/9) + 2 + 2
  const [shape, stat] = arrayHash([true, false, true]);
  assert.equal(shape, [3]);
  assert.ok(Math.abs(stat - (6 + 2 / 3 + Math.sqrt(2 / 9))) < 1e-12);
  // all-NaN: every statistic is NaN except the sums (0); nansum of them is 0
  assert.equal(arrayHash([NaN, NaN]), [[2], 0]);
});

test("typed arrays with a shape, nested arrays and tensors agree", () => {
  const values = [0.5, -1.25, 3, 8, 2.75, -6];
  const nested = [
    [0.5, -1.25, 3],
    [8, 2.75, -6],
  ];
  const a = arrayHash(nested);
  assert.equal(arrayHash(Float64Array.from(values), [2, 3]), a);
  assert.equal(arrayHash([Float64Array.from(values.slice(0, 3)), Float64Array.from(values.slice(3))]), a);
  // a float32 tensor is NumPy float32 (mean/std rounded to float32): same as a Float32Array,
  // a little off the float64 hash but inside check_hash's tolerance
  const t = arrayHash(tf.tensor2d(nested));
  assert.equal(arrayHash(Float32Array.from(values), [2, 3]), t);
  assert.is.not(t[1], a[1]);
  assert.ok(captureWarnings(() => checkHash(tf.tensor2d(nested), a))[0]);
});

test("float32 tensors use NumPy float32 semantics (ground truth: numpy-stats fixture)", () => {
  interface Gen {
    kind: string;
    n: number;
    seed: number;
    nanEvery: number;
    stat: string;
  }
  const fx = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/numpy-stats.json"), "utf8")) as { generated: Gen[] };
  const M32 = 2 ** 32;
  const pick = (kind: string, n: number): Gen => fx.generated.find((g) => g.kind === kind && g.n === n && g.nanEvery === 0)!;
  const f32 = pick("float32", 1000);
  const i32 = pick("int-small", 257);
  const floats = Array.from({ length: f32.n }, (_, i) => {
    const a = ((i + 1) * 2654435761 + f32.seed * 40503) % M32;
    const b = ((i + 1) * 2246822519 + f32.seed * 3266489917) % M32;
    return ((a * 2 ** 21 + Math.floor(b / 2 ** 11)) / 2 ** 53 - 0.5) * 2 ** ((a % 16) - 8 + (f32.seed % 5));
  });
  assert.is(arrayHash(tf.tensor1d(floats, "float32"))[1], floatFromHex(f32.stat));
  const ints = Array.from({ length: i32.n }, (_, i) => ((((i + 1) * 2654435761 + i32.seed * 40503) % M32) % 2001) - 1000);
  assert.is(arrayHash(tf.tensor1d(ints, "int32"))[1], floatFromHex(i32.stat));
  assert.is(arrayHash(Int32Array.from(ints))[1], floatFromHex(i32.stat));
});

test("check_hash: exact shape, stat within rtol = atol = 1e-5 of the expected value", () => {
  const data = [
    [1, 2],
    [3, 4],
  ];
  const s = 40 + Math.sqrt(1.25);
  // |got - exp| <= 1e-5 + 1e-5 * |exp|: 4e-4 is inside (4.2e-4), 5e-4 is not
  assert.ok(captureWarnings(() => checkHash(data, [[2, 2], s + 4e-4]))[0]);
  assert.not.ok(captureWarnings(() => checkHash(data, [[2, 2], s + 5e-4]))[0]);
  assert.not.ok(captureWarnings(() => checkHash(data, [[4], s]))[0]);
  assert.not.ok(captureWarnings(() => checkHash(data, [[2, 2], NaN]))[0]);
  assert.ok(captureWarnings(() => check_hash(data, [[2, 2], s]))[0]);
});

test("check_hash prints jhwutils' mismatch line", () => {
  // jhwutils prints: Got hash (2, 2), 41.11803398874989 but expected (2, 2), 41.0
  const [ok, lines] = captureWarnings(() =>
    checkHash(
      [
        [1, 2],
        [3, 4],
      ],
      [[2, 2], 41.0],
    ),
  );
  assert.is(ok, false);
  assert.equal(lines, ["Got hash (2, 2), 41.11803398874989 but expected (2, 2), 41.0"]);
  const [, lines1d] = captureWarnings(() => checkHash([1, 2, 3, 4], [[2, 2], 41.11803398874989]));
  assert.equal(lines1d, ["Got hash (4,), 41.11803398874989 but expected (2, 2), 41.11803398874989"]);
});

test("strict mode (check_hash(..., strict=True)) weights by the indices", () => {
  // jhwutils: strict_array_hash([[1., 2.], [3., 4.]]) == ((2, 2), 30.84872826531895)
  assert.ok(
    captureWarnings(() =>
      checkHash(
        [
          [1.5, 2],
          [3, 4],
        ].map((r, i) => (i === 0 ? [1, 2] : r)),
        [[2, 2], 30.84872826531895],
        { strict: true },
      ),
    )[0],
  );
});

test("bad input: arrayHash throws a clear ValueError; checkHash warns and returns false", () => {
  const bad: [unknown, RegExp][] = [
    [[], /zero-size array/],
    [[[1, 2], [3]], /ragged/],
    [[1, [2, 3]], /ragged/],
    [["a", "b"], /array elements must be numbers, got 'a'/],
    [{}, /not an array of numbers/],
    [new BigInt64Array(2), /unsupported array type BigInt64Array/],
  ];
  for (const [x, re] of bad) {
    assert.throws(
      () => arrayHash(x as number[]),
      (e: Error) => e.name === "ValueError" && re.test(e.message),
      String(re),
    );
    const [ok, lines] = captureWarnings(() => checkHash(x, [[2], 1]));
    assert.is(ok, false);
    assert.is(lines.length, 1);
    assert.match(lines[0]!, re);
  }
  assert.throws(() => arrayHash([1, 2, 3], [2, 2]), /cannot reshape array of size 3 into shape \(2, 2\)/);
  assert.throws(() => arrayHash(tf.tensor1d(["a"] as unknown as number[], "string")), /unsupported tensor dtype string/);
});

test("array_hash is arrayHash", () => {
  assert.is(array_hash, arrayHash);
});

test.run();
