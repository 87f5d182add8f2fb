/**
 * Cosine distances between word vectors, as the original lab's
 *   dist_matrix = distance.squareform(distance.pdist(wordvecs, 'cosine'))
 * (get_k_similar_words, the task built on it, is in reference/similarity.ts.)
 *
 * Distances follow scipy 1.10's pdist 'cosine' (scipy/spatial/src/distance_impl.h) operation for
 * operation: inputs are widened to float64; ‖u‖ = √(Σ u²); cos = u·v / (‖u‖·‖v‖), clipped to ±1
 * when rounding pushes it past; d = 1 − cos. A zero vector gives NaN distances (0/0), as scipy
 * does; squareform puts 0 on the diagonal. Sums use two interleaved accumulators (even and odd
 * indices, then their sum, then an odd tail): that is the order of the compiled (SSE2-vectorised)
 * scipy loop, so results equal Debian's scipy 1.10 to the last bit (checked in the tests).
 */
import "./engine/setup";
import * as tf from "@tensorflow/tfjs-core";

/** n × n float64 distances; row i is a view into one shared buffer, so `dmat[i][j]` works. */
export type DistanceMatrix = Float64Array[];

export type DistanceMetric = "cosine";

/** Word vectors: a [n, d] tensor, or n rows of d numbers. */
export type WordVectors = tf.Tensor2D | ReadonlyArray<ArrayLike<number>>;

function toRows(wordvecs: WordVectors): { n: number; d: number; x: Float64Array } {
  if (wordvecs instanceof tf.Tensor) {
    if (wordvecs.rank !== 2) throw new Error(`word vectors must be 2-D [n, d], got shape [${wordvecs.shape.join(", ")}]`);
    const [n, d] = wordvecs.shape;
    return { n, d, x: Float64Array.from(wordvecs.dataSync()) };
  }
  const n = wordvecs.length;
  const d = n > 0 ? wordvecs[0].length : 0;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = wordvecs[i];
    if (r.length !== d) throw new Error(`word vectors: row ${i} has ${r.length} values, row 0 has ${d}`);
    for (let k = 0; k < d; k++) x[i * d + k] = r[k];
  }
  return { n, d, x };
}

/** Σ a[ao+k]·b[bo+k] for k < d, summed as scipy's compiled loop does (see the file header). */
function dot2(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  const m = d - (d % 2);
  for (let k = 0; k < m; k += 2) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
  }
  let s = s0 + s1;
  if (m < d) s += a[ao + m] * b[bo + m];
  return s;
}

/** `squareform(pdist(wordvecs, metric))`; only "cosine" is supported (the original lab's metric). */
export function getDistanceMatrix(wordvecs: WordVectors, metric: DistanceMetric = "cosine"): DistanceMatrix {
  if (metric !== "cosine") throw new Error(`unsupported metric '${String(metric)}': only 'cosine' is implemented`);
  const { n, d, x } = toRows(wordvecs);
  if (d === 0 && n > 0) throw new Error("word vectors have no columns");
  const norm = new Float64Array(n);
  for (let i = 0; i < n; i++) norm[i] = Math.sqrt(dot2(x, i * d, x, i * d, d));
  const buf = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let cos = dot2(x, oi, x, oj, d) / (norm[i] * norm[j]);
      if (Math.abs(cos) > 1) cos = Math.sign(cos); // rounding past ±1 (NaN passes through)
      buf[i * n + j] = buf[j * n + i] = 1 - cos;
    }
  }
  return Array.from({ length: n }, (_, i) => buf.subarray(i * n, (i + 1) * n));
}
