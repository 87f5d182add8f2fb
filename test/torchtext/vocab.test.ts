/**
 * Field / vocabulary on the real Multi30k against the reference pipeline's published numbers
 * (bentrevett/pytorch-seq2seq, "1 - Sequence to Sequence Learning with Neural Networks.ipynb",
 * torchtext 0.9 + spaCy 3.0, min_freq=2 on the train split, lower-cased):
 *   Unique tokens in source (de) vocabulary: 7853
 *   Unique tokens in target (en) vocabulary: 5893
 *   vars(train_data.examples[0]) as printed below.
 * plus torchtext legacy Vocab's ordering rules, checked on hand-made counts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Field, Multi30k, TorchtextVocab, len, vars } from "../../lib/torchtext";
import { tokenizeDe, tokenizeEn } from "../../lib/text/spacy";
import { comparePy } from "../../lib/text/spacy/tokenizer";

// The corpus is tokenized once for the whole file.
const SRC = new Field({ tokenize: tokenizeDe, init_token: "<sos>", eos_token: "<eos>", lower: true });
const TRG = new Field({ tokenize: tokenizeEn, init_token: "<sos>", eos_token: "<eos>", lower: true });
const [train, valid, test_] = Multi30k.splits({ exts: [".de", ".en"], fields: [SRC, TRG] });
SRC.buildVocab(train, { minFreq: 2 });
TRG.build_vocab(train, { min_freq: 2 });

const PUBLISHED_DE = 7853;
const PUBLISHED_EN = 5893;

test("split sizes 29,000 / 1,014 / 1,000", () => {
  assert.is(train.length, 29000);
  assert.is(valid.length, 1014);
  assert.is(test_.length, 1000);
});

test("vocabulary sizes within 0.1% of the published 7853 (de) / 5893 (en)", () => {
  const de = len(SRC.vocab);
  const en = len(TRG.vocab);
  assert.ok(Math.abs(de - PUBLISHED_DE) <= PUBLISHED_DE * 0.001, `de vocabulary ${de} vs published ${PUBLISHED_DE}`);
  assert.ok(Math.abs(en - PUBLISHED_EN) <= PUBLISHED_EN * 0.001, `en vocabulary ${en} vs published ${PUBLISHED_EN}`);
});

test("first training example exactly as the tutorial prints it", () => {
  const printed =
    "{'src': ['.', 'büsche', 'vieler', 'nähe', 'der', 'in', 'freien', 'im', 'sind', 'männer', 'weiße', 'junge', 'zwei'], " +
    "'trg': ['two', 'young', ',', 'white', 'males', 'are', 'outside', 'near', 'many', 'bushes', '.']}";
  assert.is(String(vars(train.examples[0])), printed);
  assert.equal(train.examples[0].src.slice(0, 2), [".", "büsche"]);
});

test("specials first in torchtext order: <unk>, <pad>, <sos>, <eos>", () => {
  for (const f of [SRC, TRG]) {
    assert.equal(f.vocab.itos.slice(0, 4), ["<unk>", "<pad>", "<sos>", "<eos>"]);
    assert.is(f.vocab.stoi[f.pad_token], 1);
    assert.is(f.vocab.stoi["<unk>"], 0);
    assert.is(f.vocab.unkIndex, 0);
  }
});

test("order: count descending, ties by code point; exactly the tokens seen >= 2 times in train", () => {
  for (const [f, col] of [
    [SRC, "src"],
    [TRG, "trg"],
  ] as const) {
    const counts = new Map<string, number>();
    for (const ex of train.examples) for (const t of ex[col]) counts.set(t, (counts.get(t) ?? 0) + 1);
    const itos = f.vocab.itos.slice(4);
    const expected = [...counts].filter(([, c]) => c >= 2).length;
    assert.is(itos.length, expected);
    for (let i = 1; i < itos.length; i++) {
      const a = counts.get(itos[i - 1]) ?? 0;
      const b = counts.get(itos[i]) ?? 0;
      assert.ok(a > b || (a === b && comparePy(itos[i - 1], itos[i]) < 0), `${itos[i - 1]} (${a}) before ${itos[i]} (${b})`);
    }
  }
});

test("tokens never seen in training -> <unk>; lookupStrict names the token", () => {
  const trainTokens = new Set(train.examples.flatMap((e) => e.trg));
  const unseen = valid.examples.flatMap((e) => e.trg).find((t) => !trainTokens.has(t));
  assert.ok(unseen !== undefined, "validation has a token absent from training");
  assert.is(TRG.vocab.stoi[unseen as string], 0);
  assert.is(TRG.vocab.lookup(unseen as string), 0);
  assert.throws(
    () => TRG.vocab.lookupStrict(unseen as string),
    (e: Error) => e.message.includes(JSON.stringify(unseen)),
  );
  assert.throws(() => SRC.vocab.lookupStrict("qqqxyzzy"), /"qqqxyzzy" is not in the vocabulary/);
});

test("the vocabulary is built from the training split only", () => {
  const other = new Field({ tokenize: tokenizeEn, lower: true });
  assert.throws(() => other.buildVocab(valid), /training split only/);
});

test("torchtext Vocab rules on hand-made counts", () => {
  const counts = new Map([
    ["b", 3],
    ["a", 3],
    ["c", 1],
    ["d", 2],
    ["<unk>", 5],
    ["é", 2],
    ["z", 2],
  ]);
  const v = new TorchtextVocab(counts, { minFreq: 2, specials: ["<unk>", "<pad>"] });
  // a, b tie at 3 (alphabetical); d, z, é tie at 2 (code point: 'd' < 'z' < 'é'); c below min_freq;
  // the counted "<unk>" is a special, not a word.
  assert.equal(v.itos, ["<unk>", "<pad>", "a", "b", "d", "z", "é"]);
  assert.is(v.stoi["c"], 0);
  assert.is(v.length, 7);
  const capped = new TorchtextVocab(counts, { minFreq: 1, maxSize: 2 });
  assert.equal(capped.itos, ["<unk>", "<pad>", "a", "b"]);
  const noUnk = new TorchtextVocab(counts, { specials: ["<pad>"] });
  assert.is(noUnk.unkIndex, null);
  assert.throws(() => noUnk.lookup("nope"), /not in the vocabulary/);
});

test("Field: pad and numericalize like torchtext ([len, batch], <sos> x <eos> <pad>...)", () => {
  const padded = TRG.pad([
    ["a", "man"],
    ["two", "dogs", "run"],
  ]);
  assert.equal(padded, [
    ["<sos>", "a", "man", "<eos>", "<pad>"],
    ["<sos>", "two", "dogs", "run", "<eos>"],
  ]);
  const { data, shape } = TRG.numericalizeToArray(padded);
  assert.equal(shape, [5, 2]);
  const s = TRG.vocab.stoi;
  assert.equal(Array.from(data), [
    s["<sos>"],
    s["<sos>"],
    s["a"],
    s["two"],
    s["man"],
    s["dogs"],
    s["<eos>"],
    s["run"],
    s["<pad>"],
    s["<eos>"],
  ]);
});

test("Field: lower-cases after tokenizing; empty and over-long input are errors", () => {
  assert.equal(TRG.preprocess("Don't GO!"), ["do", "n't", "go", "!"]);
  assert.throws(() => TRG.preprocess("   "), /input sentence is empty/);
  const short = new Field({ tokenize: tokenizeEn, maxLength: 3 });
  assert.throws(() => short.preprocess("one two three four", "example 7"), /example 7 has 4 tokens, more than the maximum of 3/);
  assert.throws(() => new Field().vocab, /buildVocab/);
});

test.run();
