/**
 * Spec -> SVG -> PNG -> bundle. The synchronous SVG path must give exactly what vega's own
 * (async) view.toSVG() gives; the PNG must decode (our decoder is checked against resvg's raw
 * pixels) to the chart's size × 2 with the series colour in it; the bundle has exactly Vega-Lite,
 * PNG and text (never HTML); a failing rasteriser keeps Vega-Lite + text and warns once.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as vega from "vega";
import * as vl from "vega-lite";
import { Resvg } from "@resvg/resvg-js";
import { renderSvg, renderPng, chartBundle, showChart, setRasterizer, VEGALITE_MIME, PNG_SCALE } from "../../lib/plot/render";
import { lineChartSpec, seq2seqHistorySpec, noticeSpec } from "../../lib/plot/charts";
import { marksSummarySpec } from "../../lib/plot/marks";
import { embeddingPcaChart } from "../../lib/plot/embedding";
import { LiveLossChart } from "../../lib/progress/live-chart";
import { decodePng, inkPixels, pixelsNear, distinctColours } from "./png";
import { captureDisplays, captureWarn } from "./capture";

const loss = lineChartSpec([{ name: "Loss", values: [7.1, 6.4, 6.1], color: "#d62728" }], {
  title: "Pérdida",
  xLabel: "Epoch",
  yLabel: "NLL",
});
const specs: Record<string, Record<string, unknown>> = {
  line: loss,
  concat: seq2seqHistorySpec({ train: [5, 4.5, 4.2], valid: [5.1, 4.8, 4.7] }),
  layered: marksSummarySpec([{ name: "Parte 1", earned: 3, possible: 5, checks: 2, failed: 1 }]),
  notice: noticeSpec("Título", "sin datos"),
  pca: embeddingPcaChart(
    [
      [1, 2],
      [3, 1],
      [0, 5],
      [2, 2],
    ],
    ["a", "b", "c", "d"],
    [{ word: "a", neighbours: ["b"] }],
  ).spec,
  live: (() => {
    const chart = new LiveLossChart({ series: ["train", "valid"], intervalMs: 1e9 });
    for (let i = 0; i < 100; i++) chart.push({ train: 5 - i / 50 }, i);
    chart.push({ valid: 4 }, 99);
    return chart.chart().spec;
  })(),
};

for (const [name, spec] of Object.entries(specs)) {
  test(`sync SVG equals vega's own view.toSVG() (${name})`, async () => {
    const ours = renderSvg(spec);
    const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: "none" });
    const theirs = await view.toSVG();
    view.finalize();
    assert.is(ours.svg, theirs);
    assert.equal(ours.warnings, [], `vega/vega-lite warned: ${ours.warnings.join("; ")}`);
  });
}

test("the PNG decoder agrees with resvg's raw pixels", () => {
  const svg = renderSvg(loss).svg;
  const img = new Resvg(svg, { fitTo: { mode: "zoom", value: 1 } }).render();
  const decoded = decodePng(img.asPng());
  assert.is(decoded.width, img.width);
  assert.is(decoded.height, img.height);
  assert.ok(Buffer.from(decoded.rgba).equals(Buffer.from(img.pixels)), "pixels differ");
});

test("the PNG is the chart at 2× with the loss line's red and dark axis text", () => {
  const r = renderPng(loss);
  const img = decodePng(r.png);
  assert.is(img.width, Math.round(r.width * PNG_SCALE));
  assert.is(img.height, Math.round(r.height * PNG_SCALE));
  assert.ok(pixelsNear(img, "#d62728") > 500, "red line drawn");
  assert.ok(pixelsNear(img, "#000000", 60) > 200, "text rendered (fonts found)");
  assert.ok(distinctColours(img) > 5);
});

test("a bundle holds exactly Vega-Lite, PNG and text (no HTML) and PNG size metadata", () => {
  const b = chartBundle(loss, "texto");
  assert.equal(Object.keys(b.bundle).sort(), ["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
  assert.is(b.bundle[VEGALITE_MIME], loss);
  assert.is(b.bundle["text/plain"], "texto");
  const img = decodePng(Buffer.from(b.bundle["image/png"] as string, "base64"));
  const meta = b.metadata["image/png"] as { width: number; height: number };
  assert.is(meta.width * PNG_SCALE, img.width);
  assert.is(meta.height * PNG_SCALE, img.height);
  assert.ok(inkPixels(img) > 1000);
});

test("showChart sends ONE display_data per chart", () => {
  const sent = captureDisplays(() => showChart(loss, "texto"));
  assert.is(sent.length, 1);
  assert.is(sent[0].update, false);
  assert.ok("image/png" in sent[0].msg.data);
});

test("a failing rasteriser keeps Vega-Lite + text, says why, and warns once", () => {
  const prev = setRasterizer(() => {
    throw new Error("resvg roto");
  });
  let sent: ReturnType<typeof captureDisplays> = [];
  let warnings: string[];
  try {
    warnings = captureWarn(() => {
      sent = captureDisplays(() => {
        showChart(loss, "texto");
        showChart(loss, "texto");
      });
    });
  } finally {
    setRasterizer(prev);
  }
  assert.is(sent.length, 2);
  for (const s of sent) {
    assert.equal(Object.keys(s.msg.data).sort(), ["application/vnd.vegalite.v5+json", "text/plain"]);
    assert.match(s.msg.data["text/plain"] as string, /resvg roto/);
  }
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /PNG.*resvg roto/);
});

test("a spec vega-lite cannot compile still gives an output (Vega-Lite + text)", () => {
  let sent: ReturnType<typeof captureDisplays> = [];
  captureWarn(() => {
    sent = captureDisplays(() => showChart({ mark: "no-such-mark" }, "texto"));
  });
  assert.is(sent.length, 1);
  assert.ok(VEGALITE_MIME in sent[0].msg.data);
  assert.not.ok("image/png" in sent[0].msg.data);
});

test.run();
