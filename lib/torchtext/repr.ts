/**
 * Python-style printing for the notebook: the original lab prints `vars(train_data.examples[0])`, which
 * Python shows as `{'src': ['.', 'büsche', ...], 'trg': [...]}`. `vars()` here returns a plain
 * copy of the object's fields that prints (console.log, tslab display, String()) the same way.
 */
import { inspect } from "node:util";
import { pyRepr } from "../python/repr";

export { pyRepr, pyStrRepr } from "../python/repr";

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
