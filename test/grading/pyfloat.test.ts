// CPython float formatting and parsing, with expected values derived by hand from the exact
// binary values (comments show the derivation) and CPython's documented rules.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { floatFromHex, floatFromString, floatHex, formatExp, formatFixed, pyRepr } from "../../grading/runtime/pyfloat";

test("format(x, '.5e'): two-digit exponent, round-half-even on the exact value", () => {
  // 1234565 = 1.234565e6 exactly: a tie at the 6th digit, kept even (JS toExponential gives 1.23457e+6)
  assert.is(formatExp(1234565, 5), "1.23456e+06");
  assert.is((1234565).toExponential(5), "1.23457e+6"); // the trap this module exists for
  assert.is(formatExp(1234575, 5), "1.23458e+06"); // tie, rounds up to even 8
  assert.is(formatExp(3085, 5), "3.08500e+03");
  assert.is(formatExp(1, 5), "1.00000e+00");
  assert.is(formatExp(0, 5), "0.00000e+00");
  assert.is(formatExp(-0, 5), "-0.00000e+00");
  assert.is(formatExp(0.1, 5), "1.00000e-01");
  assert.is(formatExp(9.99999999, 5), "1.00000e+01"); // carry into a new digit
  assert.is(formatExp(1e-300, 5), "1.00000e-300");
  assert.is(formatExp(5e-324, 5), "4.94066e-324"); // 4.9406564584124654...e-324
  assert.is(formatExp(1.7976931348623157e308, 5), "1.79769e+308");
  assert.is(formatExp(-31962, 5), "-3.19620e+04");
  assert.is(formatExp(NaN, 5), "nan");
  assert.is(formatExp(Infinity, 5), "inf");
  assert.is(formatExp(-Infinity, 5), "-inf");
});

test("format(x, '.Ne') for other precisions", () => {
  assert.is(formatExp(2.5, 0), "2e+00"); // tie -> even
  assert.is(formatExp(3.5, 0), "4e+00");
  assert.is(formatExp(0.125, 1), "1.2e-01"); // 0.125 exact: tie -> even
  assert.is(formatExp(0.375, 1), "3.8e-01");
  // 0.3 = 0.299999999999999988897769753748...
  assert.is(formatExp(0.3, 17), "2.99999999999999989e-01");
});

test("'%.1f': round-half-even on the exact value, sign kept", () => {
  assert.is(formatFixed(0.25, 1), "0.2"); // exact tie
  assert.is(formatFixed(12.25, 1), "12.2");
  assert.is(formatFixed(0.35, 1), "0.3"); // 0.34999999999999997779...
  assert.is(formatFixed((2 / 3) * 100, 1), "66.7");
  assert.is(formatFixed(100, 1), "100.0");
  assert.is(formatFixed(0, 1), "0.0");
  assert.is(formatFixed(-0.01, 1), "-0.0");
  assert.is(formatFixed(0.5, 0), "0");
  assert.is(formatFixed(1.5, 0), "2");
  assert.is(formatFixed(1e22, 1), "10000000000000000000000.0");
  assert.is(formatFixed(NaN, 1), "nan");
});

test("repr(float): CPython layout of the shortest round-trip digits", () => {
  assert.is(pyRepr(1e16), "1e+16");
  assert.is(pyRepr(1e15), "1000000000000000.0");
  assert.is(pyRepr(1e-5), "1e-05");
  assert.is(pyRepr(0.0001), "0.0001");
  assert.is(pyRepr(123456789012345680), "1.2345678901234568e+17");
  assert.is(pyRepr(1.5), "1.5");
  assert.is(pyRepr(3), "3.0");
  assert.is(pyRepr(-0), "-0.0");
  assert.is(pyRepr(5e-324), "5e-324");
  assert.is(pyRepr(Infinity), "inf");
  assert.is(pyRepr(NaN), "nan");
});

test("float.hex: normal, subnormal, zero, specials", () => {
  assert.is(floatHex(1), "0x1.0000000000000p+0");
  assert.is(floatHex(3), "0x1.8000000000000p+1");
  assert.is(floatHex(0.5), "0x1.0000000000000p-1");
  assert.is(floatHex(-2.5), "-0x1.4000000000000p+1");
  assert.is(floatHex(2 ** -1022), "0x1.0000000000000p-1022");
  assert.is(floatHex(2 ** -1023), "0x0.8000000000000p-1022");
  assert.is(floatHex(5e-324), "0x0.0000000000001p-1022");
  assert.is(floatHex(Number.MAX_VALUE), "0x1.fffffffffffffp+1023");
  assert.is(floatHex(0), "0x0.0p+0");
  assert.is(floatHex(-0), "-0x0.0p+0");
  assert.is(floatHex(Infinity), "inf");
  assert.is(floatHex(-Infinity), "-inf");
  assert.is(floatHex(NaN), "nan");
});

