/**
 * spaCy v3.0's rule-based tokenizer algorithm (spacy/tokenizer.pyx, MIT licence, (c) ExplosionAI
 * GmbH), ported step for step:
 *
 * 1. Split the text on whitespace like `Tokenizer.__call__`: runs of non-space characters are
 *    tokenized; a run of whitespace becomes a token itself, except that one ' ' directly after a
 *    word is absorbed as that word's trailing space (so "a  b" gives "a", " ", "b").
 * 2. Per run (`_tokenize`): a special case (tokenizer exception) for the whole run wins.
 *    Otherwise `_split_affixes` repeatedly strips one prefix and/or one suffix, stopping as soon
 *    as the rest is a special case (after removing a prefix or a suffix), or nothing changes.
 * 3. `_attach_tokens`: prefixes, then the core (a special case, else a URL kept whole, else split
 *    on infix matches), then the suffixes in reverse order of removal.
 * 4. `_apply_special_cases`: special cases whose key itself would be split by the affix rules
 *    (e.g. "''" or ":)" spread over several tokens) are matched on the token sequence and merged
 *    back when the matched tokens are contiguous in the text; overlaps resolve longest-first.
 *
 * spaCy's token cache only saves work, so here it is a plain memo of step 2–3 per run.
 */
import { isPySpace } from "./pyregex";
import type { Exceptions } from "./exceptions";

export interface TokenizerRules {
  /** Alternation of `^...` entries (spaCy's prefix_search); null for none. */
  prefixSearch: RegExp | null;
  /** Alternation of `...$` entries (spaCy's suffix_search); null for none. */
  suffixSearch: RegExp | null;
  /** Alternation of infix entries, compiled with the `g` flag (spaCy's infix_finditer). */
  infixFinditer: RegExp | null;
  /** Whole-token keep rule checked before affix splitting (spaCy's token_match); null for none. */
  tokenMatch: RegExp | null;
  /** Whole-token keep rule checked after affix splitting (spaCy's url_match); null for none. */
  urlMatch: RegExp | null;
  exceptions: Exceptions;
}

/** A token and whether one ' ' followed it in the text (spaCy's `Token.whitespace_`). */
export interface SpacyToken {
  text: string;
  spaceAfter: boolean;
}

interface SpecialPattern {
  key: string;
  tokens: readonly string[];
}

const MEMO_LIMIT = 200_000;

export class SpacyTokenizer {
  private readonly specials: Map<string, readonly string[]>;
  /** Special-case patterns (by first token) that the affix rules would split; see step 4. */
  private readonly matcher = new Map<string, SpecialPattern[]>();
  private readonly memo = new Map<string, string[]>();

  constructor(private readonly rules: TokenizerRules) {
    this.specials = new Map(Object.entries(rules.exceptions));
    // Tokenizer._load_special_cases iterates sorted(special_cases.items()); add_special_case
    // registers a matcher pattern when the key has a prefix, infix or suffix, or a space.
    for (const key of [...this.specials.keys()].sort(comparePy)) {
      if (this.findPrefix(key) || this.findInfix(key).length > 0 || this.findSuffix(key) || key.includes(" ")) {
        const pattern = this.tokenizeAffixes(key, false).map((t) => t.text);
        const list = this.matcher.get(pattern[0]) ?? [];
        list.push({ key, tokens: pattern });
        this.matcher.set(pattern[0], list);
      }
    }
  }

  /** Token texts of `text`, as `[t.text for t in nlp.tokenizer(text)]`. */
  tokenize(text: string): string[] {
    return this.tokenizeWithSpaces(text).map((t) => t.text);
  }

  /** Tokens with their trailing-space flags (enough to rebuild the text exactly). */
  tokenizeWithSpaces(text: string): SpacyToken[] {
    const doc = this.tokenizeAffixes(text, true);
    return this.applySpecialCases(doc);
  }

