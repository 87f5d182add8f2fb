// The one [lab4-marks] parser (grading/runtime/marker.ts) on marker text written out by hand, and
// on what marks() prints, as the grader, the report and the notebook tools read it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatMarker, parseMarkers } from "../../grading/runtime/marker";
import { marks, resetMarks, setMarksOutput, summariseMarks } from "../../grading/runtime/marks";
import { cellMarkers, cellMarks } from "../../grading/notebook";
import type { NotebookCell } from "../../grading/notebook";

const OK = '[lab4-marks] {"id":"CORRECTMARK","marks":3,"total":3,"label":null,"seq":1}';
const BAD = '[lab4-marks] {"id":"WRONGMARK","marks":0,"total":2,"label":"p\\u002d1","seq":2,"error":"AssertionError: a \\u003c b"}';

test("text lines and HTML comments, in order; an escaped string keeps its characters", () => {
  const got = parseMarkers(`✓ [3 marks]\n${OK}\nother output\n<div>x</div>\n<!--${BAD}-->`);
  assert.equal(got, [
    { id: "CORRECTMARK", marks: 3, total: 3, label: null, seq: 1 },
    { id: "WRONGMARK", marks: 0, total: 2, label: "p-1", seq: 2, error: "AssertionError: a < b" },
  ]);
});

test("a result shown as HTML and as text counts once; a total without seq too", () => {
  const total = '[lab4-marks] {"id":"TOTALMARK","marks":3,"total":5,"percent":60}';
  const got = parseMarkers(`<!--${OK}-->\n<!--${total}-->\n${OK}\n${total}`);
  assert.equal(
    got.map((m) => m.id),
    ["CORRECTMARK", "TOTALMARK"],
  );
});

test("text that only looks like a marker is skipped", () => {
  assert.equal(
    parseMarkers(
      '[lab4-marks] {not json}\n[lab4-marks] {"id":"OTHER","marks":1,"total":1}\n x [lab4-marks] {"id":"CORRECTMARK","marks":1,"total":1}',
    ),
    [],
  );
});

test("formatMarker and parseMarkers agree on what marks() prints", () => {
  const text: string[] = [];
  setMarksOutput({ html: () => {}, text: (s) => text.push(s) });
  resetMarks();
  try {
    marks(4, () => {});
    try {
      marks(2, () => {
        throw new Error("<-- not a comment end");
      });
    } catch {
      /* rethrown like jhwutils */
    }
    summariseMarks();
  } finally {
    setMarksOutput(null);
    resetMarks();
  }
  const got = parseMarkers(text.join("\n"));
  assert.equal(
    got.map((m) => [m.id, m.marks, m.total]),
    [
      ["CORRECTMARK", 4, 4],
      ["WRONGMARK", 0, 2],
      ["TOTALMARK", 4, 6],
    ],
  );
  assert.is(got[1]!.error, "Error: <-- not a comment end");
  assert.equal(parseMarkers(formatMarker(got[1]!)), [got[1]!]);
});

test("a cell's marks: HTML and text of one output read once, two outputs twice", () => {
  const out = { output_type: "display_data", data: { "text/html": `<!--${OK}-->`, "text/plain": OK } };
  const cell: NotebookCell = {
    cell_type: "code",
    source: "",
    metadata: {},
    outputs: [out, { output_type: "stream", name: "stdout", text: BAD }],
  };
  assert.equal(
    cellMarkers(cell).map((m) => m.id),
    ["CORRECTMARK", "WRONGMARK"],
  );
  assert.equal(cellMarks(cell, 7), [
    { cell: 7, correct: true, marks: 3 },
    { cell: 7, correct: false, marks: 2 },
  ]);
});

test.run();
