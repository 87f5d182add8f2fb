// Python's `assert` for notebook checks: `marks(3, () => assert(checkScalar(n, "0x...")))`.
// Own class instead of node:assert because node's AssertionError builds its message by re-reading
// the caller's source file, which does not exist for tslab cells.

/** Thrown by `assert` when the condition is falsy (named like Python's exception). */
export class AssertionError extends Error {
  override name = "AssertionError";
}

/** Throws AssertionError(msg) unless `cond` is truthy (Python: `assert cond, msg`). */
export function assert(cond: unknown, msg?: string): asserts cond {
  if (!cond) throw new AssertionError(msg ?? "");
}
