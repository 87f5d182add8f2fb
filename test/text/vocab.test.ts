/** Vocabulary, rare-token removal and the windowizer on hand-derived examples. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Counter, filterCounts } from "../../lib/text/counter";
import { lookup } from "../../lib/word2vec/vocab";
import { buildVocab, makeRemoveRareTokens, makeWindowizer, windowPairs } from "../../reference/word2vec/vocab";

const sentence = ["every", "good", "dog", "does", "fine"];

test("buildVocab keeps the counts' insertion order: list(counts), dict(enumerate(vocab)) and its inverse", () => {
  const counts = filterCounts(new Counter(["b", "a", "b", "c", "a", "b"]), 1); // b:3, a:2 (c:1 dropped)
  const { vocab, n_v, id2tok, tok2id } = buildVocab(counts);
  assert.equal(vocab, ["b", "a"]);
  assert.is(n_v, 2);
  assert.equal(
    [...id2tok],
    [
      [0, "b"],
      [1, "a"],
    ],
  );
  assert.equal(
    [...tok2id],
    [
      ["b", 0],
      ["a", 1],
    ],
  );
  assert.is(id2tok.get(1), "a");
  assert.is(lookup(tok2id, "a"), 1);
});

test("lookup of an unknown token is an Error naming it", () => {
  const { tok2id } = buildVocab(new Counter(sentence));
  assert.throws(() => lookup(tok2id, "cat"), /token "cat" is not in the vocabulary \(5 tokens\)/);
});

test("removeRareTokens keeps only vocabulary tokens, in order, as row.tokens", () => {
  const remove = makeRemoveRareTokens(["dog", "good"]);
  const row = remove({ id: 7, all_tokens: ["every", "good", "dog", "good", "fine"] });
  assert.equal(row, { id: 7, all_tokens: ["every", "good", "dog", "good", "fine"], tokens: ["good", "dog", "good"] });
  assert.throws(() => remove({ tokens: [] } as unknown as { all_tokens: string[] }), /no "all_tokens" list/);
});

test("windowizer on 'every good dog does fine', window 2: the original lab's prose example, all 14 pairs", () => {
  const { tok2id, id2tok } = buildVocab(new Counter(sentence));
  const row = makeWindowizer(tok2id, 2)({ tokens: sentence });
  const named = row.moving_window.map(([t, c]) => `(${id2tok.get(t)}, ${id2tok.get(c)})`);
  // Hand-derived: each word with its neighbours at distance <= 2, left to right; the original lab prints the
  // first seven: (every, good) (every, dog) (good, every) (good, dog) (good, does) (dog, every) (dog, good).
  assert.equal(named, [
    "(every, good)",
    "(every, dog)",
    "(good, every)",
    "(good, dog)",
    "(good, does)",
    "(dog, every)",
    "(dog, good)",
    "(dog, does)",
    "(dog, fine)",
    "(does, good)",
    "(does, dog)",
    "(does, fine)",
    "(fine, dog)",
    "(fine, does)",
  ]);
});

test("windowizer with the lab's default wsize = 3 (ids 0..4 for the five words)", () => {
  const { tok2id } = buildVocab(new Counter(sentence));
  const row = makeWindowizer(tok2id)({ tokens: sentence });
  // Hand-derived from window = [i+j for j in range(-3, 4) if 0 <= i+j < 5 and j != 0].
  assert.equal(row.moving_window, [
    [0, 1],
    [0, 2],
    [0, 3],
    [1, 0],
    [1, 2],
    [1, 3],
    [1, 4],
    [2, 0],
    [2, 1],
    [2, 3],
    [2, 4],
    [3, 0],
    [3, 1],
    [3, 2],
    [3, 4],
    [4, 1],
    [4, 2],
    [4, 3],
  ]);
});

test("windowizer: repeated words, one-word and empty sentences, unknown tokens", () => {
  const { tok2id } = buildVocab(new Counter(["a", "b"]));
  const w = makeWindowizer(tok2id, 1);
  assert.equal(w({ tokens: ["a", "a", "b"] }).moving_window, [
    [0, 0],
    [0, 0],
    [0, 1],
    [1, 0],
  ]);
  assert.equal(w({ tokens: ["a"] }).moving_window, []);
  assert.equal(w({ tokens: [] }).moving_window, []);
  assert.throws(() => w({ tokens: ["a", "zzz"] }), /token "zzz" is not in the vocabulary/);
  assert.throws(() => windowPairs([1, 2], -1), /wsize must be a non-negative integer/);
});

test.run();
