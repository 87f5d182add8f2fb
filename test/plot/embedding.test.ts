/**
 * The PCA picture: probe words and their neighbours are highlighted at their PCA coordinates
 * (hand-derived case), other words are background, unknown words are listed, bad vectors give a
 * notice, a 2-D tensor works like number[][].
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { embeddingPcaChart, plotEmbeddingPCA } from "../../lib/plot/embedding";
import { renderSvg, VEGALITE_MIME } from "../../lib/plot/render";
import { captureDisplays } from "./capture";

type Row = { x: number; y: number; w: string; r: string; p?: string };
const rowsOf = (spec: Record<string, unknown>) => (spec.data as { values: Row[] }).values;
const subtitle = (spec: Record<string, unknown>) => {
  const s = (spec.title as { subtitle?: string | string[] }).subtitle;
  return Array.isArray(s) ? s.join(" | ") : (s ?? "");
};

// The 2-D hand case of pca.test.ts: PC1 = (1,1)/√2, PC2 = (1,-1)/√2 around (3,5).
const vecs = [
  [5, 7],
  [1, 3],
  [4, 4],
  [2, 6],
];
const id2tok = new Map([
  [0, "good"],
  [1, "bad"],
  [2, "day"],
  [3, "school"],
]);

test("probes and neighbours are highlighted at their PCA coordinates", () => {
  const { spec } = embeddingPcaChart(vecs, id2tok, [{ word: "good", neighbours: ["day"] }]);
  const rows = rowsOf(spec);
  const r2 = Number((2 * Math.SQRT2).toPrecision(4));
  assert.equal(
    rows.find((r) => r.w === "good"),
    { x: r2, y: 0, w: "good", r: "p", p: "good" },
  );
  assert.equal(
    rows.find((r) => r.w === "day"),
    { x: 0, y: Number(Math.SQRT2.toPrecision(4)), w: "day", r: "n", p: "good" },
  );
  assert.equal(
    rows
      .filter((r) => r.r === "o")
      .map((r) => r.w)
      .sort(),
    ["bad", "school"],
  );
  assert.match(subtitle(spec), /PC1 explica 80\.0% y PC2 20\.0%/);
  renderSvg(spec);
});

test("words not in the vocabulary are listed, not thrown", () => {
  const { spec, text } = embeddingPcaChart(vecs, id2tok, [
    { word: "good", neighbours: ["nope"] },
    { word: "zzz", neighbours: [] },
  ]);
  assert.match(subtitle(spec), /No están en el vocabulario \(omitidas\): nope, zzz/);
  assert.match(text, /zzz \(no está en el vocabulario\)/);
});

test("bad vectors give a notice naming the problem", () => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /no hay vectores/],
    [[[1, 2]], /un solo vector/],
    [[[1], [2]], /1 dimensión/],
    [[[1, 2], [3]], /la fila 1 tiene 1 valores/],
    [
      [
        [1, NaN],
        [3, 4],
      ],
      /NaN \(fila 0, columna 1\)/,
    ],
    [
      [
        [1, 2],
        [Infinity, 4],
      ],
      /Infinity/,
    ],
    [42, /lista de filas/],
    [[1, 2, 3], /cada fila/],
  ];
  for (const [v, why] of cases) {
    const { spec } = embeddingPcaChart(v as never, id2tok, []);
    assert.match(subtitle(spec), why);
    assert.is((spec.mark as { type: string }).type, "text");
  }
  assert.match(subtitle(embeddingPcaChart(vecs, 5 as never, []).spec), /id2tok/);
});

test("a 2-D tensor (anything with arraySync) and an id array work like number[][] and a Map", () => {
  const tensorLike = { arraySync: () => vecs.map((r) => r.slice()) };
  const a = embeddingPcaChart(tensorLike as never, ["good", "bad", "day", "school"], [{ word: "bad", neighbours: [] }]);
  const b = embeddingPcaChart(vecs, id2tok, [{ word: "bad", neighbours: [] }]);
  assert.equal(rowsOf(a.spec), rowsOf(b.spec));
});

test("plotEmbeddingPCA: one output with Vega-Lite, PNG and text", () => {
  const sent = captureDisplays(() => plotEmbeddingPCA(vecs, id2tok, [{ word: "good", neighbours: ["day", "bad"] }]));
  assert.is(sent.length, 1);
  assert.equal(Object.keys(sent[0].msg.data).sort(), [VEGALITE_MIME, "image/png", "text/plain"]);
  assert.match(sent[0].msg.data["text/plain"] as string, /good \(2\.828, 0\.000\): vecinas day, bad/);
});

test("background words beyond maxBackground: every k-th by id, said in the subtitle; highlighted ones always", () => {
  const many = Array.from({ length: 23 }, (_, i) => [i, (i * 7) % 5, i % 3]);
  const ids = many.map((_, i) => `t${i}`);
  const { spec } = embeddingPcaChart(many, ids, [{ word: "t4", neighbours: ["t5"] }], { maxBackground: 5 });
  const rows = rowsOf(spec);
  // 21 background words, stride ceil(21/5) = 5: the 1st, 6th, 11th, 16th, 21st of them
  const background = ids.filter((w) => w !== "t4" && w !== "t5");
  assert.equal(
    rows.filter((r) => r.r === "o").map((r) => r.w),
    [0, 5, 10, 15, 20].map((k) => background[k]),
  );
  assert.equal(
    rows.filter((r) => r.r !== "o").map((r) => r.w),
    ["t4", "t5"],
  );
  assert.match(subtitle(spec), /1 de cada 5 palabras restantes \(5 de 21\)/);
});

test.run();
