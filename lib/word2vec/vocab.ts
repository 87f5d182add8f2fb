/**
 * `lookup(tok2id, tok)`: the original lab's `tok2id[tok]` with Python's KeyError, given to the notebook
 * (its `get_k_similar_words` uses it). Building the vocabulary itself is Part 1's task: see
 * reference/word2vec/vocab.ts.
 */

/**
 * A vocabulary map given as something else (an Array, a plain object: a cell typed `any`, or plain
 * JavaScript): a Spanish error naming the fix instead of "tok2id.get is not a function".
 */
export function checkIsMap(name: string, m: unknown): void {
  if (m instanceof Map) return;
  const what = Array.isArray(m)
    ? "un Array"
    : m === null || m === undefined
      ? String(m)
      : `un ${typeof m === "object" ? "objeto" : typeof m}`;
  throw new TypeError(
    `${name} debe ser un Map (el dict de Python) y es ${what}: constrúyalo con new Map(...) a partir de pares [clave, valor] ` +
      "(un Array o un objeto no tienen .get ni .size)",
  );
}

/** `tok2id[tok]`, with an Error naming the token if it is not in the vocabulary (Python's KeyError). */
export function lookup(tok2id: ReadonlyMap<string, number>, tok: string): number {
  checkIsMap("tok2id", tok2id);
  const id = tok2id.get(tok);
  if (id === undefined) {
    throw new Error(`token ${JSON.stringify(tok)} is not in the vocabulary (${tok2id.size} tokens)`);
  }
  return id;
}
