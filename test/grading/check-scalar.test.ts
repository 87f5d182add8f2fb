// check_scalar / check_string behaviour beyond the reference vectors: the lab's own hashes, the
// ±1e-6·x acceptance band, jhwutils' warning text, and bad input. Expected hashes are crc32 of
// hand-written Python format strings (node:zlib), independent of the code under test.
import { crc32 } from "node:zlib";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkScalar, checkString, check_scalar, check_string } from "../../grading/runtime/checkarr";
import { captureWarnings } from "./helpers";

const crc = (s: string): string => "0x" + crc32(Buffer.from(s, "utf8")).toString(16);

test("the lab's hashed checks pass on its known values", () => {
  const [results, lines] = captureWarnings(() => [
    checkScalar(3085, "0xf4f4eb83"), // len(vocab) == n_v == 3085
    checkScalar(1, "0xb44c37ea"), // tok2id['father'] == 1
    checkString("father", "0xcf2531b8"), // id2tok[1] == 'father'
    checkScalar(31962, "0xcd61d16b"), // dataset['train'].num_rows
    check_scalar(3085, "0xf4f4eb83"),
    check_string("FATHER", "0xcf2531b8"), // lower-cased before hashing
  ]);
  assert.equal(results, [true, true, true, true, true, true]);
  assert.equal(lines, []);
  // and they are crc32 of Python's f"{x:1.5e}" / the plain word
  assert.is(crc("3.08500e+03"), "0xf4f4eb83");
  assert.is(crc("1.00000e+00"), "0xb44c37ea");
  assert.is(crc("father"), "0xcf2531b8");
  assert.is(crc("3.19620e+04"), "0xcd61d16b");
});

test("a wrong value fails with jhwutils' warning line", () => {
  const [ok, lines] = captureWarnings(() => checkScalar(3084, "0xf4f4eb83"));
  assert.is(ok, false);
  assert.equal(lines, [`Warning: Got 3.08400e+03 -> ${crc("3.08400e+03")}, expected 0xf4f4eb83`]);
  const [ok2, lines2] = captureWarnings(() => checkString("mother", "0xcf2531b8"));
  assert.is(ok2, false);
  assert.equal(lines2, [`Warning: Got mother -> ${crc("mother")}, expected 0xcf2531b8`]);
});

test("x ± 1e-6·x is accepted, as jhwutils also hashes x + offset and x - offset", () => {
  // 1234564.9 formats as 1.23456e+06; + 1.2345649 gives 1234566.13 -> 1.23457e+06
  assert.ok(captureWarnings(() => checkScalar(1234564.9, crc("1.23457e+06")))[0]);
  assert.ok(captureWarnings(() => checkScalar(1234564.9, crc("1.23456e+06")))[0]);
  assert.not.ok(captureWarnings(() => checkScalar(1234564.9, crc("1.23458e+06")))[0]);
  // 1234575.1 formats as 1.23458e+06; - 1.2345751 gives 1234573.87 -> 1.23457e+06
  assert.ok(captureWarnings(() => checkScalar(1234575.1, crc("1.23457e+06")))[0]);
  assert.not.ok(captureWarnings(() => checkScalar(1234575.1, crc("1.23456e+06")))[0]);
  // the band is relative: 1e-6·x, not an absolute tolerance
  assert.not.ok(captureWarnings(() => checkScalar(3085.01, "0xf4f4eb83"))[0]);
});

test("tol argument changes the format precision like check_scalar(x, h, tol)", () => {
  assert.ok(captureWarnings(() => checkScalar(3085, crc("3.08e+03"), 2))[0]);
  assert.ok(captureWarnings(() => checkScalar(3085.4, crc("3.09e+03"), 2))[0]);
});

test("NaN and infinities are hashed as Python formats them: false with the warning", () => {
  const [ok, lines] = captureWarnings(() => checkScalar(NaN, "0xf4f4eb83"));
  assert.is(ok, false);
  assert.equal(lines, [`Warning: Got nan -> ${crc("nan")}, expected 0xf4f4eb83`]);
  const [okInf, linesInf] = captureWarnings(() => checkScalar(Infinity, "0xf4f4eb83"));
  assert.is(okInf, false);
  assert.equal(linesInf, [`Warning: Got inf -> ${crc("inf")}, expected 0xf4f4eb83`]);
  const [, linesNeg] = captureWarnings(() => checkScalar(-Infinity, "0xf4f4eb83"));
  assert.equal(linesNeg, [`Warning: Got -inf -> ${crc("-inf")}, expected 0xf4f4eb83`]);
  // faithful quirks of jhwutils: nan matches the hash of 'nan'; inf - 1e-6·inf is nan
  assert.ok(captureWarnings(() => checkScalar(NaN, crc("nan")))[0]);
  assert.ok(captureWarnings(() => checkScalar(Infinity, crc("nan")))[0]);
});

test("non-numbers give false and a warning naming the problem, never a throw", () => {
  const bad: [unknown, string][] = [
    ["3085", "Warning: Got '3085' -> not a number, expected 0xf4f4eb83"],
    [undefined, "Warning: Got undefined (NoneType) -> not a number, expected 0xf4f4eb83"],
    [null, "Warning: Got null (NoneType) -> not a number, expected 0xf4f4eb83"],
    [[3085], "Warning: Got list of length 1 -> not a number, expected 0xf4f4eb83"],
    [10n ** 400n, `Warning: Got ${(10n ** 400n).toString()} -> int too large to convert to float, expected 0xf4f4eb83`],
  ];
  for (const [x, line] of bad) {
    const [ok, lines] = captureWarnings(() => checkScalar(x, "0xf4f4eb83"));
    assert.is(ok, false);
    assert.equal(lines, [line]);
  }
  const [okS, linesS] = captureWarnings(() => checkString(1, "0xcf2531b8"));
  assert.is(okS, false);
  assert.equal(linesS, ["Warning: Got 1 -> not a string, expected 0xcf2531b8"]);
  const [okSur, linesSur] = captureWarnings(() => checkString("fa\ud800ther", "0xcf2531b8"));
  assert.is(okSur, false);
  assert.match(linesSur[0]!, /unpaired surrogate/);
});

test("int-like values: bigint and bool are Python ints", () => {
  assert.ok(captureWarnings(() => checkScalar(3085n, "0xf4f4eb83"))[0]);
  assert.ok(captureWarnings(() => checkScalar(true, "0xb44c37ea"))[0]);
});

test("tensors of one element are scalars; larger tensors are not", () => {
  assert.ok(captureWarnings(() => checkScalar(tf.scalar(3085), "0xf4f4eb83"))[0]);
  assert.ok(captureWarnings(() => checkScalar(tf.tensor1d([31962], "int32"), "0xcd61d16b"))[0]);
  const [ok, lines] = captureWarnings(() => checkScalar(tf.tensor1d([1, 2]), "0xb44c37ea"));
  assert.is(ok, false);
  assert.equal(lines, ["Warning: Got tensor of shape [2] -> not a scalar (tensor of shape [2]), expected 0xb44c37ea"]);
});

test.run();
