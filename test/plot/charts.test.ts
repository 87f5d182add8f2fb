/**
 * Line charts with bad data: no data, NaN, ±Infinity, a single point, garbage instead of arrays
 * give a notice (or a subtitle note) and never throw; the original lab's loss plot and the Seq2Seq history
 * hold the right numbers (perplexity = exp(loss), by hand), in one output each.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { lineChartSpec, plotLoss, plotSeq2SeqHistory, seq2seqHistorySpec, seq2seqHistoryText, seriesText } from "../../lib/plot/charts";
import { renderSvg, VEGALITE_MIME } from "../../lib/plot/render";
import { captureDisplays } from "./capture";

type Spec = Record<string, unknown> & {
  title?: { text: string; subtitle?: string[] | string };
  data?: { values: Array<Record<string, unknown>> };
};

function subtitle(s: Spec): string {
  const sub = s.title?.subtitle;
  return Array.isArray(sub) ? sub.join(" | ") : (sub ?? "");
}
const isNotice = (s: Spec) => (s.mark as { type?: string })?.type === "text" && !("encoding" in s && "x" in (s.encoding as object));

test("no data / all NaN / all Infinity: a notice chart that names the problem", () => {
  const cases: Array<[number[], RegExp]> = [
    [[], /vacía/],
    [[NaN, NaN], /ninguno de los 2 valores es finito/],
    [[Infinity, -Infinity, NaN], /ninguno de los 3 valores es finito/],
  ];
  for (const [values, why] of cases) {
    const s = lineChartSpec([{ name: "Loss", values }], { title: "Pérdida" }) as Spec;
    assert.ok(isNotice(s), JSON.stringify(s));
    assert.match(subtitle(s), why);
    renderSvg(s); // renders without error
  }
});

test("some non-finite values: drawn as gaps and counted in the subtitle", () => {
  const s = lineChartSpec([{ name: "Loss", values: [3, NaN, 2, Infinity] }]) as Spec;
  assert.equal(
    s.data!.values.map((r) => r.y),
    [3, null, 2, null],
  );
  assert.match(subtitle(s), /2 valor\(es\) no finito/);
});

test("a single point is drawn, with a note that there is no curve yet", () => {
  const s = lineChartSpec([{ name: "Loss", values: [4.2] }]) as Spec;
  assert.equal(s.data!.values, [{ x: 0, y: 4.2, serie: "Loss" }]);
  assert.match(subtitle(s), /un solo punto/);
});

test("one epoch of Seq2Seq (one point per series) says there is no curve yet", () => {
  const spec = seq2seqHistorySpec({ train: [8.2], valid: [6.4] }) as Spec;
  assert.match(subtitle(spec), /un solo punto por serie/);
  assert.not.match(subtitle(seq2seqHistorySpec({ train: [8.2, 7], valid: [6.4] }) as Spec), /un solo punto/);
});

test("garbage instead of series never throws", () => {
  for (const bad of [null, undefined, 42, "x", [{ name: "a", values: null }], [null]])
    assert.ok(isNotice(lineChartSpec(bad as never) as Spec));
  const sent = captureDisplays(() => {
    plotLoss(null as never);
    plotSeq2SeqHistory(null as never);
    plotSeq2SeqHistory({ train: "x", valid: undefined } as never);
  });
  assert.is(sent.length, 3);
});

test("plotLoss: one output, the original lab's 3 epochs from 0, x Epoch, y NLL, red line, values as text", () => {
  const sent = captureDisplays(() => plotLoss([7.25, 6.5, 6.125]));
  assert.is(sent.length, 1);
  const spec = sent[0].msg.data[VEGALITE_MIME] as Spec & { encoding: Record<string, { title?: string; scale?: { range?: string[] } }> };
  assert.equal(spec.data!.values, [
    { x: 0, y: 7.25, serie: "Loss" },
    { x: 1, y: 6.5, serie: "Loss" },
    { x: 2, y: 6.125, serie: "Loss" },
  ]);
  assert.is(spec.encoding.x.title, "Epoch");
  assert.is(spec.encoding.y.title, "NLL");
  assert.equal(spec.encoding.color.scale!.range, ["#d62728"]);
  assert.match(sent[0].msg.data["text/plain"] as string, /Loss: 0: 7\.2500, 1: 6\.5000, 2: 6\.1250/);
});

test("Seq2Seq history: epochs from 1, perplexity = exp(loss), two panels sharing one legend", () => {
  const spec = seq2seqHistorySpec({ train: [1, 2], valid: [0, Math.log(10)] }) as Spec & { hconcat: unknown[] };
  assert.is(spec.hconcat.length, 2);
  const rows = spec.data!.values;
  const get = (serie: string, epoch: number) => rows.find((r) => r.serie === serie && r.epoch === epoch)!;
  assert.is(get("train", 1).loss, 1);
  assert.ok(Math.abs((get("train", 1).ppl as number) - Math.E) < 1e-12);
  assert.ok(Math.abs((get("train", 2).ppl as number) - Math.E * Math.E) < 1e-12);
  assert.is(get("valid", 1).ppl, 1);
  assert.ok(Math.abs((get("valid", 2).ppl as number) - 10) < 1e-12);
  renderSvg(spec);
});

test("Seq2Seq history text uses the original lab's format (f'{loss:.3f}', f'{ppl:7.3f}')", () => {
  const t = seq2seqHistoryText({ train: [1], valid: [Math.log(10)] });
  assert.match(t, /Epoch: 01 \| Train Loss: 1\.000 \| Train PPL:   2\.718 \| Val\. Loss: 2\.303 \| Val\. PPL:  10\.000/);
});

test("Seq2Seq history: exploding loss (exp overflows) is noted, not thrown; no epochs gives a notice", () => {
  const spec = seq2seqHistorySpec({ train: [800, 5], valid: [4, 3] }) as Spec;
  assert.match(subtitle(spec), /no finito/);
  renderSvg(spec);
  const empty = seq2seqHistorySpec({ train: [], valid: [] }) as Spec;
  assert.ok(isNotice(empty));
  assert.match(subtitle(empty), /aún no hay épocas/);
});

test("long series are summarised in the text part", () => {
  const values = Array.from({ length: 100 }, (_, i) => 10 - i / 10);
  const t = seriesText([{ name: "loss", values }], { xLabel: "Lote" });
  assert.match(t, /loss: 100 puntos, primero 10\.0000, último 0\.1000, mínimo 0\.1000 en Lote 99/);
});

test.run();
