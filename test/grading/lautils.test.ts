// lautils.gradeutils (AlbertS789/lautils): new_representation, hex_to_float, compare_numbers with
// its operator table and errors. Expected values are hand-derived; error texts are lautils'.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  OPERATORS,
  compareNumbers,
  compare_numbers,
  hexToFloat,
  hex_to_float,
  newRepresentation,
  new_representation,
} from "../../grading/runtime/lautils";

test("operator table: hex of the operator's ASCII text", () => {
  assert.equal({ ...OPERATORS }, { "3c": "<", "3e": ">", "3c3d": "<=", "3e3d": ">=", "3d3d": "==", "213d": "!=" });
  for (const [hex, op] of Object.entries(OPERATORS)) assert.is(Buffer.from(op, "ascii").toString("hex"), hex);
});

test("compare_numbers applies each operator", () => {
  const one = newRepresentation(1);
  const two = newRepresentation(2);
  const truth: Record<string, [boolean, boolean, boolean]> = {
    // [1 op 2, 2 op 2, 2 op 1]
    "3c": [true, false, false],
    "3e": [false, false, true],
    "3c3d": [true, true, false],
    "3e3d": [false, true, true],
    "3d3d": [false, true, false],
    "213d": [true, false, true],
  };
  for (const [op, [lt, eq, gt]] of Object.entries(truth)) {
    assert.is(compareNumbers(one, op, two), lt, `1 ${op} 2`);
    assert.is(compareNumbers(two, op, two), eq, `2 ${op} 2`);
    assert.is(compareNumbers(two, op, one), gt, `2 ${op} 1`);
  }
  assert.ok(compareNumbers("-0x0.0p+0", "3d3d", "0x0.0p+0")); // -0 == 0
});

test("the lab's training check: last loss <= threshold", () => {
  // seed: compare_numbers(new_representation(train_loss), "3c3d", '0x1.0000000000000p+2') i.e. <= 4
  assert.ok(compareNumbers(newRepresentation(3.99), "3c3d", "0x1.0000000000000p+2"));
  assert.ok(compareNumbers(newRepresentation(4), "3c3d", "0x1.0000000000000p+2"));
  assert.not.ok(compareNumbers(newRepresentation(4.0000001), "3c3d", "0x1.0000000000000p+2"));
  assert.ok(compareNumbers(newRepresentation(4.4), "3c3d", "0x1.2000000000000p+2")); // 4.5
});

test("unknown operator: lautils' ValueError, the operator message as its cause", () => {
  for (const op of ["3c3c", "3C3D", "<=", "", "3c3d "]) {
    assert.throws(
      () => compareNumbers("0x1p0", op, "0x1p1"),
      (e: Error) =>
        e.name === "ValueError" &&
        e.message.startsWith("Invalid input. Please provide valid numbers.") &&
        e.cause instanceof Error &&
        e.cause.message === "Invalid operator. Supported operators are: '<', '>', '<=', '>=', '==', '!='",
      op,
    );
  }
});

test("malformed hex number: ValueError; too large: OverflowError (not caught, as in lautils)", () => {
  assert.throws(
    () => compareNumbers("0x1.8q1", "3c", "0x1p1"),
    (e: Error) => e.name === "ValueError" && e.message.startsWith("Invalid input. Please provide valid numbers."),
  );
  assert.throws(
    () => compareNumbers("0x1p1", "3c", "zz"),
    (e: Error) => e.name === "ValueError",
  );
  assert.throws(
    () => compareNumbers("0x1p5000", "3c", "0x1p1"),
    (e: Error) => e.name === "OverflowError",
  );
});

test("NaN or infinite operand: NameError like lautils' eval('nan <= 4.0')", () => {
  assert.throws(
    () => compareNumbers(newRepresentation(NaN), "3c3d", "0x1p2"),
    (e: Error) => e.name === "NameError" && e.message.startsWith("name 'nan' is not defined"),
  );
  assert.throws(
    () => compareNumbers("0x1p2", "3c3d", newRepresentation(-Infinity)),
    (e: Error) => e.name === "NameError" && e.message.startsWith("name 'inf' is not defined"),
  );
  // the left operand is evaluated first
  assert.throws(
    () => compareNumbers("inf", "3c", "nan"),
    (e: Error) => e.message.startsWith("name 'inf'"),
  );
});

test("new_representation: float(num) then float.hex", () => {
  assert.is(newRepresentation(3), "0x1.8000000000000p+1");
  assert.is(newRepresentation("3"), "0x1.8000000000000p+1");
  assert.is(newRepresentation(" 1_5.0 "), "0x1.e000000000000p+3"); // 15 = 1.875 * 8
  assert.is(newRepresentation(true), "0x1.0000000000000p+0");
  assert.is(newRepresentation(2n ** 60n), "0x1.0000000000000p+60");
  assert.is(newRepresentation(-0), "-0x0.0p+0");
  assert.is(newRepresentation(NaN), "nan");
  assert.is(newRepresentation("-inf"), "-inf");
  assert.throws(
    () => newRepresentation("abc"),
    (e: Error) => e.name === "ValueError" && e.message === "Invalid input. Please provide a valid floating-point number.",
  );
  assert.throws(
    () => newRepresentation(null),
    (e: Error) => e.name === "TypeError" && e.message === "float() argument must be a string or a real number, not 'NoneType'",
  );
  assert.throws(
    () => newRepresentation(10n ** 400n),
    (e: Error) => e.name === "OverflowError" && e.message === "int too large to convert to float",
  );
});

test("hex_to_float is float.fromhex", () => {
  assert.is(hexToFloat("0x1.8p1"), 3);
  assert.is(hexToFloat(newRepresentation(0.1)), 0.1);
  assert.throws(
    () => hexToFloat("0x1.8p"),
    (e: Error) => e.name === "ValueError",
  );
});

test("snake_case names are the same functions", () => {
  assert.is(compare_numbers, compareNumbers);
  assert.is(new_representation, newRepresentation);
  assert.is(hex_to_float, hexToFloat);
});

test.run();
