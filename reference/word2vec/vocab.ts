// Instructor's reference implementation (answers to lab tasks): used by tests and benchmarks, never
// shipped to students. lib/ and grading/ must not import reference/ (test/api/exports.test.ts).
/**
 * Vocabulary and sliding-window helpers for Part 1 (the original lab's `vocab`, `n_v`, `id2tok`, `tok2id`,
 * `remove_rare_tokens`, `windowizer`). The notebook writes these inline as the student solution;
 * these are the same steps for tests and benchmarks.
 *
 * `tok2id` / `id2tok` are Maps (the original lab's dicts): `tok2id.get("father")`, `id2tok.get(1)`,
 * `id2tok.size` (`len(id2tok)`). Use `lookup(tok2id, tok)` where a missing token must be an error.
 */

import { lookup } from "../../lib/word2vec/vocab";

export interface Vocab {
  /** Tokens in the counts' insertion order (`list(counts)`). */
  vocab: string[];
  /** Vocabulary size (`n_v = len(vocab)`). */
  n_v: number;
  /** `dict(enumerate(vocab))`. */
  id2tok: Map<number, string>;
  /** `{t: i for i, t in id2tok.items()}`. */
  tok2id: Map<string, number>;
}

/** Builds the vocabulary from the filtered counts, keeping their insertion order. */
export function buildVocab(counts: Iterable<[string, number]>): Vocab {
  const vocab: string[] = [];
  for (const [tok] of counts) vocab.push(tok);
  const id2tok = new Map<number, string>(vocab.map((t, i) => [i, t]));
  const tok2id = new Map<string, number>(vocab.map((t, i) => [t, i]));
  return { vocab, n_v: vocab.length, id2tok, tok2id };
}

/**
 * The original lab's `remove_rare_tokens(row)` bound to a vocabulary: sets `row.tokens` to the tokens of
 * `row.all_tokens` that are in `vocab`, in order. (A Set makes it O(1) per token; the original lab's
 * `t in vocab` on a list is the same test.)
 */
export function makeRemoveRareTokens(vocab: Iterable<string>): <R extends { all_tokens: string[] }>(row: R) => R & { tokens: string[] } {
  const keep: ReadonlySet<string> = vocab instanceof Set ? vocab : new Set(vocab);
  return <R extends { all_tokens: string[] }>(row: R): R & { tokens: string[] } => {
    if (!Array.isArray(row.all_tokens)) {
      throw new Error(`removeRareTokens: the row has no "all_tokens" list (fields: ${Object.keys(row).join(", ")})`);
    }
    const out = row as R & { tokens: string[] };
    out.tokens = row.all_tokens.filter((t) => keep.has(t));
    return out;
  };
}

/**
 * The (target, context) id pairs of one sentence of ids: for each position i, every j in
 * [i - wsize, i + wsize] inside the sentence, j != i, ascending — the original lab's
 * `window = [i+j for j in range(-wsize, wsize+1) if 0 <= i+j < len(doc) and j != 0]`.
 */
export function windowPairs(ids: ArrayLike<number>, wsize = 3): Array<[number, number]> {
  if (!Number.isInteger(wsize) || wsize < 0) throw new Error(`wsize must be a non-negative integer, got ${wsize}`);
  const out: Array<[number, number]> = [];
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - wsize);
    const hi = Math.min(n - 1, i + wsize);
    for (let w = lo; w <= hi; w++) if (w !== i) out.push([ids[i], ids[w]]);
  }
  return out;
}

/**
 * The original lab's `windowizer(row, wsize=3)` bound to `tok2id`: sets `row.moving_window` to the
 * (target, context) pairs of `row.tokens`. A token missing from `tok2id` -> Error naming it.
 */
export function makeWindowizer(
  tok2id: ReadonlyMap<string, number>,
  wsize = 3,
): <R extends { tokens: string[] }>(row: R) => R & { moving_window: Array<[number, number]> } {
  return <R extends { tokens: string[] }>(row: R): R & { moving_window: Array<[number, number]> } => {
    if (!Array.isArray(row.tokens)) {
      throw new Error(`windowizer: the row has no "tokens" list (fields: ${Object.keys(row).join(", ")})`);
    }
    const out = row as R & { moving_window: Array<[number, number]> };
    out.moving_window = windowPairs(
      row.tokens.map((t) => lookup(tok2id, t)),
      wsize,
    );
    return out;
  };
}
