// Bad files are refused with the reason (never a crash); what we keep of a good file is normalised.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseSubmission, readSubmission, Refusal, MAX_SUBMISSION_BYTES } from "../../grading/grade/submission";
import { brokenDir } from "./submissions";

const TSLAB = { name: "tslab", language: "typescript" };
const nb = (extra: Record<string, unknown> = {}, cells: unknown[] = []) =>
  Buffer.from(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "tslab", language: "typescript" } },
      cells,
      ...extra,
    }),
  );

function refused(bytes: Buffer, reason: RegExp) {
  try {
    parseSubmission("x.ipynb", bytes, TSLAB);
  } catch (e) {
    assert.instance(e, Refusal);
    assert.match((e as Error).message, reason);
    return;
  }
  assert.unreachable(`accepted, expected a refusal matching ${reason}`);
}

test("the committed broken files: 0 bytes, malformed JSON, Python kernel", () => {
  assert.throws(() => readSubmission(path.join(brokenDir, "empty.ipynb"), TSLAB), /empty file \(0 bytes\)/);
  assert.throws(() => readSubmission(path.join(brokenDir, "malformed_json.ipynb"), TSLAB), /not valid JSON/);
  assert.throws(
    () => readSubmission(path.join(brokenDir, "python_kernel.ipynb"), TSLAB),
    /kernel "python3" \(language "python"\), expected "tslab" \(typescript\)/,
  );
  assert.throws(() => readSubmission(path.join(brokenDir, "no-such-file.ipynb"), TSLAB), /cannot read the file \(ENOENT\)/);
});

test("other shapes that are not gradable notebooks", () => {
  refused(Buffer.from("  \n"), /only whitespace/);
  refused(Buffer.from([0xff, 0xfe, 0x00]), /not UTF-8/);
  refused(Buffer.from("[1, 2]"), /not an object/);
  refused(nb({ nbformat: 3 }), /nbformat 3, expected 4/);
  refused(Buffer.from(JSON.stringify({ nbformat: 4, metadata: {} })), /no "cells" list/);
  refused(nb({}, [{ cell_type: "code", source: 42 }]), /cell 0 is malformed/);
  refused(nb({}, [{ cell_type: "widget", source: "" }]), /cell 0 is malformed/);
  refused(nb({ metadata: { kernelspec: { name: "tslab", language: "javascript" } } }), /language "javascript"/);
  refused(nb({ metadata: { kernelspec: { name: "jslab", language: "javascript" } } }), /kernel "jslab" \(language "javascript"\)/);
  // no language in the kernelspec: the notebook's language_info decides
  refused(nb({ metadata: { kernelspec: { name: "ir" }, language_info: { name: "R" } } }), /kernel "ir" \(language "r"\)/);
  refused(Buffer.alloc(MAX_SUBMISSION_BYTES + 1, 32), /exceeds the/);
});

test("a TypeScript notebook with another kernel name is graded with the course's kernel, noted (nbgrader's OverwriteKernelspec)", () => {
  for (const [metadata, note] of [
    [
      { kernelspec: { name: "typescript", language: "typescript", display_name: "TypeScript" } },
      'kernelspec "typescript" (language "typescript"); graded with the tslab kernel',
    ],
    [{ kernelspec: { name: "deno", language: "TypeScript" } }, 'kernelspec "deno" (language "typescript"); graded with the tslab kernel'],
    [
      { kernelspec: { name: "ts" }, language_info: { name: "typescript" } },
      'kernelspec "ts" (language "typescript"); graded with the tslab kernel',
    ],
  ] as const) {
    const s = parseSubmission("ts.ipynb", nb({ metadata }), TSLAB);
    assert.equal(s.notes, [note]);
  }
  assert.equal(parseSubmission("ok.ipynb", nb({}), TSLAB).notes, [], "the course's own kernel needs no note");
});

test("accepted: no kernelspec (noted), list sources joined, outputs and execution counts dropped", () => {
  const s = parseSubmission(
    "ok.ipynb",
    Buffer.from(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 4,
        metadata: {},
        cells: [
          {
            cell_type: "code",
            id: "a",
            source: ["x\n", "y"],
            metadata: { tags: [] },
            outputs: [{ output_type: "stream", text: "fake ✓" }],
            execution_count: 9,
          },
        ],
      }),
    ),
    TSLAB,
  );
  assert.equal(s.notes, ["no kernelspec in the notebook; graded with the tslab kernel"]);
  assert.equal(s.nb.cells, [{ cell_type: "code", id: "a", source: "x\ny", metadata: { tags: [] } }]);
});

test("files named by their own broken-fixture folder exist (the class set relies on them)", () => {
  assert.equal(fs.readdirSync(brokenDir).sort(), ["empty.ipynb", "malformed_json.ipynb", "python_kernel.ipynb"]);
  assert.is(fs.statSync(path.join(brokenDir, "empty.ipynb")).size, 0);
});

test.run();
