/**
 * Python's repr (lib/python/repr.ts), the one implementation behind lab4's pyRepr/pyStrRepr/vars,
 * the datasets' printed form and lab4/grading's pyRepr/pyStrRepr. Expected strings were printed by
 * CPython 3.11 (`repr(v)` for each value below).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pyRepr, pyStrRepr, vars } from "../../lib/torchtext";
import * as grading from "../../grading/runtime/pyfloat";
import { Dataset, type DatasetRow } from "../../lib/data/dataset";

const STR_CASES: Array<[string, string]> = [
  ["a", "'a'"],
  ["it's", `"it's"`],
  [`say "hi" it's`, `'say "hi" it\\'s'`],
  ["tab\there", "'tab\\there'"],
  ["nl\n", "'nl\\n'"],
  ["\x85", "'\\x85'"],
  ["\xa0", "'\\xa0'"],
  ["\u200b", "'\\u200b'"],
  ["ü", "'ü'"],
  ["\u{1F600}", "'\u{1F600}'"],
  ["\u{E0001}", "'\\U000e0001'"],
  ["back\\slash", "'back\\\\slash'"],
  ["\x7f", "'\\x7f'"],
];

test("str repr matches CPython; lab4 and lab4/grading share it", () => {
  for (const [v, want] of STR_CASES) {
    assert.is(pyStrRepr(v), want, JSON.stringify(v));
    assert.is(grading.pyStrRepr(v), want, `grading: ${JSON.stringify(v)}`);
  }
});

test("values: dict, list, int, float, None, bool like CPython", () => {
  const v = { src: [".", "büsche"], n: 3, x: 0.1, y: 1e-7, z: null, b: true, l: [1.5, 2] };
  const want = "{'src': ['.', 'büsche'], 'n': 3, 'x': 0.1, 'y': 1e-07, 'z': None, 'b': True, 'l': [1.5, 2]}";
  assert.is(pyRepr(v), want);
  assert.is(String(vars(v)), want);
  assert.is(grading.pyRepr(1e-7), "1e-07");
});

test("a dataset names a missing column with Python's repr", () => {
  const ds = new Dataset<DatasetRow>([{ "it's": 1 }]);
  assert.throws(
    () => ds.column("nope"),
    (e: Error) => e.message.includes(`column 'nope'; available columns: "it's"`),
  );
});

test.run();
