/**
 * The lab's tweet pipeline (Part 1, "Paso 1"), as the original lab intends it:
 *   1. lower-case                        `row['tweet'].lower()`
 *   2. drop every char not in `a-z@# `   `re.sub(r"[^a-z@# ]", "", ...)`
 *   3. split on runs of spaces           `re.split(r" +", ...)`
 *   4. drop "" and NLTK stopwords        `if (i not in sw) and len(i)` (npm `stopword`)
 *   5. Snowball-stem the rest            `ss.stem(i)` with NLTK's `SnowballStemmer('english')`
 *
 * Step 2: the original lab prints `r"^[a-z@# ]"` (anchored: deletes only a first character in the class),
 * a transcription bug; the lab's hashes (vocabulary 3085) come from the negated class `[^a-z@# ]`.
 */
import { readFileSync } from "node:fs";
import { removeStopwords } from "stopword";
import { dataPath, verifyDataFile } from "../data/files";
// Stemmer: NLTK's Snowball port (./snowball.ts), not npm `natural`, whose English stemmer is Porter (another vocabulary hash).
import { nltkSnowballEnglish } from "./snowball";

/** Every character the cleaning step removes (step 2). */
export const NOT_KEPT = /[^a-z@# ]/g;

export const STOPWORDS_FILE = "nltk_stopwords_english.txt";

/**
 * Step 1, Python's `str.lower()`. `String.prototype.toLowerCase` differs from CPython only on
 * characters outside a-z, and after step 2 only a-z survive: the only non-ASCII characters whose
 * lower case contains a-z are U+0130 (-> "i" + U+0307) and U+212A KELVIN SIGN (-> "k"), mapped the
 * same way by both (checked over every code point in test/text/preprocess.test.ts).
 */
export function lowerPy(s: string): string {
  return s.toLowerCase();
}

/** Steps 1-2: lower-case, then delete every character not in `a-z@# `. */
export function cleanTweet(tweet: string): string {
  return lowerPy(tweet).replace(NOT_KEPT, "");
}

/**
 * Step 3, Python's `re.split(r" +", s)`: leading/trailing runs of spaces give "" at the ends, and
 * "" gives [""] (JS `split` with a capture-free regex behaves identically).
 */
export function splitSpaces(s: string): string[] {
  return s.split(/ +/);
}

interface Stopwords {
  list: readonly string[];
  set: ReadonlySet<string>;
  /** The same words for npm `stopword`'s `removeStopwords(tokens, list)`, which types its list as mutable. */
  forRemoval: string[];
}
let stopwordCache: (Stopwords & { path: string }) | undefined;

function loadStopwords(): Stopwords {
  const path = dataPath(STOPWORDS_FILE);
  if (stopwordCache?.path !== path) {
    const text = readFileSync(verifyDataFile(STOPWORDS_FILE), "utf8");
    const list = Object.freeze(text.split("\n").filter((w) => w.length > 0));
    stopwordCache = { path, list, set: new Set(list), forRemoval: [...list] };
  }
  return stopwordCache;
}

/** NLTK's English stopword list in NLTK's order (`stopwords.words('english')`, 179 words). */
export function stopwords(): readonly string[] {
  return loadStopwords().list;
}

/** NLTK's spelling, for notebook cells: `stopwords.words("english")`. Only English is vendored. */
stopwords.words = function words(language: string): string[] {
  if (language !== "english") throw new Error(`stopwords: only "english" is vendored, not "${language}"`);
  return [...loadStopwords().list];
};

/** NLTK's `SnowballStemmer('english')`, for notebook cells: `new SnowballStemmer("english").stem(w)`. */
export class SnowballStemmer {
  constructor(readonly language: string) {
    if (language !== "english") throw new Error(`SnowballStemmer: only "english" is implemented, not "${language}"`);
  }
  stem(word: string): string {
    return stem(word);
  }
}

/** `w in sw`. */
export function isStopword(w: string): boolean {
  return loadStopwords().set.has(w);
}

// The corpus repeats words heavily (46k distinct among ~300k tokens), so memoise the stemmer.
// Cleared when it grows past STEM_CACHE_MAX so a long-running process cannot grow without bound.
const STEM_CACHE_MAX = 200_000;
const stemCache = new Map<string, string>();

/** Step 5: NLTK's `SnowballStemmer('english').stem(word)` (see ./snowball.ts). */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = nltkSnowballEnglish(word);
    if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/**
 * Steps 1-5 on one tweet: its list of stemmed tokens. Step 4 drops "" itself, then npm `stopword`'s
 * `removeStopwords(tokens, list)` drops NLTK's words; it keeps the order and compares
 * `token.toLowerCase()` with the list, which is exactly `i not in sw` here: after step 2 a token
 * has only a-z@#, so lower-casing leaves it unchanged.
 */
export function tokenizeTweet(tweet: string): string[] {
  const nonEmpty = splitSpaces(cleanTweet(tweet)).filter((tok) => tok.length > 0);
  return removeStopwords(nonEmpty, loadStopwords().forRemoval).map(stem);
}

/**
 * The original lab's `split_tokens(row)`: sets `row.all_tokens = tokenizeTweet(row.tweet)` and returns the row,
 * for `dataset.map(splitTokens)`. A row without a string `tweet` -> Error naming the field.
 */
export function splitTokens<R extends { tweet: string }>(row: R): R & { all_tokens: string[] } {
  if (typeof row.tweet !== "string") {
    throw new Error(`splitTokens: the row has no string field "tweet" (fields: ${Object.keys(row).join(", ")})`);
  }
  const out = row as R & { all_tokens: string[] };
  out.all_tokens = tokenizeTweet(row.tweet);
  return out;
}
