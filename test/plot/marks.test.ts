/**
 * Marks per part from grading's registry: checks count for the last part begun before them,
 * earlier ones for "Inicio"; resetMarks + re-run works; the chart shows earned / possible per part.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { marks, resetMarks, setMarksOutput } from "../../grading/runtime/marks";
import { beginMarksPart, clearMarksParts, marksByPart, marksSummarySpec, marksSummaryText, plotMarksSummary } from "../../lib/plot/marks";
import { renderSvg } from "../../lib/plot/render";
import { captureDisplays } from "./capture";

function quietly(fn: () => void): void {
  const prev = setMarksOutput({ html: () => {}, text: () => {} });
  try {
    fn();
  } finally {
    setMarksOutput(prev);
  }
}
const pass = (n: number) => quietly(() => marks(n, () => true));
const failing = (n: number) =>
  quietly(() => {
    try {
      marks(n, () => {
        throw new Error("no");
      });
    } catch {
      /* expected */
    }
  });

test.before.each(() => {
  resetMarks();
  clearMarksParts();
});

test("checks go to the last part begun before them; earlier ones to 'Inicio'", () => {
  pass(0);
  beginMarksPart("Parte 1");
  pass(3);
  failing(5);
  beginMarksPart("Parte 2");
  pass(25);
  assert.equal(marksByPart(), [
    { name: "Inicio", earned: 0, possible: 0, checks: 1, failed: 0 },
    { name: "Parte 1", earned: 3, possible: 8, checks: 2, failed: 1 },
    { name: "Parte 2", earned: 25, possible: 25, checks: 1, failed: 0 },
  ]);
});

test("resetMarks and re-running the notebook gives the same parts, not stale ones", () => {
  beginMarksPart("Parte 1");
  pass(3);
  beginMarksPart("Parte 2");
  pass(4);
  resetMarks();
  beginMarksPart("Parte 1");
  pass(3);
  assert.equal(
    marksByPart().map((p) => [p.name, p.possible]),
    [["Parte 1", 3]],
  );
  beginMarksPart("Parte 2");
  pass(4);
  assert.equal(
    marksByPart().map((p) => [p.name, p.possible]),
    [
      ["Parte 1", 3],
      ["Parte 2", 4],
    ],
  );
});

test("the chart: one bar pair per part with marks, total in the subtitle", () => {
  const spec = marksSummarySpec([
    { name: "Inicio", earned: 0, possible: 0, checks: 2, failed: 0 },
    { name: "Parte 1", earned: 3, possible: 8, checks: 2, failed: 1 },
    { name: "Parte 2", earned: 25, possible: 25, checks: 1, failed: 0 },
  ]);
  const rows = (spec.data as { values: Array<{ part: string; kind: string; value: number }> }).values;
  assert.equal(
    rows.map((r) => [r.part, r.kind, r.value]),
    [
      ["Parte 1", "obtenidos", 3],
      ["Parte 1", "faltantes", 5],
      ["Parte 2", "obtenidos", 25],
      ["Parte 2", "faltantes", 0],
    ],
  );
  assert.match((spec.title as { subtitle: string }).subtitle, /Total: 28 \/ 33 puntos \(84\.8%\)/);
  renderSvg(spec);
});

test("no marks yet: a notice, not a throw; bad input too", () => {
  for (const bad of [[], null, [{ name: "x", earned: NaN, possible: NaN }]]) {
    const spec = marksSummarySpec(bad as never);
    assert.match((spec.title as { subtitle: string }).subtitle, /Aún no hay verificaciones con puntos/);
  }
  assert.throws(() => beginMarksPart(""), /vacío/);
});

test("plotMarksSummary: one output; text lists parts, failures and the total", () => {
  beginMarksPart("Parte 1");
  pass(3);
  failing(2);
  const sent = captureDisplays(() => plotMarksSummary());
  assert.is(sent.length, 1);
  assert.ok("image/png" in sent[0].msg.data);
  assert.is(sent[0].msg.data["text/plain"], marksSummaryText(marksByPart()));
  assert.match(
    sent[0].msg.data["text/plain"] as string,
    /Parte 1: 3 \/ 5 \(1 verificación\(es\) fallida\(s\)\)\n  Total: 3 \/ 5 \(60\.0%\)/,
  );
});

test.run();