  // ---- Tokenizer._tokenize_affixes ----
  private tokenizeAffixes(text: string, withSpecialCases: boolean): SpacyToken[] {
    const doc: SpacyToken[] = [];
    const n = text.length;
    if (n === 0) return doc;
    let start = 0;
    let inWs = isPySpace(text[0]);
    // Whitespace is always a BMP character, so scanning UTF-16 units is the same as scanning
    // code points here; all offsets below are UTF-16 offsets into the same string.
    for (let i = 0; i < n; i++) {
      const uc = text[i];
      if (isPySpace(uc) !== inWs) {
        if (start < i) this.tokenizeSpan(text.slice(start, i), doc, withSpecialCases);
        if (uc === " ") {
          doc[doc.length - 1].spaceAfter = true;
          start = i + 1;
        } else {
          start = i;
        }
        inWs = !inWs;
      }
    }
    if (start < n) {
      this.tokenizeSpan(text.slice(start), doc, withSpecialCases);
      doc[doc.length - 1].spaceAfter = text[n - 1] === " " && !inWs;
    }
    return doc;
  }

  private tokenizeSpan(span: string, doc: SpacyToken[], withSpecialCases: boolean): void {
    const special = withSpecialCases ? this.specials.get(span) : undefined;
    let texts: readonly string[];
    if (special) {
      texts = special;
    } else if (withSpecialCases) {
      let memo = this.memo.get(span);
      if (!memo) {
        memo = this.tokenizeRun(span, true);
        if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
        this.memo.set(span, memo);
      }
      texts = memo;
    } else {
      texts = this.tokenizeRun(span, false);
    }
    for (const t of texts) doc.push({ text: t, spaceAfter: false });
  }

  // ---- Tokenizer._tokenize = _split_affixes + _attach_tokens ----
  private tokenizeRun(span: string, withSpecialCases: boolean): string[] {
    const prefixes: string[] = [];
    const suffixes: string[] = [];
    let string = span;
    let lastSize = 0;
    const isSpecial = (s: string): boolean => withSpecialCases && this.specials.has(s);
    while (string.length > 0 && string.length !== lastSize) {
      if (this.rules.tokenMatch && this.rules.tokenMatch.test(string)) break;
      if (isSpecial(string)) break;
      lastSize = string.length;
      const preLen = this.findPrefix(string);
      let prefix = "";
      let minusPre = "";
      if (preLen !== 0) {
        prefix = string.slice(0, preLen);
        minusPre = string.slice(preLen);
        if (minusPre && isSpecial(minusPre)) {
          string = minusPre;
          prefixes.push(prefix);
          break;
        }
      }
      const sufLen = this.findSuffix(string);
      let suffix = "";
      let minusSuf = "";
      if (sufLen !== 0) {
        suffix = string.slice(string.length - sufLen);
        minusSuf = string.slice(0, string.length - sufLen);
        if (minusSuf && isSpecial(minusSuf)) {
          string = minusSuf;
          suffixes.push(suffix);
          break;
        }
      }
      if (preLen && sufLen && preLen + sufLen <= string.length) {
        string = string.slice(preLen, string.length - sufLen);
        prefixes.push(prefix);
        suffixes.push(suffix);
      } else if (preLen) {
        string = minusPre;
        prefixes.push(prefix);
      } else if (sufLen) {
        string = minusSuf;
        suffixes.push(suffix);
      }
    }

    const out = [...prefixes];
    if (string) {
      const special = withSpecialCases ? this.specials.get(string) : undefined;
      if (special) {
        out.push(...special);
      } else if (
        (this.rules.tokenMatch && this.rules.tokenMatch.test(string)) ||
        (this.rules.urlMatch && this.rules.urlMatch.test(string))
      ) {
        out.push(string);
      } else {
        const matches = this.findInfix(string);
        if (matches.length === 0) {
          out.push(string);
        } else {
          let start = 0;
          for (const [infixStart, infixEnd] of matches) {
            // spaCy skips an infix at the very start of the core (start_before_infixes == 0).
            if (infixStart === 0) continue;
            if (infixStart !== start) out.push(string.slice(start, infixStart));
            if (infixStart !== infixEnd) out.push(string.slice(infixStart, infixEnd));
            start = infixEnd;
          }
          const rest = string.slice(start);
          if (rest) out.push(rest);
        }
      }
    }
    for (let i = suffixes.length - 1; i >= 0; i--) out.push(suffixes[i]);
    return out;
  }

