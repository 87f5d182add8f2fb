// All 340 cases of test/fixtures/reference/jhwutils-vectors.json, produced by the real
// jhwutils.checkarr (johnhw/jhwutils@bcc5456) and CPython.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arrayHash, checkHash, checkScalar, checkString, scalarHash, stringHash, type NestedNumbers } from "../../grading/runtime/checkarr";
import { floatFromHex, floatHex, pyRepr } from "../../grading/runtime/pyfloat";
import { newRepresentation } from "../../grading/runtime/lautils";
import { captureWarnings, jhwutilsVectors, nest, type VectorCase } from "./helpers";

const cases = jhwutilsVectors();
type Of<K extends VectorCase["kind"]> = Extract<VectorCase, { kind: K }>;
const scalars = cases.filter((c): c is Of<"scalar"> => c.kind === "scalar");
const strings = cases.filter((c): c is Of<"string"> => c.kind === "string");
const arrays = cases.filter((c): c is Of<"array"> => c.kind === "array");

test("the reference file has all three kinds", () => {
  assert.is(scalars.length + strings.length + arrays.length, 340);
  assert.ok(scalars.length > 0 && strings.length > 0 && arrays.length > 0);
});

test("check_scalar: crc32 of f'{x:1.5e}' for every scalar case", () => {
  for (const c of scalars) {
    const x = Number(c.x);
    assert.is(scalarHash(x), c.hash, `hash of ${c.x}`);
    const [ok, lines] = captureWarnings(() => checkScalar(x, c.hash));
    assert.ok(ok, `checkScalar(${c.x})`);
    assert.equal(lines, []);
  }
});

test("check_scalar: ints given as bigint hash like Python ints", () => {
  for (const c of scalars) {
    if (!c.is_int) continue;
    assert.ok(captureWarnings(() => checkScalar(BigInt(c.x), c.hash))[0], c.x);
  }
});

test("float.hex, repr and fromhex round trip for every scalar case", () => {
  for (const c of scalars) {
    const x = Number(c.x);
    if (c.hex === null) continue;
    assert.is(floatHex(x), c.hex, `hex of ${c.x}`);
    assert.is(newRepresentation(x), c.hex, `new_representation(${c.x})`);
    assert.ok(Object.is(floatFromHex(c.hex), x), `fromhex(${c.hex})`);
    // "x" is Python's repr for floats
    if (!c.is_int) assert.is(pyRepr(x), c.x, `repr of ${c.x}`);
  }
});

test("check_string: crc32 of UTF-8 of s.lower() for every string case", () => {
  for (const c of strings) {
    assert.is(stringHash(c.s), c.hash, `hash of ${JSON.stringify(c.s)}`);
    const [ok, lines] = captureWarnings(() => checkString(c.s, c.hash));
    assert.ok(ok, c.s);
    assert.equal(lines, []);
  }
});

test("array_hash: stat within jhwutils' tolerance, shape exact, for every array case", () => {
  for (const c of arrays) {
    const flat = c.data.map((d) => (d === null ? NaN : d));
    const [shape, stat] = arrayHash(nest(flat, c.shape) as NestedNumbers);
    assert.equal(shape, c.shape);
    // much tighter than check_hash's 1e-5: the computation mirrors NumPy's operation order
    assert.ok(Math.abs(stat - c.stat) <= 1e-12 * Math.max(1, Math.abs(c.stat)), `stat ${stat} vs ${c.stat}`);
    const [ok, lines] = captureWarnings(() => checkHash(nest(flat, c.shape), [c.shape, c.stat]));
    assert.ok(ok);
    assert.equal(lines, []);
    // the flat + shape form gives the same hash
    assert.equal(arrayHash(Float64Array.from(flat), c.shape), [shape, stat]);
  }
});

test("array_hash: a wrong stat or shape fails the check", () => {
  for (const c of arrays) {
    const flat = c.data.map((d) => (d === null ? NaN : d));
    const data = nest(flat, c.shape);
    const off = c.stat + 2e-5 + 2e-5 * Math.abs(c.stat);
    assert.not.ok(captureWarnings(() => checkHash(data, [c.shape, off]))[0]);
    assert.not.ok(captureWarnings(() => checkHash(data, [[...c.shape, 1], c.stat]))[0]);
  }
});

test.run();
