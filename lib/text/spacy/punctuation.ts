/**
 * Prefix, suffix and infix rules of spaCy v3.0 (spacy/lang/punctuation.py,
 * spacy/lang/en/punctuation.py, spacy/lang/de/punctuation.py; MIT licence, (c) ExplosionAI GmbH),
 * built exactly as the Python modules build them. Entries are Python `re` fragments; see
 * `pyregex.ts` for the translation to JavaScript.
 */
import {
  ALPHA,
  ALPHA_LOWER,
  ALPHA_UPPER,
  CONCAT_QUOTES,
  CURRENCY,
  HYPHENS,
  LIST_CURRENCY,
  LIST_ELLIPSES,
  LIST_ICONS,
  LIST_PUNCT,
  LIST_QUOTES,
  PUNCT,
  UNITS,
} from "./charClasses";

const raw = String.raw;

// ---- spacy/lang/punctuation.py (the defaults; English uses these prefixes and suffixes) ----

export const BASE_PREFIXES: readonly string[] = [
  "§",
  "%",
  "=",
  "—",
  "–",
  raw`\+(?![0-9])`,
  ...LIST_PUNCT,
  ...LIST_ELLIPSES,
  ...LIST_QUOTES,
  ...LIST_CURRENCY,
  ...LIST_ICONS,
];

export const BASE_SUFFIXES: readonly string[] = [
  ...LIST_PUNCT,
  ...LIST_ELLIPSES,
  ...LIST_QUOTES,
  ...LIST_ICONS,
  "'s",
  "'S",
  "’s",
  "’S",
  "—",
  "–",
  raw`(?<=[0-9])\+`,
  raw`(?<=°[FfCcKk])\.`,
  raw`(?<=[0-9])(?:${CURRENCY})`,
  raw`(?<=[0-9])(?:${UNITS})`,
  raw`(?<=[0-9${ALPHA_LOWER}${raw`%²\-\+`}${PUNCT}(?:${CONCAT_QUOTES})])\.`,
  raw`(?<=[${ALPHA_UPPER}][${ALPHA_UPPER}])\.`,
];

// ---- spacy/lang/en/punctuation.py ----

export const EN_INFIXES: readonly string[] = [
  ...LIST_ELLIPSES,
  ...LIST_ICONS,
  raw`(?<=[0-9])[+\-\*^](?=[0-9-])`,
  raw`(?<=[${ALPHA_LOWER}${CONCAT_QUOTES}])\.(?=[${ALPHA_UPPER}${CONCAT_QUOTES}])`,
  raw`(?<=[${ALPHA}]),(?=[${ALPHA}])`,
  raw`(?<=[${ALPHA}0-9])(?:${HYPHENS})(?=[${ALPHA}])`,
  raw`(?<=[${ALPHA}0-9])[:<>=/](?=[${ALPHA}])`,
];

// ---- spacy/lang/de/punctuation.py ----

export const DE_PREFIXES: readonly string[] = ["``", ...BASE_PREFIXES];

export const DE_SUFFIXES: readonly string[] = [
  "''",
  "/",
  ...LIST_PUNCT,
  ...LIST_ELLIPSES,
  ...LIST_QUOTES,
  ...LIST_ICONS,
  raw`(?<=[0-9])\+`,
  raw`(?<=°[FfCcKk])\.`,
  raw`(?<=[0-9])(?:${CURRENCY})`,
  raw`(?<=[0-9])(?:${UNITS})`,
  raw`(?<=[${ALPHA_LOWER}${raw`%²\-\+`}${PUNCT}(?:${CONCAT_QUOTES})])\.`,
  raw`(?<=[${ALPHA_UPPER}][${ALPHA_UPPER}])\.`,
];

/** German quotes for the infix rule: the class without the apostrophe (`CONCAT_QUOTES.replace("'", "")`). */
const DE_QUOTES = CONCAT_QUOTES.split("'").join("");

export const DE_INFIXES: readonly string[] = [
  ...LIST_ELLIPSES,
  ...LIST_ICONS,
  raw`(?<=[${ALPHA_LOWER}])\.(?=[${ALPHA_UPPER}])`,
  raw`(?<=[${ALPHA}])[,!?](?=[${ALPHA}])`,
  raw`(?<=[${ALPHA}])[:<>=](?=[${ALPHA}])`,
  raw`(?<=[${ALPHA}]),(?=[${ALPHA}])`,
  raw`(?<=[0-9${ALPHA}])\/(?=[0-9${ALPHA}])`,
  raw`(?<=[${ALPHA}])([${DE_QUOTES}\)\]\(\[])(?=[${ALPHA}])`,
  raw`(?<=[${ALPHA}])--(?=[${ALPHA}])`,
  raw`(?<=[0-9])-(?=[0-9])`,
];

// ---- spacy/util.py compile_{prefix,suffix,infix}_regex: how the lists become one pattern ----

export const prefixPattern = (entries: readonly string[]): string =>
  entries
    .filter((p) => p.trim())
    .map((p) => "^" + p)
    .join("|");
export const suffixPattern = (entries: readonly string[]): string =>
  entries
    .filter((p) => p.trim())
    .map((p) => p + "$")
    .join("|");
export const infixPattern = (entries: readonly string[]): string => entries.filter((p) => p.trim()).join("|");
