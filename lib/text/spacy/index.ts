/**
 * German and English tokenizers that reproduce spaCy v3.0's `de_core_news_sm` /
 * `en_core_web_sm` *tokenizers* (the original lab's `spacy_de.tokenizer(text)`), for the Seq2Seq half of
 * the lab.
 *
 * Why our own code: spaCy is a Python/Cython library and cannot be installed here, and no
 * JavaScript library reproduces its rule-based tokenizer. `natural`'s tokenizers split
 * differently by design (per its documentation: `WordTokenizer` drops punctuation,
 * `WordPunctTokenizer` turns "hasn't" into "hasn", "'", "t", `TreebankWordTokenizer` follows
 * Penn Treebank rules with no German abbreviations such as "z.B.", no spaCy exceptions such as
 * "dont" -> "do", "nt", and no whitespace tokens for double spaces). Vocabulary sizes depend on
 * every one of those details, so we port spaCy's own algorithm (`tokenizer.ts`) and its rule
 * tables (`charClasses.ts`, `punctuation.ts`, `exceptions.ts`) from spaCy v3.0.5's source — the
 * version the reference tutorial (pytorch-seq2seq, torchtext 0.9, spaCy 3.0) used. The trained
 * pipelines ship exactly these language defaults for their tokenizer; the statistical parts of
 * the pipelines play no role in `nlp.tokenizer`.
 */
import { ALPHA_LOWER } from "./charClasses";
import { DE_EXCEPTIONS, EN_EXCEPTIONS, URL_PATTERN_PARTS } from "./exceptions";
import type { Exceptions } from "./exceptions";
import {
  BASE_PREFIXES,
  BASE_SUFFIXES,
  DE_INFIXES,
  DE_PREFIXES,
  DE_SUFFIXES,
  EN_INFIXES,
  infixPattern,
  prefixPattern,
  suffixPattern,
} from "./punctuation";
import { compilePyRegex } from "./pyregex";
import { SpacyTokenizer } from "./tokenizer";

export { SpacyTokenizer } from "./tokenizer";
export type { SpacyToken, TokenizerRules } from "./tokenizer";
export { pyRegexToJs, isPySpace } from "./pyregex";

/** spaCy's URL_MATCH (shared by English and German). */
export const URL_PATTERN = URL_PATTERN_PARTS.head + URL_PATTERN_PARTS.tld(ALPHA_LOWER) + URL_PATTERN_PARTS.tail;

/** The Python-`re` pattern sources of one language (for inspection and tests). */
export interface SpacyLanguageRules {
  prefix: string;
  suffix: string;
  infix: string;
  url: string;
  exceptions: Exceptions;
}

export const EN_RULES: SpacyLanguageRules = {
  prefix: prefixPattern(BASE_PREFIXES),
  suffix: suffixPattern(BASE_SUFFIXES),
  infix: infixPattern(EN_INFIXES),
  url: URL_PATTERN,
  exceptions: EN_EXCEPTIONS,
};

export const DE_RULES: SpacyLanguageRules = {
  prefix: prefixPattern(DE_PREFIXES),
  suffix: suffixPattern(DE_SUFFIXES),
  infix: infixPattern(DE_INFIXES),
  url: URL_PATTERN,
  exceptions: DE_EXCEPTIONS,
};

/** Builds a tokenizer from Python-`re` rule sources (neither language sets a token_match). */
export function spacyTokenizerFromRules(rules: SpacyLanguageRules): SpacyTokenizer {
  return new SpacyTokenizer({
    prefixSearch: compilePyRegex(rules.prefix),
    suffixSearch: compilePyRegex(rules.suffix),
    infixFinditer: compilePyRegex(rules.infix, "g"),
    tokenMatch: null,
    urlMatch: compilePyRegex(rules.url),
    exceptions: rules.exceptions,
  });
}

let english: SpacyTokenizer | undefined;
let german: SpacyTokenizer | undefined;

/** The English tokenizer (`spacy.load('en_core_web_sm').tokenizer`), built on first use. */
export function spacyEn(): SpacyTokenizer {
  return (english ??= spacyTokenizerFromRules(EN_RULES));
}

/** The German tokenizer (`spacy.load('de_core_news_sm').tokenizer`), built on first use. */
export function spacyDe(): SpacyTokenizer {
  return (german ??= spacyTokenizerFromRules(DE_RULES));
}

/** The original lab's `tokenize_de`: German tokens, REVERSED (Sutskever et al. reverse the source). */
export function tokenizeDe(text: string): string[] {
  return spacyDe().tokenize(text).reverse();
}

/** The original lab's `tokenize_en`: English tokens in order. */
export function tokenizeEn(text: string): string[] {
  return spacyEn().tokenize(text);
}
