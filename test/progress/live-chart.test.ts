/**
 * The live loss chart (fake clock, display sink as the kernel): one output updated in place at most
 * every 500 ms; the PNG is re-rendered only within its time budget (else the previous one is
 * reused); close() sends the complete chart with a fresh PNG; long series are averaged in buckets
 * (means by hand); outside a kernel only the final text is printed.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { liveLossChart, downsample } from "../../lib/progress/live-chart";
import { VEGALITE_MIME } from "../../lib/plot/render";
import { captureDisplays, captureStdout } from "../plot/capture";

type Spec = { data?: { values: Array<{ x: number; y: number | null; serie: string }> }; title?: { subtitle?: string[] } };

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

test("downsample: bucket means of x and of the finite y values", () => {
  const pts = [1, 2, 3, 4, 5, NaN, 7].map((y, i) => ({ x: i, y }));
  const d = downsample(pts, 3);
  assert.is(d.bucket, 3);
  assert.equal(d.points, [
    { x: 1, y: 2 },
    { x: 4, y: 4.5 },
    { x: 6, y: 7 },
  ]);
  assert.equal(downsample(pts, 10).points, pts);
  const allBad = downsample(
    [
      { x: 0, y: NaN },
      { x: 1, y: NaN },
    ],
    1,
  ).points[0];
  assert.ok(Number.isNaN(allBad.y));
});

test("in a notebook: a placeholder, throttled updates with the data so far, a complete final chart", () => {
  const c = clock();
  let chartValues: Record<string, number[]> = {};
  const sent = captureDisplays(() => {
    const chart = liveLossChart({ title: "Pérdida", now: c.now, pngBudget: 0 });
    for (let i = 0; i < 30; i++) {
      c.advance(100);
      chart.push(5 - i / 10);
    }
    chart.close();
    chart.close();
    chartValues = chart.values;
  });
  // placeholder + updates at 500, 1000, 1500, 2000, 2500, 3000 ms + final
  assert.is(sent.length, 1 + 6 + 1);
  const id = sent[0].msg.transient.display_id;
  assert.ok(sent.slice(1).every((s) => s.update && s.msg.transient.display_id === id));
  // with a zero PNG budget live updates carry no PNG; the final one always does
  for (const s of sent.slice(0, -1)) assert.not.ok("image/png" in s.msg.data);
  const last = sent[sent.length - 1].msg.data;
  assert.equal(Object.keys(last).sort(), [VEGALITE_MIME, "image/png", "text/plain"]);
  const first = (sent[1].msg.data[VEGALITE_MIME] as Spec).data!.values;
  assert.is(first.length, 5);
  const final = (last[VEGALITE_MIME] as Spec).data!.values;
  assert.equal(
    final.map((r) => r.x),
    Array.from({ length: 30 }, (_, i) => i),
  );
  assert.ok(Math.abs((final[29].y as number) - 2.1) < 1e-12);
  assert.is(chartValues.loss.length, 30);
});

test("PNG refreshes stay within the budget; in between the last PNG is reused", () => {
  const c = clock();
  const sent = captureDisplays(() => {
    // each PNG render costs 0 on the fake clock, so a 100% budget renders every time...
    const chart = liveLossChart({ now: c.now, pngBudget: 1 });
    for (let i = 0; i < 3; i++) {
      c.advance(600);
      chart.push(1 + i);
    }
  });
  const pngs = sent.slice(1).map((s) => s.msg.data["image/png"] as string);
  assert.is(pngs.length, 3);
  assert.ok(pngs.every((p) => typeof p === "string" && p.length > 100));
  assert.is(new Set(pngs).size, 3, "a fresh PNG each time (data changed)");
});

test("with the default 1% budget: no PNG in the first updates, one once training has run long enough", () => {
  const c = clock();
  const sent = captureDisplays(() => {
    const chart = liveLossChart({ now: c.now });
    c.advance(600); // 1% of 0.6 s is 6 ms: less than any PNG render
    chart.push(1);
    c.advance(120_000); // 1% of 2 min is 1.2 s: room for one
    chart.push(2);
  });
  assert.is(sent.length, 3);
  assert.not.ok("image/png" in sent[1].msg.data);
  assert.ok("image/png" in sent[2].msg.data);
});

test("several series and explicit x (per-epoch validation at the last batch of each epoch)", () => {
  const c = clock();
  const sent = captureDisplays(() => {
    const chart = liveLossChart({ series: ["train", "valid"], now: c.now, intervalMs: 1e9 });
    for (let b = 0; b < 6; b++) {
      chart.push({ train: 6 - b }, b);
      if (b % 3 === 2) chart.push({ valid: 7 - b }, b);
    }
    chart.close();
  });
  assert.is(sent.length, 2); // placeholder + final (interval never reached)
  const rows = (sent[1].msg.data[VEGALITE_MIME] as Spec).data!.values;
  assert.equal(
    rows.filter((r) => r.serie === "valid").map((r) => [r.x, r.y]),
    [
      [2, 5],
      [5, 2],
    ],
  );
  assert.equal(
    rows.filter((r) => r.serie === "train").map((r) => r.x),
    [0, 1, 2, 3, 4, 5],
  );
});

test("beyond maxPoints the final chart averages buckets and says so", () => {
  const sent = captureDisplays(() => {
    const chart = liveLossChart({ maxPoints: 10, intervalMs: 1e9 });
    for (let i = 0; i < 40; i++) chart.push(i);
    chart.close();
  });
  const spec = sent[1].msg.data[VEGALITE_MIME] as Spec;
  assert.equal(
    spec.data!.values.map((r) => r.y),
    [1.5, 5.5, 9.5, 13.5, 17.5, 21.5, 25.5, 29.5, 33.5, 37.5],
  );
  assert.match(spec.title!.subtitle!.join(" "), /cada punto promedia 4 valores/);
  assert.match(sent[1].msg.data["text/plain"] as string, /cada punto promedia 4/);
});

test("outside a notebook: nothing until close, then the text summary", () => {
  const out = captureStdout(() => {
    const chart = liveLossChart({ title: "Pérdida por lote" });
    chart.push(3);
    chart.push(2);
    chart.close();
  });
  assert.is(out, "Pérdida por lote\nloss: 0: 3.0000, 1: 2.0000\n");
});

test("NaN pushed values become gaps with a note; no values at all gives a notice", () => {
  const sent = captureDisplays(() => {
    const a = liveLossChart({ intervalMs: 1e9 });
    a.push(NaN);
    a.push(1);
    a.push(2);
    a.close();
    const b = liveLossChart({ intervalMs: 1e9 });
    b.close();
  });
  const a = sent[1].msg.data[VEGALITE_MIME] as Spec;
  assert.equal(
    a.data!.values.map((r) => r.y),
    [null, 1, 2],
  );
  assert.match(a.title!.subtitle!.join(" "), /1 valor\(es\) no finito/);
  const b = sent[3].msg.data[VEGALITE_MIME] as Spec & { mark: { type: string } };
  assert.is(b.mark.type, "text");
});

test.run();
