import * as assert from "uvu/assert";

/** The message of the Error that `fn` throws (fails the test if it returns normally). */
export function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  assert.unreachable("expected an Error");
  return "";
}
