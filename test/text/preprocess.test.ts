/**
 * The tweet pipeline step by step: Python's str.lower equivalence, the cleaning class, Python's
 * re.split semantics, NLTK's stopword list, and — against NLTK's reference — the exact set of
 * cleaned, stopword-free tokens of train.csv and the stems of a real tweet.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTweets } from "../../lib/data/tweets";
import { cleanTweet, isStopword, lowerPy, splitSpaces, splitTokens, stem, stopwords, tokenizeTweet } from "../../lib/text/preprocess";
import { nltkStems } from "../helpers/reference";

const reference = nltkStems();

test("lower-casing: the only non-ASCII code points whose lower case has a-z are U+0130 and U+212A, as in CPython", () => {
  // From Unicode's UnicodeData/SpecialCasing (CPython 3.11 str.lower gives the same two):
  // U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE -> "i\u0307", U+212A KELVIN SIGN -> "k".
  const found: string[] = [];
  for (let c = 0; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCodePoint(c);
    if (/[A-Za-z]/.test(ch)) continue;
    const l = lowerPy(ch);
    if (/[a-z]/.test(l)) found.push(`${c.toString(16)}:${l}`);
  }
  assert.equal(found, ["130:i\u0307", "212a:k"]);
  assert.is(lowerPy("ABCXYZ @#"), "abcxyz @#");
});

test("cleaning keeps only a-z @ # and space (the negated class, not the original lab's anchored typo)", () => {
  assert.is(cleanTweet("Hello, World! #Love @User_1 &amp; caf\u00e9 \u00f0\u009f\u0098"), "hello world #love @user amp caf ");
  // With the printed `^[a-z@# ]` only a leading a-z@# char would go: "ello, world!..." — not the lab's data.
  assert.is(cleanTweet("it's 2 good"), "its  good");
  assert.is(cleanTweet("\u0130STANBUL"), "istanbul"); // U+0130 -> "i" + combining dot, which is removed
});

test("splitting on runs of spaces keeps Python's empty strings at the ends", () => {
  // re.split(r" +", s) in CPython:
  assert.equal(splitSpaces(" a  b "), ["", "a", "b", ""]);
  assert.equal(splitSpaces("a"), ["a"]);
  assert.equal(splitSpaces(""), [""]);
  assert.equal(splitSpaces("   "), ["", ""]);
});

test("NLTK's English stopword list: 179 words in NLTK's order", () => {
  const sw = stopwords();
  assert.is(sw.length, 179);
  assert.equal(sw.slice(0, 5), ["i", "me", "my", "myself", "we"]);
  assert.is(sw[sw.length - 1], "wouldn't");
  assert.ok(isStopword("the") && isStopword("don") && !isStopword("father"));
});

test("the cleaned, stopword-free tokens of train.csv are exactly NLTK's 45,717 reference words", () => {
  const seen = new Set<string>();
  for (const tweet of loadTweets().train.column("tweet")) {
    for (const tok of splitSpaces(cleanTweet(tweet))) if (tok.length > 0 && !isStopword(tok)) seen.add(tok);
  }
  const ref = Object.keys(reference);
  assert.is(seen.size, ref.length);
  assert.ok(ref.every((w) => seen.has(w)));
});

test("tokenizeTweet (npm stopword's removeStopwords) gives the original lab's loop's tokens for every tweet of train.csv", () => {
  // The original lab: [ss.stem(i) for i in re.split(r" +", clean) if (i not in sw) and len(i)]
  const seed = (tweet: string): string[] => {
    const out: string[] = [];
    for (const tok of splitSpaces(cleanTweet(tweet))) if (!isStopword(tok) && tok.length > 0) out.push(stem(tok));
    return out;
  };
  let tokens = 0;
  for (const tweet of loadTweets().train.column("tweet")) {
    const got = tokenizeTweet(tweet);
    const want = seed(tweet);
    if (got.join(" ") !== want.join(" ") || got.length !== want.length) assert.equal(got, want, tweet);
    tokens += got.length;
  }
  assert.is(tokens, 268905);
});

test("tokenizeTweet on the first tweet: the hand-cleaned, stopword-free words, stemmed by NLTK", () => {
  const tweet = " @user when a father is dysfunctional and is so selfish he drags his kids into his dysfunction.   #run";
  // Cleaned and split by hand; removed stopwords: when a is and is so he his into his (and the leading "").
  const words = ["@user", "father", "dysfunctional", "selfish", "drags", "kids", "dysfunction", "#run"];
  assert.equal(
    tokenizeTweet(tweet),
    words.map((w) => reference[w]),
  );
  assert.equal(tokenizeTweet(tweet), ["@user", "father", "dysfunct", "selfish", "drag", "kid", "dysfunct", "#run"]);
  assert.equal(tokenizeTweet("   "), []);
});

test("splitTokens sets row.all_tokens like the original lab's split_tokens, and names a missing tweet field", () => {
  const row = splitTokens({ id: 1, tweet: "The dogs are running!" });
  assert.equal(row, { id: 1, tweet: "The dogs are running!", all_tokens: ["dog", "run"] });
  assert.throws(() => splitTokens({ text: "x" } as unknown as { tweet: string }), /no string field "tweet" \(fields: text\)/);
});

test.run();
