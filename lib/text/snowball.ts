/**
 * NLTK's English Snowball stemmer (`nltk.stem.snowball.SnowballStemmer('english')`, NLTK 3.8),
 * ported line by line from `nltk/stem/snowball.py` (`EnglishStemmer.stem`).
 *
 * Why not the official algorithm (npm `snowball-stemmers`)? The lab's hashes come from NLTK, and
 * NLTK is not the official algorithm: it tracks the regions R1/R2 by slicing strings along with the
 * word, and when a suffix is replaced by a longer/shorter one it approximates the new region
 * instead of recomputing it. Those approximations are systematic (not a list of exceptions), so no
 * small wrapper around the official stemmer can reproduce them; on the lab's 45,717 tokens they
 * change two stems (test/text/stem.test.ts):
 *  - `#skating`: step 1b turns `#skat` into `#skate` and NLTK appends "e" to R2 whenever the word
 *    is longer than 5 characters (`len(word) > 5`), so step 5 deletes it again -> `#skat`
 *    (official: R2 is empty, the e stays -> `#skate`).
 *  - `realization`: step 2 maps `ization` -> `ize`, but R2 (`ation`) is shorter than the suffix, so
 *    NLTK sets R2 to "" and step 5 no longer removes the final e -> `realize` (official: `realiz`).
 * Keep the control flow identical to NLTK's (including its quirks); comments mark where Python
 * slicing semantics matter.
 */

const VOWELS = "aeiouy";
const DOUBLE_CONSONANTS = ["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"];
const LI_ENDING = "cdeghkmnrt";
const STEP0_SUFFIXES = ["'s'", "'s", "'"];
const STEP1A_SUFFIXES = ["sses", "ied", "ies", "us", "ss", "s"];
const STEP1B_SUFFIXES = ["eedly", "ingly", "edly", "eed", "ing", "ed"];
const STEP2_SUFFIXES = [
  "ization",
  "ational",
  "fulness",
  "ousness",
  "iveness",
  "tional",
  "biliti",
  "lessli",
  "entli",
  "ation",
  "alism",
  "aliti",
  "ousli",
  "iviti",
  "fulli",
  "enci",
  "anci",
  "abli",
  "izer",
  "ator",
  "alli",
  "bli",
  "ogi",
  "li",
];
const STEP3_SUFFIXES = ["ational", "tional", "alize", "icate", "iciti", "ative", "ical", "ness", "ful"];
const STEP4_SUFFIXES = [
  "ement",
  "ance",
  "ence",
  "able",
  "ible",
  "ment",
  "ant",
  "ent",
  "ism",
  "ate",
  "iti",
  "ous",
  "ive",
  "ize",
  "ion",
  "al",
  "er",
  "ic",
];
const SPECIAL_WORDS: ReadonlyMap<string, string> = new Map([
  ["skis", "ski"],
  ["skies", "sky"],
  ["dying", "die"],
  ["lying", "lie"],
  ["tying", "tie"],
  ["idly", "idl"],
  ["gently", "gentl"],
  ["ugly", "ugli"],
  ["early", "earli"],
  ["only", "onli"],
  ["singly", "singl"],
  ["sky", "sky"],
  ["news", "news"],
  ["howe", "howe"],
  ["atlas", "atlas"],
  ["cosmos", "cosmos"],
  ["bias", "bias"],
  ["andes", "andes"],
  ["inning", "inning"],
  ["innings", "inning"],
  ["outing", "outing"],
  ["outings", "outing"],
  ["canning", "canning"],
  ["cannings", "canning"],
  ["herring", "herring"],
  ["herrings", "herring"],
  ["earring", "earring"],
  ["earrings", "earring"],
  ["proceed", "proceed"],
  ["proceeds", "proceed"],
  ["proceeded", "proceed"],
  ["proceeding", "proceed"],
  ["exceed", "exceed"],
  ["exceeds", "exceed"],
  ["exceeded", "exceed"],
  ["exceeding", "exceed"],
  ["succeed", "succeed"],
  ["succeeds", "succeed"],
  ["succeeded", "succeed"],
  ["succeeding", "succeed"],
]);

