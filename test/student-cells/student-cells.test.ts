// Student cells read like the original lab: what they add to it only goes down (issue #15).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BASELINE, measure, type StudentCellsMeasure } from "./identifiers";

const source = path.resolve(__dirname, "../../notebooks/source/lab4.ipynb");
const baseline = JSON.parse(fs.readFileSync(BASELINE, "utf8")) as StudentCellsMeasure;

test("the measure: identifiers with no counterpart in the original, outside comments and strings", () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lab4-cells-")), "nb.ipynb");
  const src = [
    "optimizer.zeroGrad(); // a comment with rowSlice",
    'const s = `Epoca ${epoch_loss} "x"`;',
    "// BEGIN SOLUTION",
    "tf.dispose([value, ...Object.values(grads)]);",
    "// END SOLUTION",
  ].join("\n");
  fs.writeFileSync(
    file,
    JSON.stringify({
      cells: [
        { cell_type: "code", source: src },
        { cell_type: "markdown", source: "rowSlice" },
      ],
    }),
  );
  assert.equal(measure(file), { identifiers: ["dispose", "grads", "tf", "value", "zeroGrad"], solutionLines: 1 });
});

test("no identifier the original lacks appears that main's notebook did not have, and their count does not go up", () => {
  const now = measure(source);
  const added = now.identifiers.filter((id) => !baseline.identifiers.includes(id));
  assert.equal(added, [], `new identifiers with no counterpart in the original: ${added.join(", ")}`);
  assert.ok(now.identifiers.length <= baseline.identifiers.length);
});

test("solution regions do not grow", () => {
  assert.ok(measure(source).solutionLines <= baseline.solutionLines, `${measure(source).solutionLines} > ${baseline.solutionLines}`);
});

test.run();
