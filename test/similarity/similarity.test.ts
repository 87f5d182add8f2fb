import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { getDistanceMatrix } from "../../lib/similarity";
import { getKSimilarWords } from "../../reference/similarity";
import { buildVocab } from "../../reference/word2vec/vocab";

test("cosine distances by hand: 1 − u·v/(|u||v|), zero diagonal, NaN for a zero vector, float64", () => {
  const X = [
    [1, 0],
    [0, 0],
    [1, 1],
    [-1, 0],
    [3, 4],
  ];
  const d = getDistanceMatrix(X, "cosine");
  assert.ok(d[0] instanceof Float64Array);
  assert.is(d.length, 5);
  const want: Array<Array<number | null>> = [
    [0, null, 1 - 1 / Math.SQRT2, 2, 1 - 3 / 5],
    [null, 0, null, null, null],
    [1 - 1 / Math.SQRT2, null, 0, 1 + 1 / Math.SQRT2, 1 - 7 / (Math.SQRT2 * 5)],
    [2, null, 1 + 1 / Math.SQRT2, 0, 1 + 3 / 5],
    [1 - 3 / 5, null, 1 - 7 / (Math.SQRT2 * 5), 1 + 3 / 5, 0],
  ];
  want.forEach((row, i) =>
    row.forEach((w, j) => {
      if (w === null) assert.ok(Number.isNaN(d[i][j]), `d[${i}][${j}] should be NaN`);
      else assert.ok(Math.abs(d[i][j] - w) < 1e-15, `d[${i}][${j}] = ${d[i][j]}, want ${w}`);
    }),
  );
});

test("parallel vectors never give a negative distance (cosine clipped to ±1 like scipy)", () => {
  for (let s = 1; s < 50; s++) {
    const u = [Math.sin(s), Math.cos(3 * s), 0.1 * s];
    const d = getDistanceMatrix([u, u.map((v) => v * (s / 7)), u.map((v) => -v * s)], "cosine");
    assert.ok(d[0][1] >= 0 && d[0][2] <= 2, `${d[0][1]} ${d[0][2]}`);
  }
});

// scipy 1.10 reference (test/fixtures/similarity/make_similarity_fixture.py).
interface Fx {
  vectors: number[][];
  dist: Array<Array<number | null>>;
  similar: Record<string, Array<[number, string, number]>>;
  vectors7: number[][];
  dist7: number[][];
}
const fx = JSON.parse(readFileSync(resolve(__dirname, "../fixtures/similarity/scipy-cosine.json"), "utf8")) as Fx;

test("squareform(pdist(X, 'cosine')) of scipy, bit for bit, from a float32 tensor", () => {
  const X = tf.tensor2d(fx.vectors, undefined, "float32");
  const d = getDistanceMatrix(X as tf.Tensor2D, "cosine");
  fx.dist.forEach((row, i) =>
    row.forEach((w, j) => {
      if (w === null) assert.ok(Number.isNaN(d[i][j]));
      else assert.is(d[i][j], w, `d[${i}][${j}]`);
    }),
  );
  X.dispose();
  const d7 = getDistanceMatrix(fx.vectors7, "cosine");
  fx.dist7.forEach((row, i) => row.forEach((w, j) => assert.is(d7[i][j], w, `7-d: d[${i}][${j}]`)));
});

test("getKSimilarWords = the original lab's get_k_similar_words (nearest first, word itself excluded)", () => {
  const { tok2id, id2tok } = buildVocab(fx.vectors.map((_, i) => [`w${i}`, 1] as [string, number]));
  const d = getDistanceMatrix(fx.vectors, "cosine");
  for (const [word, want] of Object.entries(fx.similar)) {
    const got = getKSimilarWords(word, d, { tok2id, id2tok }, want.length);
    assert.equal(got, want, word);
  }
  assert.is(getKSimilarWords("w0", d, { tok2id, id2tok }).length, 10, "k defaults to 10");
});

test("bad input: unknown word, bad k, mismatched matrix, unsupported metric, ragged rows", () => {
  const { tok2id, id2tok } = buildVocab([
    ["a", 1],
    ["b", 1],
    ["c", 1],
  ]);
  const d = getDistanceMatrix([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  assert.throws(() => getKSimilarWords("zebra", d, { tok2id, id2tok }), /word "zebra" is not in the vocabulary \(3 tokens\)/);
  assert.throws(() => getKSimilarWords("a", d, { tok2id, id2tok }, 3), /k must be an integer in \[1, 2\], got 3/);
  assert.throws(
    () =>
      getKSimilarWords(
        "c",
        getDistanceMatrix([
          [1, 0],
          [0, 1],
        ]),
        { tok2id, id2tok },
        1,
      ),
    /distance matrix is 2×2/,
  );
  assert.throws(() => getDistanceMatrix([[1, 0]], "euclidean" as "cosine"), /unsupported metric 'euclidean'/);
  assert.throws(() => getDistanceMatrix([[1, 0], [1]]), /row 1 has 1 values, row 0 has 2/);
});

test.run();
