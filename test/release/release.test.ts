// Releasing the instructor notebooks: no solution or hidden test survives, stubs are in place,
// outputs are cleared, and nbgrader's checksums match an independent Python computation.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cellSource, readNotebook, type Notebook } from "../../grading/notebook";
import { releaseNotebook, serializeNotebook, CODE_STUB, TEXT_STUB } from "../../grading/notebook/release";
import { gradeId, isGrade, isSolution, nbgraderMeta } from "../../grading/notebook/nbgrader";
import { findRegions } from "../../grading/notebook/regions";
import { jupyterPython } from "../../grading/grade/driver";

const root = path.resolve(__dirname, "../..");
const realSource = path.join(root, "notebooks", "source", "lab4.ipynb");
const miniSource = path.join(root, "test", "fixtures", "submissions", "mini-source.ipynb");

/** Lines that are inside a region of `kind` and nowhere else in the cell. */
function regionOnlyLines(src: string, kind: "SOLUTION" | "HIDDEN TESTS"): string[] {
  const lines = src.split("\n");
  const regions = findRegions(src, "x", "code").filter((r) => r.kind === kind);
  const inside = new Set<number>();
  for (const r of regions) for (let i = r.begin + 1; i < r.end; i++) inside.add(i);
  const outside = new Set(lines.filter((_, i) => !inside.has(i)).map((l) => l.trim()));
  return [...inside].map((i) => lines[i]!.trim()).filter((l) => l !== "" && !outside.has(l));
}

for (const [name, file] of [
  ["the lab notebook", realSource],
  ["the mini fixture", miniSource],
] as const) {
  test(`${name}: every solution line is gone, replaced by the stub; outputs cleared`, () => {
    const src = readNotebook(file);
    const rel = releaseNotebook(src);
    assert.is(rel.cells.length, src.cells.length);
    let regions = 0;
    src.cells.forEach((c, i) => {
      const r = rel.cells[i]!;
      assert.is(r.id, c.id);
      const text = cellSource(r);
      assert.not.match(text, /BEGIN SOLUTION|END SOLUTION|HIDDEN TESTS/, `cell ${c.id} still has markers`);
      if (isSolution(c) && c.cell_type === "code") {
        const hidden = regionOnlyLines(cellSource(c), "SOLUTION");
        for (const l of hidden)
          assert.not.ok(
            text.split("\n").some((t) => t.trim() === l),
            `cell ${c.id} leaks ${l}`,
          );
        const n = findRegions(cellSource(c), "x", "code").filter((x) => x.kind === "SOLUTION").length;
        regions += n;
        assert.is(text.split(CODE_STUB[1]!).length - 1, n, `cell ${c.id}: one stub per region`);
      }
      if (isSolution(c) && c.cell_type === "markdown") assert.is(text, TEXT_STUB);
      if (r.cell_type === "code") {
        assert.equal(r.outputs, []);
        assert.is(r.execution_count, null);
      }
    });
    assert.ok(regions > 3, "the notebook has solution regions");
  });
}

test("the mini fixture's hidden test is removed from its grade cell and nowhere in the release", () => {
  const src = readNotebook(miniSource);
  const gradeCell = src.cells.find((c) => gradeId(c) === "words_checks")!;
  const hiddenLines = regionOnlyLines(cellSource(gradeCell), "HIDDEN TESTS");
  assert.is(hiddenLines.length, 1);
  const text = serializeNotebook(releaseNotebook(src));
  assert.not.ok(text.includes(hiddenLines[0]!.slice(0, 40)), "hidden test text in the release");
  assert.not.ok(text.includes("0x9e5e43a8"), "hidden test hash in the release");
});

test("nbgrader checksums: recorded on every nbgrader cell, equal to nbgrader's formula computed by Python", () => {
  const cases: Notebook[] = [releaseNotebook(readNotebook(realSource)), releaseNotebook(readNotebook(miniSource))];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-checksum-"));
  // nbgrader's compute_checksum, written out here independently of the TypeScript code.
  const py = `
import hashlib, json, sys
for path in sys.argv[1:]:
    nb = json.load(open(path, encoding="utf-8"))
    out = []
    for c in nb["cells"]:
        m = c["metadata"].get("nbgrader")
        if m is None:
            continue
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        grade, solution = bool(m.get("grade", False)), bool(m.get("solution", False))
        locked = False if solution else (True if grade else bool(m.get("locked", False)))
        parts = [src, c["cell_type"], str(grade), str(solution), str(locked), m["grade_id"]]
        if grade:
            parts.append(str(float(m["points"])))
        out.append([m["grade_id"], hashlib.md5("".join(parts).encode("utf-8")).hexdigest()])
    print(json.dumps(out))
`;
  const files = cases.map((nb, i) => {
    const f = path.join(dir, `r${i}.ipynb`);
    fs.writeFileSync(f, serializeNotebook(nb));
    return f;
  });
  const r = spawnSync(jupyterPython(), ["-c", py, ...files], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  cases.forEach((nb, i) => {
    const expected = JSON.parse(lines[i]!) as [string, string][];
    const got = nb.cells.filter((c) => nbgraderMeta(c) !== null).map((c) => [gradeId(c), nbgraderMeta(c)!.checksum]);
    assert.equal(got, expected);
    assert.ok(
      nb.cells.some((c) => isGrade(c)),
      "grade cells present",
    );
  });
});

test("the source notebook is not modified by releasing it", () => {
  const src = readNotebook(realSource);
  const before = JSON.stringify(src);
  releaseNotebook(src);
  assert.is(JSON.stringify(src), before);
});

test.run();
