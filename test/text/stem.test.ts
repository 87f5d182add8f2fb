/**
 * The stemmer against NLTK 3.8's SnowballStemmer('english') on all 45,717 distinct non-stopword
 * tokens of train.csv (test/fixtures/reference/nltk-snowball-english-stems.json), plus the reason we port
 * NLTK instead of using the official algorithm: npm snowball-stemmers differs on exactly the two
 * words the reference README lists.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { stem } from "../../lib/text/preprocess";
import { nltkSnowballEnglish } from "../../lib/text/snowball";
import { nltkStems } from "../helpers/reference";

const reference = nltkStems();
const words = Object.keys(reference);

test("the reference has the 45,717 words its README describes", () => {
  assert.is(words.length, 45717);
});

test("every one of the 45,717 stems agrees with NLTK", () => {
  const wrong: string[] = [];
  for (const w of words) {
    const got = nltkSnowballEnglish(w);
    if (got !== reference[w]) wrong.push(`${w}: NLTK ${reference[w]}, ours ${got}`);
  }
  assert.equal(wrong, []);
});

test("stem() (memoised) gives the same stems, also on a second call", () => {
  for (const w of ["#skating", "realization", "father", "dysfunctional", "generously", "communism"]) {
    assert.is(stem(w), reference[w] ?? nltkSnowballEnglish(w));
    assert.is(stem(w), stem(w));
  }
});

test("NLTK special words and rules outside the corpus (hand-derived from nltk/stem/snowball.py)", () => {
  // The __special_words table, the module doctest `stem("running") == "run"`, the gener-/commun-
  // R1 exception, the len(word) <= 2 early return and the leading-apostrophe strip.
  const cases: Record<string, string> = {
    skies: "sky",
    dying: "die",
    news: "news",
    innings: "inning",
    proceeded: "proceed",
    running: "run",
    generously: "generous",
    ab: "ab",
    "'tis": "tis",
  };
  for (const [w, s] of Object.entries(cases)) assert.is(nltkSnowballEnglish(w), s, w);
});

test("the official Snowball algorithm (npm snowball-stemmers) differs from NLTK on exactly #skating and realization", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package ships no types; typed here at the call
  const official = (require("snowball-stemmers") as { newStemmer(lang: string): { stem(w: string): string } }).newStemmer("english");
  const diffs = words.filter((w) => official.stem(w) !== reference[w]);
  assert.equal(diffs.sort(), ["#skating", "realization"]);
  assert.is(official.stem("#skating"), "#skate");
  assert.is(official.stem("realization"), "realiz");
});

test.run();
