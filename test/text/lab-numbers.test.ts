/**
 * The whole Part 1 pipeline on the real data, against the numbers the original lab's own hashed checks
 * encode (shared/README.md): 31,962 train rows, len(counts) == len(vocab) == n_v == 3085,
 * tok2id['father'] == 1, id2tok[1] == 'father'. The hashes are recomputed here from the original lab's
 * check cells: check_scalar is crc32 of f"{x:1.5e}", check_string crc32 of s.lower().
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { crc32 } from "node:zlib";
import { loadTweets } from "../../lib/data/tweets";
import { splitTokens } from "../../lib/text/preprocess";
import { Counter, filterCounts } from "../../lib/text/counter";
import { buildVocab, makeRemoveRareTokens, makeWindowizer } from "../../reference/word2vec/vocab";
import { DataLoader, Word2VecDataset } from "../../lib/word2vec/data";

/** `"0x%08x" % crc32(f"{n:1.5e}")` for an integer n < 1e6 (no rounding involved). */
function scalarHash(n: number): string {
  const [mant, exp] = n.toExponential(5).split("e");
  const e = Number(exp);
  const text = `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return `0x${crc32(text).toString(16).padStart(8, "0")}`;
}
const stringHash = (s: string): string => `0x${crc32(Buffer.from(s.toLowerCase(), "utf8")).toString(16).padStart(8, "0")}`;

// The original lab's cells, in order.
const dataset = loadTweets();
const withTokens = dataset.map(splitTokens);
const counts = filterCounts(new Counter(withTokens.train.column("all_tokens").flat()), 10);
const { vocab, n_v, id2tok, tok2id } = buildVocab(counts);
const withRare = withTokens.map(makeRemoveRareTokens(vocab));
const windowed = withRare.map(makeWindowizer(tok2id, 3));

test("the formatting used for the hashes reproduces known check_scalar strings", () => {
  assert.is(scalarHash(3085), `0x${crc32("3.08500e+03").toString(16)}`);
  assert.is((31962).toExponential(5), "3.19620e+4");
});

test("vocabulary checks (6 x 3 marks in the original lab)", () => {
  assert.is(scalarHash(counts.size), "0xf4f4eb83");
  assert.is(scalarHash(id2tok.size), "0xf4f4eb83");
  assert.is(scalarHash(vocab.length), "0xf4f4eb83");
  assert.is(scalarHash(n_v), "0xf4f4eb83");
  assert.is(scalarHash(tok2id.get("father") as number), "0xb44c37ea");
  assert.is(stringHash(id2tok.get(1) as string), "0xcf2531b8");
  assert.is(n_v, 3085);
  assert.is(tok2id.get("father"), 1);
  assert.is(id2tok.get(1), "father");
});

test("row count check (5 marks in the original lab) and HF-style columns after every step", () => {
  assert.is(scalarHash(windowed.train.num_rows), "0xcd61d16b");
  assert.is(windowed.train.num_rows, 31962);
  assert.equal(windowed.train.features, ["id", "label", "tweet", "all_tokens", "tokens", "moving_window"]);
  assert.equal(windowed.test.features, ["id", "tweet", "all_tokens", "tokens", "moving_window"]);
  assert.is(dataset.train.features.length, 3); // map never changed the loaded dataset
});

test("tokens are all_tokens restricted to the vocabulary; every vocabulary word occurs > 10 times", () => {
  const inVocab = new Set(vocab);
  const all = withRare.train.column("all_tokens");
  const kept = withRare.train.column("tokens");
  for (let i = 0; i < all.length; i++)
    assert.equal(
      kept[i],
      all[i].filter((t) => inVocab.has(t)),
    );
  const full = new Counter(all.flat());
  assert.ok(vocab.every((t) => full.get(t) > 10));
  assert.is([...full].filter(([, v]) => v > 10).length, 3085);
});

test("train pairs: ordered pairs at distance 1..3 in each tweet, all loaded exactly once per epoch", () => {
  // A sentence of n tokens has 2 * sum_{d=1..min(3, n-1)} (n - d) ordered pairs at distance <= 3.
  let expected = 0;
  for (const toks of windowed.train.column("tokens")) {
    for (let d = 1; d <= Math.min(3, toks.length - 1); d++) expected += 2 * (toks.length - d);
  }
  const w2v = new Word2VecDataset(windowed.train, n_v);
  assert.is(w2v.length, expected);
  const dl = new DataLoader(w2v, { batchSize: 2 ** 16, shuffle: true, seed: 2023 });
  assert.is(dl.length, Math.ceil(expected / 2 ** 16));
  const seen = new Uint32Array(n_v * n_v);
  const want = new Uint32Array(n_v * n_v);
  for (let i = 0; i < w2v.length; i++) want[w2v.centers[i] * n_v + w2v.contexts[i]]++;
  let total = 0;
  for (const { pairs: b } of dl) {
    for (let k = 0; k < b.center.length; k++) seen[b.center[k] * n_v + b.context[k]]++;
    total += b.center.length;
  }
  assert.is(total, expected);
  assert.ok(seen.every((v, i) => v === want[i]));
});

test.run();
