// Instructor's reference implementation (answers to lab tasks): used by tests and benchmarks, never
// shipped to students. lib/ and grading/ must not import reference/ (test/api/exports.test.ts).
/**
 * The original lab's `get_k_similar_words(word, dist_matrix, k=10)` (Part 1's task), on the distance matrix
 * of lib/similarity.ts's getDistanceMatrix.
 */
import type { DistanceMatrix } from "../lib/similarity";

/** The vocabulary maps of reference/word2vec/vocab.ts (`buildVocab(...)` returns an object with both). */
export interface VocabularyMaps {
  tok2id: ReadonlyMap<string, number>;
  id2tok: ReadonlyMap<number, string>;
}

/** One neighbour: the original lab's `(i, id2tok[i], dists[i])`. */
export type SimilarWord = [id: number, token: string, distance: number];

/**
 * The `k` words closest to `word` under `distMatrix`, nearest first, the word itself excluded
 * (the original lab drops the first of the k+1 nearest, i.e. the word at distance 0). Ties are broken by
 * id; NaN distances sort last (as numpy's sort). An unknown word, a matrix that does not match the
 * vocabulary, or k outside [1, n − 1] is an Error.
 */
export function getKSimilarWords(word: string, distMatrix: DistanceMatrix, vocab: VocabularyMaps, k = 10): SimilarWord[] {
  const idx = vocab.tok2id.get(word);
  if (idx === undefined) throw new Error(`word ${JSON.stringify(word)} is not in the vocabulary (${vocab.tok2id.size} tokens)`);
  const n = distMatrix.length;
  if (idx >= n || distMatrix[idx].length !== n)
    throw new Error(`the distance matrix is ${n}×${distMatrix[0]?.length ?? 0} but ${JSON.stringify(word)} has id ${idx}`);
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new Error(`k must be an integer in [1, ${n - 1}], got ${k}`);
  const dists = distMatrix[idx];
  const ids: number[] = [];
  for (let i = 0; i < n; i++) if (i !== idx) ids.push(i);
  const key = (i: number) => (Number.isNaN(dists[i]) ? Infinity : dists[i]);
  ids.sort((a, b) => key(a) - key(b) || a - b); // Inf − Inf is NaN (falsy): NaNs tie, by id
  return ids.slice(0, k).map((i) => {
    const tok = vocab.id2tok.get(i);
    if (tok === undefined) throw new Error(`id ${i} has no token in id2tok`);
    return [i, tok, dists[i]];
  });
}
