// The guards' conditions outside a kernel: what they flag and, as important, what they let through.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { looksSwapped } from "../../lib/nn/buffer-guard";
import { withDiagnosticHints } from "../../lib/notebook/friendly-errors";

const zeros = (n: number) => ({ rank: 1, size: n, dtype: "float32", values: new Float32Array(n) });

test("buffer guard: only the swapped one-hot call on a fresh rank-1 float buffer", () => {
  assert.ok(looksSwapped(zeros(20), 7, [1]), "vec.set(7, 1)");
  assert.not.ok(looksSwapped(zeros(20), 1, [7]), "vec.set(1, 7): the right call");
  assert.not.ok(looksSwapped(zeros(20), 1, [1]), "a one at position 1");
  assert.not.ok(looksSwapped(zeros(20), 0.5, [1]), "not an index");
  assert.not.ok(looksSwapped(zeros(20), 25, [1]), "outside the buffer: not a position of it");
  assert.not.ok(looksSwapped(zeros(20), 7, [3]), "another position");
  const filled = zeros(20);
  filled.values[4] = 2;
  assert.not.ok(looksSwapped(filled, 7, [1]), "a buffer already holding values");
  assert.not.ok(looksSwapped({ ...zeros(20), dtype: "int32" }, 7, [1]), "int32 buffers");
  assert.not.ok(looksSwapped({ ...zeros(20), rank: 2 }, 7, [1, 0]), "rank 2");
});

test("TypeScript diagnostics get the Map hint only when they are about a Map", () => {
  const map =
    "1:7 - Type '[number, string][]' is missing the following properties from type 'Map<number, string>': clear, delete, get, has, " +
    "and 3 more.\n";
  assert.match(withDiagnosticHints(map), /\nlab4: tok2id e id2tok deben ser un Map .*\n$/);
  assert.match(withDiagnosticHints("2:20 - Property 'get' does not exist on type 'string[]'.\n"), /lab4: tok2id e id2tok deben ser un Map/);
  for (const other of [
    "1:1 - Cannot find name 'foo'.\n",
    "3:5 - Property 'gte' does not exist on type 'string[]'.\n",
    "Error: Property 'get' does not exist on type 'string[]'\n", // not a diagnostic line
  ])
    assert.is(withDiagnosticHints(other), other);
});

test.run();
