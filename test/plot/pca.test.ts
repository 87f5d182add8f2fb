/**
 * PCA against hand-derived cases (covariance with divisor n − 1 as sklearn; eigenvectors by hand;
 * sign: largest entry positive, first on ties), plus the defining property Cu = λu on random data.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pca } from "../../lib/plot/pca";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const closeVec = (a: ArrayLike<number>, b: number[], tol = 1e-12) => {
  assert.is(a.length, b.length);
  for (let i = 0; i < b.length; i++) close(a[i], b[i], tol);
};

test("2-D: points along (1,1) and (1,-1) around (3,5)", () => {
  // centred: (2,2), (-2,-2), (1,-1), (-1,1); C = [[10,6],[6,10]]/3; λ = 16/3 on (1,1)/√2, 4/3 on (1,-1)/√2
  const rows = [
    [5, 7],
    [1, 3],
    [4, 4],
    [2, 6],
  ];
  const r = pca(rows, 2);
  closeVec(r.mean, [3, 5]);
  const s = Math.SQRT1_2;
  closeVec(r.components[0], [s, s]);
  closeVec(r.components[1], [s, -s]);
  closeVec(r.explainedVariance, [16 / 3, 4 / 3]);
  closeVec(r.explainedVarianceRatio, [0.8, 0.2]);
  const r2 = 2 * Math.SQRT2;
  closeVec(r.projections[0], [r2, 0]);
  closeVec(r.projections[1], [-r2, 0]);
  closeVec(r.projections[2], [0, Math.SQRT2]);
  closeVec(r.projections[3], [0, -Math.SQRT2]);
});

test("3-D axis-aligned: variance 6 on z, 2/3 on x, 0 on y", () => {
  const r = pca(
    [
      [0, 0, 3],
      [0, 0, -3],
      [1, 0, 0],
      [-1, 0, 0],
    ],
    2,
  );
  closeVec(r.components[0], [0, 0, 1]);
  closeVec(r.components[1], [1, 0, 0]);
  closeVec(r.explainedVariance, [6, 2 / 3]);
  closeVec(r.explainedVarianceRatio, [0.9, 0.1]);
  closeVec(r.projections[0], [3, 0]);
  closeVec(r.projections[2], [0, 1]);
});

test("3-D rotated basis u1=(1,2,2)/3, u2=(2,1,-2)/3, u3=(2,-2,1)/3 with spreads 4, 2, 1", () => {
  const u = [
    [1, 2, 2],
    [2, 1, -2],
    [2, -2, 1],
  ].map((v) => v.map((x) => x / 3));
  const rows: number[][] = [];
  for (const [k, a] of [
    [0, 4],
    [1, 2],
    [2, 1],
  ] as const)
    for (const sgn of [1, -1]) rows.push(u[k].map((x) => sgn * a * x));
  const r = pca(rows, 3);
  // C = (2·16 u1u1ᵀ + 2·4 u2u2ᵀ + 2·1 u3u3ᵀ) / 5
  closeVec(r.explainedVariance, [32 / 5, 8 / 5, 2 / 5]);
  closeVec(r.components[0], u[0]);
  closeVec(r.components[1], u[1]);
  closeVec(r.components[2], u[2]);
  closeVec(r.explainedVarianceRatio, [32 / 42, 8 / 42, 2 / 42]);
  closeVec(r.projections[0], [4, 0, 0]);
  closeVec(r.projections[2], [0, 2, 0]);
  closeVec(r.projections[5], [0, 0, -1]);
});

test("random 200×12: C u = λ u, components orthonormal, λ decreasing", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  const n = 200,
    d = 12;
  const rows = Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => rnd() * (1 + j)));
  const r = pca(rows, d);
  const C = Array.from({ length: d }, (_, p) =>
    Array.from({ length: d }, (_, q) => rows.reduce((s, x) => s + (x[p] - r.mean[p]) * (x[q] - r.mean[q]), 0) / (n - 1)),
  );
  for (let m = 0; m < d; m++) {
    const u = r.components[m];
    for (let p = 0; p < d; p++)
      close(
        C[p].reduce((s, c, q) => s + c * u[q], 0),
        r.explainedVariance[m] * u[p],
        1e-10,
      );
    for (let k = 0; k < d; k++)
      close(
        u.reduce((s, x, j) => s + x * r.components[k][j], 0),
        m === k ? 1 : 0,
        1e-10,
      );
    if (m > 0) assert.ok(r.explainedVariance[m] <= r.explainedVariance[m - 1]);
  }
});

test("bad input names the problem", () => {
  assert.throws(() => pca([]), /no rows/);
  assert.throws(() => pca([[1, 2], [3]]), /row 1 has 1 values, row 0 has 2/);
  assert.throws(
    () =>
      pca([
        [1, NaN],
        [3, 4],
      ]),
    /row 0, column 1 is NaN/,
  );
  assert.throws(
    () =>
      pca(
        [
          [1, 2],
          [3, 4],
        ],
        3,
      ),
    /k must be an integer in \[1, 2\]/,
  );
});

test.run();
