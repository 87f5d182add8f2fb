// marks / resetMarks / summariseMarks against jhwutils.tick (johnhw/jhwutils 542878a, the version
// the lab was written against): the expected HTML below is copied from tick.py's templates.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  MARKER_PREFIX,
  getMarks,
  marks,
  resetMarks,
  reset_marks,
  setMarksOutput,
  summariseMarks,
  summarise_marks,
} from "../../grading/runtime/marks";
import { AssertionError, assert as check } from "../../grading/runtime/assert";
import { checkScalar } from "../../grading/runtime/checkarr";
import { captureWarnings } from "./helpers";

// tick.py templates, "%d" filled in
const CORRECT = (n: number): string => `
        <div class="alert alert-box alert-success">
        <h1> <!--{id:"CORRECTMARK", marks:"${n}"}--> 
         ✓ [${n} marks] 
         </h1> </div>`;
const WRONG = (n: number): string => `<hr style="height:10px;border:none;color:#f00;background-color:#f00;" />
        <div class="alert alert-box alert-danger">
        <h1> <!--{id:"WRONGMARK", marks:"${n}"}--> Test failed ✘ [0/${n}] marks  </h1> </div>`;
const TOTAL = (a: number, b: number, pct: string): string => `<!--{id:"TOTALMARK",marks:"${a}", available:"${b}"}  -->
        
        <h1> ${a} / ${b} marks (${pct}%) </h1>
        `;

let html: string[] = [];
let text: string[] = [];

test.before.each(() => {
  html = [];
  text = [];
  setMarksOutput({ html: (s) => html.push(s), text: (s) => text.push(s) });
  resetMarks();
});
test.after.each(() => {
  setMarksOutput(null);
  resetMarks();
});

const markerOf = (s: string): Record<string, unknown> => {
  const m = /^\[lab4-marks\] (\{.*\})$/m.exec(s);
  if (m === null) throw new Error(`no marker in ${s}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
};
const htmlMarkerOf = (s: string): Record<string, unknown> => {
  const m = /<!--\[lab4-marks\] (\{.*\})-->$/.exec(s);
  if (m === null) throw new Error(`no HTML marker in ${s}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
};

test("a passing check: jhwutils' CORRECTMARK HTML, plain text, marker, marks awarded", () => {
  const r = marks(3, () => check(checkScalar(3085, "0xf4f4eb83")));
  assert.is(r, undefined);
  const marker = { id: "CORRECTMARK", marks: 3, total: 3, label: null, seq: 1 };
  assert.equal(html, [`${CORRECT(3)}\n<!--${MARKER_PREFIX} ${JSON.stringify(marker)}-->`]);
  assert.equal(text, [`✓ [3 marks]\n${MARKER_PREFIX} ${JSON.stringify(marker)}`]);
  assert.equal(markerOf(text[0]!), marker);
  assert.equal(htmlMarkerOf(html[0]!), marker);
  assert.is(getMarks().marks, 3);
  assert.is(getMarks().total, 3);
});

test("a failing check: WRONGMARK HTML, the same error rethrown, no marks", () => {
  let thrown: unknown;
  try {
    captureWarnings(() => marks(3, () => check(checkScalar(3084, "0xf4f4eb83"))));
  } catch (e) {
    thrown = e;
  }
  assert.instance(thrown, AssertionError);
  assert.is(html.length, 1);
  assert.ok(html[0]!.startsWith(WRONG(3) + "\n<!--"));
  assert.ok(text[0]!.startsWith("Test failed ✘ [0/3] marks\n"));
  assert.equal(markerOf(text[0]!), { id: "WRONGMARK", marks: 0, total: 3, label: null, seq: 1, error: "AssertionError" });
  assert.equal([getMarks().marks, getMarks().total], [0, 3]);
});

test("the failing error object is rethrown unchanged, whatever was thrown", () => {
  const err = new RangeError("boom");
  assert.throws(
    () =>
      marks(2, () => {
        throw err;
      }),
    (e: unknown) => e === err,
  );
  assert.is(markerOf(text[0]!).error, "RangeError: boom");
  assert.throws(
    () =>
      marks(1, () => {
        throw "plain string";
      }),
    (e: unknown) => e === "plain string",
  );
});

test("returns the body's value", () => {
  assert.is(
    marks(1, () => 42),
    42,
  );
});

test("async body: marks only when the promise settles; rejection rethrown", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const p = marks(5, async () => {
    await gate;
    return "done";
  });
  assert.instance(p, Promise);
  assert.equal(text, []); // nothing shown yet
  assert.is(getMarks().total, 5); // available counted at the start, like `with tick.marks(5):`
  assert.is(getMarks().marks, 0);
  release();
  assert.is(await p, "done");
  assert.equal(html, [
    `${CORRECT(5)}\n<!--${MARKER_PREFIX} ${JSON.stringify({ id: "CORRECTMARK", marks: 5, total: 5, label: null, seq: 1 })}-->`,
  ]);
  assert.is(getMarks().marks, 5);

  const err = new Error("late failure");
  let caught: unknown;
  await marks(4, async () => {
    await Promise.resolve();
    throw err;
  }).catch((e: unknown) => (caught = e));
  assert.is(caught, err);
  assert.ok(html[1]!.startsWith(WRONG(4)));
  assert.equal([getMarks().marks, getMarks().total], [5, 9]);
});