/** Python's `c in chars` for one character; `undefined` (index out of range) is in nothing. */
const isIn = (chars: string, c: string | undefined): boolean => c !== undefined && c.length === 1 && chars.includes(c);
const isVowel = (c: string | undefined): boolean => isIn(VOWELS, c);
/** Python's `s[:-n]` for n >= 1 (JS `slice(0, -n)` agrees: both give "" when n >= length). */
const dropLast = (s: string, n: number): string => s.slice(0, -n);
/** NLTK's `suffix_replace(original, old, new)`: `original[:-len(old)] + new`. */
const suffixReplace = (s: string, oldSuffix: string, newSuffix: string): string => s.slice(0, -oldSuffix.length) + newSuffix;
/** Python's `s[-k]` (k >= 1); undefined when out of range (Python would raise, NLTK never does). */
const fromEnd = (s: string, k: number): string | undefined => s[s.length - k];

/** NLTK's `_r1r2_standard`: R1 after the first non-vowel following a vowel, R2 likewise inside R1. */
function r1r2Standard(word: string): [string, string] {
  let r1 = "";
  let r2 = "";
  for (let i = 1; i < word.length; i++) {
    if (!isVowel(word[i]) && isVowel(word[i - 1])) {
      r1 = word.slice(i + 1);
      break;
    }
  }
  for (let i = 1; i < r1.length; i++) {
    if (!isVowel(r1[i]) && isVowel(r1[i - 1])) {
      r2 = r1.slice(i + 1);
      break;
    }
  }
  return [r1, r2];
}

