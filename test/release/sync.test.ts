// The committed student notebook is exactly the release of the committed instructor notebook.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { readNotebook } from "../../grading/notebook";
import { releaseNotebook, serializeNotebook } from "../../grading/notebook/release";
import { validateSource } from "../../grading/grade/validate";

const root = path.resolve(__dirname, "../..");
const source = path.join(root, "notebooks", "source", "lab4.ipynb");
const released = path.join(root, "notebooks", "lab4.ipynb");

test("notebooks/lab4.ipynb is the release of notebooks/source/lab4.ipynb", () => {
  assert.ok(fs.existsSync(released), `${released} is missing: run npm run release`);
  const expected = serializeNotebook(releaseNotebook(readNotebook(source)));
  const got = fs.readFileSync(released, "utf8");
  assert.ok(got === expected, "notebooks/lab4.ipynb is stale (the instructor notebook changed since): run npm run release and commit it");
});

test("the instructor notebook passes validation (nbgrader metadata, markers, test cells)", () => {
  const v = validateSource(readNotebook(source), source);
  assert.ok(v.gradeCells.length >= 5);
  for (const g of v.gradeCells) assert.is(g.compiled.points, g.points, `${g.gradeId}: marks add up to its points`);
});

test.run();
