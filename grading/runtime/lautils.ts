// lautils.gradeutils (AlbertS789/lautils) in TypeScript: the lab's way of comparing a result with a
// threshold without printing the threshold in decimal.
//   new_representation(num)  float.hex(float(num))
//   hex_to_float(s)          float.fromhex(s)
//   compare_numbers(a, op, b) fromhex(a) <op> fromhex(b), op hex-encoded ("3c3d" is "<=")
//
// Errors mirror the Python module: a value float() rejects -> ValueError "Invalid input. Please
// provide a valid floating-point number."; a malformed hex string or an unknown operator ->
// ValueError "Invalid input. Please provide valid numbers." (Python chains the operator message
// as the context; here it is the `cause`, and it is appended to the message so that it shows).
// lautils compares with eval(f"{num1} {operator} {num2}"), so a NaN or infinite operand raises
// NameError (repr is 'nan'/'inf', not a Python name); we throw the same NameError.

import type * as tf from "@tensorflow/tfjs-core";
import { PyOverflowError, PyTypeError, PyValueError, floatFromHex, floatFromString, floatHex, pyRepr, pyTypeName } from "./pyfloat";

export { PyOverflowError, PyTypeError, PyValueError } from "./pyfloat";

export class PyNameError extends Error {
  override name = "NameError";
}

/** lautils' operator table: hex of the operator's ASCII text. */
export const OPERATORS: Readonly<Record<string, "<" | ">" | "<=" | ">=" | "==" | "!=">> = Object.freeze({
  "3c": "<",
  "3e": ">",
  "3c3d": "<=",
  "3e3d": ">=",
  "3d3d": "==",
  "213d": "!=",
});

const INVALID_NUMBER = "Invalid input. Please provide a valid floating-point number.";
const INVALID_INPUT = "Invalid input. Please provide valid numbers.";
const INVALID_OPERATOR = "Invalid operator. Supported operators are: '<', '>', '<=', '>=', '==', '!='";

function isTensorLike(v: unknown): v is tf.Tensor {
  return typeof v === "object" && v !== null && typeof (v as { dataSync?: unknown }).dataSync === "function";
}

/** Python's float(x) for the values a notebook passes (number, bool, bigint, str, 1-element tensor). */
function pyFloat(x: unknown): number {
  if (typeof x === "number") return x;
  if (typeof x === "boolean") return x ? 1 : 0;
  if (typeof x === "bigint") {
    const v = Number(x);
    if (!Number.isFinite(v)) throw new PyOverflowError("int too large to convert to float");
    return v;
  }
  if (typeof x === "string") return floatFromString(x);
  if (isTensorLike(x)) {
    if (x.size !== 1) throw new PyValueError("only one element tensors can be converted to Python scalars");
    return Number(x.dataSync()[0]);
  }
  throw new PyTypeError(`float() argument must be a string or a real number, not '${pyTypeName(x)}'`);
}

/**
 * lautils `new_representation(num)`: CPython `float.hex(float(num))`, e.g. 3 -> '0x1.8000000000000p+1',
 * -0 -> '-0x0.0p+0', 5e-324 -> '0x0.0000000000001p-1022', Infinity -> 'inf', NaN -> 'nan'.
 */
export function newRepresentation(num: unknown): string {
  let value: number;
  try {
    value = pyFloat(num);
  } catch (e) {
    if (e instanceof PyValueError) throw new PyValueError(INVALID_NUMBER, { cause: e });
    throw e;
  }
  return floatHex(value);
}

/** lautils `hex_to_float(s)`: CPython `float.fromhex(s)` (see floatFromHex for the accepted forms). */
export function hexToFloat(hexStr: string): number {
  return floatFromHex(hexStr);
}

/**
 * lautils `compare_numbers(num1_hex, operator_hex, num2_hex)`: parses both hex strings and applies
 * the operator whose ASCII hex is `operatorHex` ("3c" <, "3e" >, "3c3d" <=, "3e3d" >=, "3d3d" ==,
 * "213d" !=). Throws ValueError for a malformed number or unknown operator, NameError for a NaN or
 * infinite operand (as lautils' eval does).
 */
export function compareNumbers(num1Hex: string, operatorHex: string, num2Hex: string): boolean {
  let a: number;
  let b: number;
  let op: (typeof OPERATORS)[string] | undefined;
  try {
    a = hexToFloat(num1Hex);
    b = hexToFloat(num2Hex);
    op = typeof operatorHex === "string" && Object.hasOwn(OPERATORS, operatorHex) ? OPERATORS[operatorHex] : undefined;
    if (op === undefined) throw new PyValueError(INVALID_OPERATOR);
  } catch (e) {
    if (e instanceof PyValueError) {
      throw new PyValueError(`${INVALID_INPUT} (${e.message}: ${describeArgs(num1Hex, operatorHex, num2Hex)})`, { cause: e });
    }
    throw e;
  }
  // eval(f"{num1} {operator} {num2}") evaluates the left operand first
  for (const v of [a, b]) {
    if (!Number.isFinite(v)) {
      const name = Number.isNaN(v) ? "nan" : "inf";
      throw new PyNameError(
        `name '${name}' is not defined (lautils evaluates "${pyRepr(a)} ${op} ${pyRepr(b)}"; a NaN or infinite value cannot be compared)`,
      );
    }
  }
  switch (op) {
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    case ">=":
      return a >= b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
}

function describeArgs(...args: unknown[]): string {
  return args.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ");
}

// Snake-case names, as the Python lab imports them.
export { newRepresentation as new_representation, hexToFloat as hex_to_float, compareNumbers as compare_numbers };