/** Stems one word exactly like NLTK 3.8's `SnowballStemmer('english').stem(word)`. */
export function nltkSnowballEnglish(input: string): string {
  // NLTK lower-cases with Python's str.lower; toLowerCase agrees on every character that can reach
  // the stemmer in this lab (a-z, @, #), see test/text/preprocess.test.ts.
  let word = input.toLowerCase();

  // Python's len() counts code points; for the lab's ASCII tokens that is the string length.
  if ([...word].length <= 2) return word;
  const special = SPECIAL_WORDS.get(word);
  if (special !== undefined) return special;

  // Map the different apostrophe characters to a single consistent one.
  word = word.replace(/[\u2019\u2018\u201B]/g, "'");
  if (word.startsWith("'")) word = word.slice(1);
  if (word.startsWith("y")) word = "Y" + word.slice(1);
  // Left to right on the updated word: a y after a vowel becomes Y (and Y is not a vowel).
  for (let i = 1; i < word.length; i++) {
    if (isVowel(word[i - 1]) && word[i] === "y") word = word.slice(0, i) + "Y" + word.slice(i + 1);
  }

  let step1aVowelFound = false;
  let step1bVowelFound = false;
  let r1: string;
  let r2 = "";

  if (word.startsWith("gener") || word.startsWith("commun") || word.startsWith("arsen")) {
    r1 = word.startsWith("gener") || word.startsWith("arsen") ? word.slice(5) : word.slice(6);
    for (let i = 1; i < r1.length; i++) {
      if (!isVowel(r1[i]) && isVowel(r1[i - 1])) {
        r2 = r1.slice(i + 1);
        break;
      }
    }
  } else {
    [r1, r2] = r1r2Standard(word);
  }

  // STEP 0
  for (const suffix of STEP0_SUFFIXES) {
    if (word.endsWith(suffix)) {
      word = dropLast(word, suffix.length);
      r1 = dropLast(r1, suffix.length);
      r2 = dropLast(r2, suffix.length);
      break;
    }
  }

  // STEP 1a
  for (const suffix of STEP1A_SUFFIXES) {
    if (word.endsWith(suffix)) {
      if (suffix === "sses") {
        word = dropLast(word, 2);
        r1 = dropLast(r1, 2);
        r2 = dropLast(r2, 2);
      } else if (suffix === "ied" || suffix === "ies") {
        if (dropLast(word, suffix.length).length > 1) {
          word = dropLast(word, 2);
          r1 = dropLast(r1, 2);
          r2 = dropLast(r2, 2);
        } else {
          word = dropLast(word, 1);
          r1 = dropLast(r1, 1);
          r2 = dropLast(r2, 1);
        }
      } else if (suffix === "s") {
        for (const letter of dropLast(word, 2)) {
          if (isVowel(letter)) {
            step1aVowelFound = true;
            break;
          }
        }
        if (step1aVowelFound) {
          word = dropLast(word, 1);
          r1 = dropLast(r1, 1);
          r2 = dropLast(r2, 1);
        }
      }
      break;
    }
  }

  // STEP 1b
  for (const suffix of STEP1B_SUFFIXES) {
    if (word.endsWith(suffix)) {
      if (suffix === "eed" || suffix === "eedly") {
        if (r1.endsWith(suffix)) {
          word = suffixReplace(word, suffix, "ee");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "ee") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "ee") : "";
        }
      } else {
        for (const letter of dropLast(word, suffix.length)) {
          if (isVowel(letter)) {
            step1bVowelFound = true;
            break;
          }
        }
        if (step1bVowelFound) {
          word = dropLast(word, suffix.length);
          r1 = dropLast(r1, suffix.length);
          r2 = dropLast(r2, suffix.length);

          if (word.endsWith("at") || word.endsWith("bl") || word.endsWith("iz")) {
            word += "e";
            r1 += "e";
            // NLTK's approximation of the new R2 (the source of the `#skating` difference).
            if (word.length > 5 || r1.length >= 3) r2 += "e";
          } else if (DOUBLE_CONSONANTS.some((d) => word.endsWith(d))) {
            word = dropLast(word, 1);
            r1 = dropLast(r1, 1);
            r2 = dropLast(r2, 1);
          } else if (
            (r1 === "" &&
              word.length >= 3 &&
              !isVowel(fromEnd(word, 1)) &&
              !isIn("wxY", fromEnd(word, 1)) &&
              isVowel(fromEnd(word, 2)) &&
              !isVowel(fromEnd(word, 3))) ||
            (r1 === "" && word.length === 2 && isVowel(word[0]) && !isVowel(word[1]))
          ) {
            word += "e";
            if (r1.length > 0) r1 += "e";
            if (r2.length > 0) r2 += "e";
          }
        }
      }
      break;
    }
  }

  // STEP 1c
  if (word.length > 2 && isIn("yY", fromEnd(word, 1)) && !isVowel(fromEnd(word, 2))) {
    word = dropLast(word, 1) + "i";
    r1 = r1.length >= 1 ? dropLast(r1, 1) + "i" : "";
    r2 = r2.length >= 1 ? dropLast(r2, 1) + "i" : "";
  }

  // STEP 2
  for (const suffix of STEP2_SUFFIXES) {
    if (word.endsWith(suffix)) {
      if (r1.endsWith(suffix)) {
        if (suffix === "tional") {
          word = dropLast(word, 2);
          r1 = dropLast(r1, 2);
          r2 = dropLast(r2, 2);
        } else if (suffix === "enci" || suffix === "anci" || suffix === "abli") {
          word = dropLast(word, 1) + "e";
          r1 = r1.length >= 1 ? dropLast(r1, 1) + "e" : "";
          r2 = r2.length >= 1 ? dropLast(r2, 1) + "e" : "";
        } else if (suffix === "entli") {
          word = dropLast(word, 2);
          r1 = dropLast(r1, 2);
          r2 = dropLast(r2, 2);
        } else if (suffix === "izer" || suffix === "ization") {
          // When R2 is shorter than the suffix NLTK empties it (the `realization` difference).
          word = suffixReplace(word, suffix, "ize");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "ize") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "ize") : "";
        } else if (suffix === "ational" || suffix === "ation" || suffix === "ator") {
          word = suffixReplace(word, suffix, "ate");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "ate") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "ate") : "e";
        } else if (suffix === "alism" || suffix === "aliti" || suffix === "alli") {
          word = suffixReplace(word, suffix, "al");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "al") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "al") : "";
        } else if (suffix === "fulness") {
          word = dropLast(word, 4);
          r1 = dropLast(r1, 4);
          r2 = dropLast(r2, 4);
        } else if (suffix === "ousli" || suffix === "ousness") {
          word = suffixReplace(word, suffix, "ous");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "ous") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "ous") : "";
        } else if (suffix === "iveness" || suffix === "iviti") {
          word = suffixReplace(word, suffix, "ive");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "ive") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "ive") : "e";
        } else if (suffix === "biliti" || suffix === "bli") {
          word = suffixReplace(word, suffix, "ble");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "ble") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "ble") : "";
        } else if (suffix === "ogi" && fromEnd(word, 4) === "l") {
          word = dropLast(word, 1);
          r1 = dropLast(r1, 1);
          r2 = dropLast(r2, 1);
        } else if (suffix === "fulli" || suffix === "lessli") {
          word = dropLast(word, 2);
          r1 = dropLast(r1, 2);
          r2 = dropLast(r2, 2);
        } else if (suffix === "li" && isIn(LI_ENDING, fromEnd(word, 3))) {
          word = dropLast(word, 2);
          r1 = dropLast(r1, 2);
          r2 = dropLast(r2, 2);
        }
      }
      break;
    }
  }

  // STEP 3
  for (const suffix of STEP3_SUFFIXES) {
    if (word.endsWith(suffix)) {
      if (r1.endsWith(suffix)) {
        if (suffix === "tional") {
          word = dropLast(word, 2);
          r1 = dropLast(r1, 2);
          r2 = dropLast(r2, 2);
        } else if (suffix === "ational") {
          word = suffixReplace(word, suffix, "ate");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "ate") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "ate") : "";
        } else if (suffix === "alize") {
          word = dropLast(word, 3);
          r1 = dropLast(r1, 3);
          r2 = dropLast(r2, 3);
        } else if (suffix === "icate" || suffix === "iciti" || suffix === "ical") {
          word = suffixReplace(word, suffix, "ic");
          r1 = r1.length >= suffix.length ? suffixReplace(r1, suffix, "ic") : "";
          r2 = r2.length >= suffix.length ? suffixReplace(r2, suffix, "ic") : "";
        } else if (suffix === "ful" || suffix === "ness") {
          word = dropLast(word, suffix.length);
          r1 = dropLast(r1, suffix.length);
          r2 = dropLast(r2, suffix.length);
        } else if (suffix === "ative" && r2.endsWith(suffix)) {
          word = dropLast(word, 5);
          r1 = dropLast(r1, 5);
          r2 = dropLast(r2, 5);
        }
      }
      break;
    }
  }

  // STEP 4
  for (const suffix of STEP4_SUFFIXES) {
    if (word.endsWith(suffix)) {
      if (r2.endsWith(suffix)) {
        if (suffix === "ion") {
          if (isIn("st", fromEnd(word, 4))) {
            word = dropLast(word, 3);
            r1 = dropLast(r1, 3);
            r2 = dropLast(r2, 3);
          }
        } else {
          word = dropLast(word, suffix.length);
          r1 = dropLast(r1, suffix.length);
          r2 = dropLast(r2, suffix.length);
        }
      }
      break;
    }
  }

  // STEP 5
  if (r2.endsWith("l") && fromEnd(word, 2) === "l") {
    word = dropLast(word, 1);
  } else if (r2.endsWith("e")) {
    word = dropLast(word, 1);
  } else if (r1.endsWith("e")) {
    if (
      word.length >= 4 &&
      (isVowel(fromEnd(word, 2)) || isIn("wxY", fromEnd(word, 2)) || !isVowel(fromEnd(word, 3)) || isVowel(fromEnd(word, 4)))
    ) {
      word = dropLast(word, 1);
    }
  }

  return word.replace(/Y/g, "y");
}