test("summariseMarks: TOTALMARK HTML with totals and percentage", () => {
  marks(3, () => undefined);
  assert.throws(() => marks(5, () => check(false)));
  summariseMarks();
  const marker = { id: "TOTALMARK", marks: 3, total: 8, percent: 37.5 };
  assert.is(html[2], `${TOTAL(3, 8, "37.5")}\n<!--${MARKER_PREFIX} ${JSON.stringify(marker)}-->`);
  assert.is(text[2], `3 / 8 marks (37.5%)\n${MARKER_PREFIX} ${JSON.stringify(marker)}`);
});

test("summariseMarks with nothing marked: 0 / 0 marks (0.0%)", () => {
  summariseMarks();
  assert.ok(html[0]!.startsWith(TOTAL(0, 0, "0.0")));
  assert.ok(text[0]!.startsWith("0 / 0 marks (0.0%)"));
});

test("percentage uses Python's '%.1f' (round-half-even): 49/400 = 12.25% -> 12.2", () => {
  marks(49, () => undefined);
  assert.throws(() => marks(351, () => check(false)));
  summariseMarks();
  assert.ok(text[2]!.startsWith("49 / 400 marks (12.2%)"));
  assert.is(markerOf(text[2]!).percent, 12.2);
});

test("resetMarks forgets totals (reset_marks is the same)", () => {
  marks(3, () => undefined);
  resetMarks();
  assert.equal([getMarks().marks, getMarks().total, getMarks().entries.length], [0, 0, 0]);
  assert.is(reset_marks, resetMarks);
  assert.is(summarise_marks, summariseMarks);
});

test("labels are shown and recorded; the marker survives hostile label text", () => {
  const label = 'vocab --> <b>"x"</b>';
  marks(2, () => undefined, label);
  assert.ok(html[0]!.includes("vocab --&#62; &#60;b&#62;&#34;x&#34;&#60;/b&#62; ✓ [2 marks]"));
  // the comment is not closed early by the label
  assert.is(html[0]!.split("-->").length, 3); // the jhwutils comment and ours
  assert.equal(htmlMarkerOf(html[0]!).label, label);
  assert.equal(markerOf(text[0]!).label, label);
});

test("bad arguments: a clear TypeError before anything is counted", () => {
  for (const n of [-1, NaN, Infinity, "3" as unknown as number]) {
    assert.throws(
      () => marks(n, () => undefined),
      (e: Error) => e instanceof TypeError && /non-negative number of marks/.test(e.message),
    );
  }
  assert.throws(
    () => marks(3, undefined as unknown as () => void),
    (e: Error) => e instanceof TypeError && /fn must be a function/.test(e.message),
  );
  assert.is(getMarks().total, 0);
});

test("the registry is process-global: a second copy of the module shares it", () => {
  const file = require.resolve("../../grading/runtime/marks");
  const cached = require.cache[file];
  delete require.cache[file];
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance, after clearing it from the cache
  const copy = require(file) as typeof import("../../grading/runtime/marks");
  if (cached) require.cache[file] = cached;
  assert.is.not(copy.marks, marks);
  copy.marks(7, () => undefined);
  assert.is(getMarks().marks, 7);
  assert.is(html.length, 1); // same output setting too
});

test("inside a tslab kernel: HTML through the kernel's display, nothing on stdout", () => {
  setMarksOutput(null);
  const shown: string[] = [];
  const g = globalThis as { __tslab__?: unknown };
  g.__tslab__ = { require: (id: string) => (id === "tslab" ? { display: { html: (s: string) => shown.push(s) } } : undefined) };
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => (written.push(s), true)) as typeof process.stdout.write;
  try {
    marks(3, () => undefined);
  } finally {
    process.stdout.write = write;
    delete g.__tslab__;
  }
  assert.is(shown.length, 1);
  assert.ok(shown[0]!.startsWith(CORRECT(3)));
  assert.equal(written, []);
});

test("tslab loaded but no kernel (the real tslab module's display throws 'Not ready'): plain text", () => {
  setMarksOutput(null);
  const g = globalThis as { __tslab__?: unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- stands in for tslab's own require
  g.__tslab__ = { require: (id: string) => require(id) as unknown };
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => (written.push(s), true)) as typeof process.stdout.write;
  try {
    marks(3, () => undefined);
  } finally {
    process.stdout.write = write;
    delete g.__tslab__;
  }
  assert.is(written.length, 1);
  assert.ok(written[0]!.startsWith("✓ [3 marks]\n[lab4-marks] "));
});

test("assert: Python's assert statement", () => {
  check(1);
  assert.throws(
    () => check(0),
    (e: Error) => e instanceof AssertionError && e.name === "AssertionError" && e.message === "",
  );
  assert.throws(
    () => check(false, "len(vocab) should be 3085"),
    (e: Error) => e.message === "len(vocab) should be 3085",
  );
});

test.run();