  private findPrefix(s: string): number {
    const re = this.rules.prefixSearch;
    if (!re) return 0;
    const m = re.exec(s);
    return m ? m[0].length : 0;
  }

  private findSuffix(s: string): number {
    const re = this.rules.suffixSearch;
    if (!re) return 0;
    const m = re.exec(s);
    return m ? m[0].length : 0;
  }

  /** [start, end) of every infix match, like `list(infix_finditer(s))`. */
  private findInfix(s: string): Array<[number, number]> {
    const re = this.rules.infixFinditer;
    if (!re) return [];
    const out: Array<[number, number]> = [];
    // An exec loop, not matchAll: matchAll re-creates the (20k-character) RegExp on every call.
    re.lastIndex = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      out.push([m.index, m.index + m[0].length]);
      // Step over an empty match by one code point, as matchAll with the u flag does.
      if (m[0].length === 0) re.lastIndex = m.index + ((s.codePointAt(m.index) ?? 0) > 0xffff ? 2 : 1);
    }
    return out;
  }

  // ---- Tokenizer._apply_special_cases ----
  private applySpecialCases(doc: SpacyToken[]): SpacyToken[] {
    if (this.matcher.size === 0) return doc;
    const matches: Array<{ start: number; end: number }> = [];
    for (let i = 0; i < doc.length; i++) {
      const candidates = this.matcher.get(doc[i].text);
      if (!candidates) continue;
      for (const p of candidates) {
        const end = i + p.tokens.length;
        if (end > doc.length) continue;
        let ok = true;
        for (let j = 1; j < p.tokens.length && ok; j++) ok = doc[i + j].text === p.tokens[j];
        if (ok) matches.push({ start: i, end });
      }
    }
    if (matches.length === 0) return doc;
    // _filter_special_spans: longest first, then leftmost; a span is kept unless its first or
    // last token is already covered by a kept-or-rejected longer span.
    matches.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
    const seen = new Set<number>();
    const kept = new Map<number, { start: number; end: number }>();
    for (const m of matches) {
      if (!seen.has(m.start) && !seen.has(m.end - 1)) kept.set(m.start, m);
      for (let k = m.start; k < m.end; k++) seen.add(k);
    }
    const out: SpacyToken[] = [];
    for (let i = 0; i < doc.length;) {
      const m = kept.get(i);
      if (!m) {
        out.push(doc[i]);
        i += 1;
        continue;
      }
      // The span's text includes the spaces between its tokens; only a contiguous match equals
      // the special-case key and is replaced.
      let text = "";
      for (let k = m.start; k < m.end; k++) text += doc[k].text + (k < m.end - 1 && doc[k].spaceAfter ? " " : "");
      const special = this.specials.get(text);
      if (!special) {
        for (let k = m.start; k < m.end; k++) out.push(doc[k]);
      } else {
        special.forEach((t, k) => out.push({ text: t, spaceAfter: k === special.length - 1 ? doc[m.end - 1].spaceAfter : false }));
      }
      i = m.end;
    }
    return out;
  }
}

/**
 * Python's str ordering (by code point). JavaScript's `<` compares UTF-16 units, which differs
 * only where an astral character (a surrogate pair) meets a BMP character at or above U+E000.
 */
export function comparePy(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa === sb) return ca - cb;
    return sa ? 1 : -1; // an astral code point is above every BMP code point
  }
  return a.length - b.length;
}
