/**
 * What the real tslab kernel wrote into the executed fixture notebook (nbconvert keeps the final
 * state of every display): one output per chart with exactly Vega-Lite + PNG + text, the live chart
 * complete, each progress bar's final line, no stray output from dependencies, and student errors
 * printed short, in Spanish, without library frames.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { executedFixture, CHART_CELLS } from "./fixture";
import { readNotebook, Notebook, NotebookOutput } from "../../grading/notebook";
import { VEGALITE_MIME } from "../../lib/plot/render";

let nb: Notebook;
const outputs = (id: string): NotebookOutput[] => {
  const c = nb.cells.find((x) => x.id === id);
  assert.ok(c, `cell ${id}`);
  return c!.outputs ?? [];
};
const text = (o: NotebookOutput) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? ""));
const plain = (o: NotebookOutput) => {
  const t = o.data?.["text/plain"];
  return Array.isArray(t) ? t.join("") : String(t ?? "");
};

test.before(() => {
  nb = readNotebook(executedFixture());
});

test("every chart cell has exactly one chart output: Vega-Lite + PNG + text, no HTML", () => {
  for (const id of CHART_CELLS) {
    const charts = outputs(id).filter((o) => o.output_type === "display_data" && o.data && VEGALITE_MIME in o.data);
    assert.is(charts.length, 1, id);
    assert.equal(Object.keys(charts[0].data!).sort(), [VEGALITE_MIME, "image/png", "text/plain"], id);
    const meta = charts[0].metadata?.["image/png"] as { width: number; height: number };
    assert.ok(meta.width > 100 && meta.height > 50, `${id}: PNG size metadata`);
  }
});

test("the live chart's final state is the complete chart (24 batches), the bars their final lines", () => {
  const outs = outputs("training");
  const chart = outs.find((o) => o.data && VEGALITE_MIME in o.data)!;
  const rows = (chart.data![VEGALITE_MIME] as { data: { values: Array<{ x: number; y: number }> } }).data.values;
  assert.equal(
    rows.map((r) => r.x),
    Array.from({ length: 24 }, (_, i) => i),
  );
  assert.ok(Math.abs(rows[23].y - (7 - 2 * 0.4 - 7 * 0.03)) < 1e-9);
  const bars = outs.filter((o) => o.output_type === "display_data" && Object.keys(o.data ?? {}).join() === "text/plain").map(plain);
  assert.equal(bars.length, 3);
  bars.forEach((b, e) =>
    assert.match(
      b,
      new RegExp(`^Época ${e} █{24} 8/8 lotes · \\d+:\\d\\d transcurrido · terminado · loss \\d\\.\\d{4} \\(media \\d\\.\\d{4}\\)$`),
    ),
  );
});

test("no stray output: chart and check cells print nothing on stdout/stderr", () => {
  for (const c of nb.cells) {
    if (c.cell_type !== "code" || c.id === "student_error" || c.id === "failed_check") continue;
    const streams = (c.outputs ?? []).filter((o) => o.output_type === "stream");
    assert.equal(streams.map(text), [], `cell ${c.id}`);
  }
});

test("a student error from lab4 prints short, in Spanish, with no library frames", () => {
  const err = outputs("student_error")
    .filter((o) => o.output_type === "stream" && o.name === "stderr")
    .map(text)
    .join("");
  assert.is(
    err,
    'Error: token "zzz" is not in the vocabulary (1 tokens)\n' +
      "    at nearest (celda)\n" +
      "    at (celda)\n" +
      "lab4: una palabra no está en el vocabulario (¿le aplicó el mismo preprocesamiento/stemming?).\n" +
      "lab4: traza completa con lab4Debug() en una celda nueva (o LAB4_DEBUG=1).\n",
  );
});

test("a failed check prints the AssertionError, the Spanish hint and nothing from grading", () => {
  const outs = outputs("failed_check");
  assert.ok(
    outs.some((o) => /WRONGMARK/.test(String(o.data?.["text/html"] ?? ""))),
    "the check shows as failed",
  );
  const err = outs
    .filter((o) => o.name === "stderr")
    .map(text)
    .join("");
  assert.match(err, /^AssertionError\n    at \(celda\)\nlab4: la condición de assert\(\.\.\.\) es falsa/);
  assert.not.match(err, /\//, "no file paths");
});

test.run();
