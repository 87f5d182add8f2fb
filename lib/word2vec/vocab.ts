/**
 * `lookup(tok2id, tok)`: the seed's `tok2id[tok]` with Python's KeyError, given to the notebook
 * (its `get_k_similar_words` uses it). Building the vocabulary itself is Part 1's task: see
 * reference/word2vec/vocab.ts.
 */

/** `tok2id[tok]`, with an Error naming the token if it is not in the vocabulary (Python's KeyError). */
export function lookup(tok2id: ReadonlyMap<string, number>, tok: string): number {
  const id = tok2id.get(tok);
  if (id === undefined) {
    throw new Error(`token ${JSON.stringify(tok)} is not in the vocabulary (${tok2id.size} tokens)`);
  }
  return id;
}