test("float.fromhex: every form CPython accepts", () => {
  const cases: [string, number][] = [
    ["0x1.8p1", 3], // 1.5 * 2
    ["1.8p1", 3], // 0x is optional
    ["0X1.8P+1", 3],
    ["  -0x1p-2 \n", -0.25], // ASCII whitespace around, sign before 0x
    ["+0x.8", 0.5], // no integer part
    ["0x1.", 1], // no fraction digits
    [".8", 0.5],
    ["a", 10],
    ["0xA", 10],
    ["0x10", 16],
    ["1e5", 0x1e5], // 'e' is a hex digit, not an exponent
    ["1p10", 1024],
    ["0x1p-1074", 5e-324],
    ["0x1.8p-1075", 5e-324], // above half the smallest subnormal: rounds up
    ["0x1p-1075", 0], // exactly half: ties to even (0)
    ["0x1p-1076", 0],
    ["0x1.fffffffffffff7p1023", Number.MAX_VALUE], // below the half-way point to 2^1024
    ["0x1.00000000000008p0", 1], // tie, even mantissa stays
    ["0x1.00000000000018p0", 1 + 2 ** -51], // tie, odd mantissa rounds up
    ["0x0p99999999999999999999", 0],
    ["0x1p-99999999999999999999", 0],
    ["0x0.0p+0", 0],
    ["inf", Infinity],
    ["-Infinity", -Infinity],
    [" +INF ", Infinity],
  ];
  for (const [s, v] of cases) assert.ok(Object.is(floatFromHex(s), v), `${JSON.stringify(s)} -> ${floatFromHex(s)}, expected ${v}`);
  assert.ok(Number.isNaN(floatFromHex("nan")));
  assert.ok(Number.isNaN(floatFromHex("-NaN")));
  assert.ok(Object.is(floatFromHex("-0x0p0"), -0));
});

test("float.fromhex: CPython's errors for malformed or too large input", () => {
  const invalid = ["", "0x", "0xp1", "1p", "1p+", "x1", "0x1.8p1.5", "1 2", "0x1g", "infinit", "- 1", "0x-1", "\u00a01", "0x1p1e"];
  for (const s of invalid) {
    assert.throws(
      () => floatFromHex(s),
      (e: Error) => e.name === "ValueError" && e.message === "invalid hexadecimal floating-point string",
      JSON.stringify(s),
    );
  }
  for (const s of ["0x1p1024", "0x1.fffffffffffff8p1023", "0x1p99999999999999999999", "-0x2p1023"]) {
    assert.throws(
      () => floatFromHex(s),
      (e: Error) => e.name === "OverflowError" && e.message === "hexadecimal value too large to represent as a float",
      s,
    );
  }
  assert.throws(
    () => floatFromHex(3 as unknown as string),
    (e: Error) => e.name === "TypeError",
  );
});

test("float(str): CPython's grammar", () => {
  const ok: [string, number][] = [
    ["1_000.5", 1000.5],
    [" 12 ", 12],
    ["\u00a012\u3000", 12],
    ["１２", 12], // fullwidth digits
    ["١٢٣", 123], // Arabic-Indic digits
    ["1e3", 1000],
    [".5", 0.5],
    ["5.", 5],
    ["-inf", -Infinity],
    ["Infinity", Infinity],
    ["0.1", 0.1],
  ];
  for (const [s, v] of ok) assert.ok(Object.is(floatFromString(s), v), JSON.stringify(s));
  assert.ok(Number.isNaN(floatFromString("nan")));
  for (const s of ["1__0", "_1", "1_", "0x10", "", " ", "abc", "1.2.3", "\ufeff1", "1e", "--1", "1_.5"]) {
    assert.throws(
      () => floatFromString(s),
      (e: Error) => e.name === "ValueError" && e.message.startsWith("could not convert string to float: "),
      JSON.stringify(s),
    );
  }
});

test.run();
