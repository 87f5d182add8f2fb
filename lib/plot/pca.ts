/**
 * Principal component analysis of a small dense matrix (n rows × d columns, d up to a few hundred):
 * the eigenvectors of the sample covariance (divisor n − 1, as sklearn's explained_variance_) found
 * with the cyclic Jacobi method in float64. Written here because it is ~60 lines, exact to rounding,
 * and no maintained npm package does a dense symmetric eigendecomposition without pulling in a
 * linear-algebra stack; for d = 50 word vectors it takes a few milliseconds.
 *
 * Sign convention (PCA vectors are defined up to sign): each component's largest-magnitude entry is
 * positive (the first one on ties), so results are deterministic.
 */

export interface PcaResult {
  /** Column means that were subtracted. */
  mean: Float64Array;
  /** k unit vectors of length d, by decreasing variance. */
  components: Float64Array[];
  /** Variance along each component (eigenvalues of the covariance, divisor n − 1). */
  explainedVariance: number[];
  /** explainedVariance / total variance (0 when the total is 0). */
  explainedVarianceRatio: number[];
  /** n rows of k coordinates: (row − mean) · component. */
  projections: Float64Array[];
}

/** Eigen-decomposition of a symmetric matrix (row-major d×d, overwritten). Returns values and column eigenvectors. */
export function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i] * a[i];
  const tol = scale * 1e-30;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    if (off <= tol) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        // Rotation that zeroes a[p][q] (Numerical Recipes' stable form).
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i];
  return { values, vectors: v };
}

/** PCA of `rows` onto `k` components. Throws on ragged rows, non-finite values or k out of range. */
export function pca(rows: readonly ArrayLike<number>[], k = 2): PcaResult {
  const n = rows.length;
  if (n === 0) throw new Error("pca: no rows");
  const d = rows[0].length;
  if (!(Number.isInteger(k) && k >= 1 && k <= d)) throw new Error(`pca: k must be an integer in [1, ${d}], got ${k}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r.length !== d) throw new Error(`pca: row ${i} has ${r.length} values, row 0 has ${d}`);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(r[j])) throw new Error(`pca: row ${i}, column ${j} is ${r[j]}`);
      mean[j] += r[j];
    }
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    for (let j = 0; j < d; j++) c[j] = r[j] - mean[j];
    for (let p = 0; p < d; p++) {
      const cp = c[p];
      if (cp === 0) continue;
      for (let q = p; q < d; q++) cov[p * d + q] += cp * c[q];
    }
  }
  const denom = Math.max(1, n - 1);
  for (let p = 0; p < d; p++)
    for (let q = p; q < d; q++) {
      cov[p * d + q] /= denom;
      cov[q * d + p] = cov[p * d + q];
    }
  const { values, vectors } = symmetricEigen(cov, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((x, y) => values[y] - values[x]);
  let total = 0;
  for (let i = 0; i < d; i++) total += Math.max(0, values[i]);
  const components: Float64Array[] = [];
  const explainedVariance: number[] = [];
  for (const col of order.slice(0, k)) {
    const u = new Float64Array(d);
    let big = 0;
    for (let j = 0; j < d; j++) {
      u[j] = vectors[j * d + col];
      if (Math.abs(u[j]) > Math.abs(u[big]) * (1 + 1e-12)) big = j;
    }
    if (u[big] < 0) for (let j = 0; j < d; j++) u[j] = -u[j];
    components.push(u);
    explainedVariance.push(Math.max(0, values[col]));
  }
  const projections = rows.map((r) => {
    const out = new Float64Array(k);
    for (let m = 0; m < k; m++) {
      let s = 0;
      const u = components[m];
      for (let j = 0; j < d; j++) s += (r[j] - mean[j]) * u[j];
      out[m] = s;
    }
    return out;
  });
  return {
    mean,
    components,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((x) => (total > 0 ? x / total : 0)),
    projections,
  };
}
