/** Counter with Python's semantics (insertion order, missing -> 0, stable most_common) and the > 10 filter. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { inspect } from "node:util";
import { Counter, filterCounts } from "../../lib/text/counter";

test("counts in first-seen order, like Counter('abracadabra') in Python 3.7+", () => {
  const c = new Counter("abracadabra");
  // Python: Counter('abracadabra').items() -> a:5, b:2, r:2, c:1, d:1 in first-seen order.
  assert.equal(
    [...c.entries()],
    [
      ["a", 5],
      ["b", 2],
      ["r", 2],
      ["c", 1],
      ["d", 1],
    ],
  );
  assert.equal([...c.keys()], ["a", "b", "r", "c", "d"]);
  assert.is(c.size, 5);
  assert.is(c.total(), 11);
  assert.is(c.get("z"), 0);
  assert.ok(c.has("a") && !c.has("z"));
});

test("mostCommon: highest first, ties in insertion order (Python's most_common)", () => {
  const c = new Counter("abracadabra");
  // Python: Counter('abracadabra').most_common(3) == [('a', 5), ('b', 2), ('r', 2)]
  assert.equal(c.mostCommon(3), [
    ["a", 5],
    ["b", 2],
    ["r", 2],
  ]);
  assert.equal(
    c.mostCommon().map(([k]) => k),
    ["a", "b", "r", "c", "d"],
  );
  assert.equal(c.mostCommon(0), []);
  assert.is(inspect(c), "Counter({'a': 5, 'b': 2, 'r': 2, 'c': 1, 'd': 1})");
});

test("update adds to existing counts and keeps the first-seen order", () => {
  const c = new Counter(["x", "y"]).update(["z", "x", "x"]);
  assert.equal(
    [...c],
    [
      ["x", 3],
      ["y", 1],
      ["z", 1],
    ],
  );
});

test("filterCounts keeps v > 10 (11 stays, 10 goes) in the same order", () => {
  const c = new Counter<string>();
  for (const [w, n] of [
    ["ten", 10],
    ["eleven", 11],
    ["one", 1],
    ["twelve", 12],
  ] as const)
    c.update(Array(n).fill(w));
  const kept = filterCounts(c, 10);
  assert.equal(
    [...kept],
    [
      ["eleven", 11],
      ["twelve", 12],
    ],
  );
  assert.equal(
    [...filterCounts(c)],
    [
      ["eleven", 11],
      ["twelve", 12],
    ],
  );
  assert.equal(
    [
      ...filterCounts(
        new Map([
          ["a", 1],
          ["b", 2],
        ]),
        1,
      ),
    ],
    [["b", 2]],
  );
});

test.run();
