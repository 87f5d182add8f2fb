/**
 * torchtext legacy's `Vocab` (torchtext 0.9, torchtext/vocab.py), as `Field.build_vocab` builds it:
 * specials first in the order given, then every other token with frequency >= min_freq, by
 * descending frequency with ties in Python string order (code points), `stoi` falling back to
 * `<unk>` for unknown tokens (torchtext's `defaultdict`), `itos` the reverse table.
 */
import { comparePy } from "../text/spacy/tokenizer";

export interface VocabOptions {
  /** Minimum count for a token to get its own index (torchtext `min_freq`, at least 1). */
  minFreq?: number;
  min_freq?: number;
  /** Maximum number of non-special tokens (torchtext `max_size`); unlimited by default. */
  maxSize?: number;
  max_size?: number;
}

/**
 * `vocab.stoi[token]`: the index of `token`, or of `<unk>` for a token never seen in training
 * (like torchtext's defaultdict; use `vocab.lookupStrict` to get an error instead).
 */
export type Stoi = { readonly [token: string]: number };

const UNK = "<unk>";

export class TorchtextVocab {
  /** index -> token. */
  readonly itos: readonly string[];
  /** token -> index, unknown tokens -> index of `<unk>` (see `Stoi`). */
  readonly stoi: Stoi;
  /** Token counts of the data the vocabulary was built from (specials included as counted). */
  readonly freqs: ReadonlyMap<string, number>;
  /** Index of `<unk>`, or null when `<unk>` is not among the specials. */
  readonly unkIndex: number | null;
  private readonly index: ReadonlyMap<string, number>;

  constructor(counter: ReadonlyMap<string, number>, opts: VocabOptions & { specials?: readonly string[] } = {}) {
    const specials = opts.specials ?? [UNK, "<pad>"];
    const minFreq = Math.max(opts.minFreq ?? opts.min_freq ?? 1, 1);
    const maxSize = opts.maxSize ?? opts.max_size;
    if (maxSize !== undefined && !(Number.isInteger(maxSize) && maxSize >= 0))
      throw new Error(`maxSize must be a non-negative integer, got ${maxSize}`);
    this.freqs = counter;
    const itos = [...specials];
    const limit = maxSize === undefined ? Infinity : maxSize + specials.length;
    const specialSet = new Set(specials);
    // sorted(counter.items(), key=token) then a stable sort by frequency, descending.
    const words = [...counter.entries()].filter(([w]) => !specialSet.has(w));
    words.sort((a, b) => b[1] - a[1] || comparePy(a[0], b[0]));
    for (const [word, freq] of words) {
      if (freq < minFreq || itos.length >= limit) break;
      itos.push(word);
    }
    this.itos = Object.freeze(itos);
    this.unkIndex = specials.includes(UNK) ? specials.indexOf(UNK) : null;
    const index = new Map<string, number>();
    itos.forEach((w, i) => index.set(w, i));
    this.index = index;
    this.stoi = makeStoi(index, this.unkIndex);
  }

  /** Number of entries (Python `len(vocab)`). */
  get length(): number {
    return this.itos.length;
  }

  /** Whether `token` has its own index. */
  has(token: string): boolean {
    return this.index.has(token);
  }

  /** Index of `token`, `<unk>`'s for unknown tokens (torchtext `vocab[token]`). */
  lookup(token: string): number {
    const i = this.index.get(token);
    if (i !== undefined) return i;
    if (this.unkIndex === null) throw new Error(`token ${JSON.stringify(token)} is not in the vocabulary and it has no <unk>`);
    return this.unkIndex;
  }

  /** Index of `token`; an Error naming the token if it never reached the vocabulary. */
  lookupStrict(token: string): number {
    const i = this.index.get(token);
    if (i === undefined) {
      throw new Error(
        `token ${JSON.stringify(token)} is not in the vocabulary (${this.itos.length} entries, built from the ` +
          `training split; it was seen ${this.freqs.get(token) ?? 0} time(s) there)`,
      );
    }
    return i;
  }

  /** `[vocab[t] for t in tokens]`. */
  lookupIndices(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.lookup(t));
  }

  /** `[vocab.itos[i] for i in indices]`, with an Error for an index out of range. */
  lookupTokens(indices: Iterable<number>): string[] {
    const out: string[] = [];
    for (const i of indices) {
      const t = this.itos[i];
      if (t === undefined) throw new Error(`index ${i} is out of range for a vocabulary of ${this.itos.length}`);
      out.push(t);
    }
    return out;
  }
}

/**
 * `stoi` reads like Python (`vocab.stoi['<pad>']`) and, like torchtext's defaultdict, answers
 * every string; inspection (console.log) shows the plain table because Node prints a proxy's
 * target without calling its traps.
 */
function makeStoi(index: ReadonlyMap<string, number>, unkIndex: number | null): Stoi {
  const table: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [w, i] of index) table[w] = i;
  return new Proxy(table, {
    get(target, key) {
      if (typeof key !== "string") return undefined;
      const i = index.get(key);
      if (i !== undefined) return i;
      return unkIndex ?? undefined;
    },
    set() {
      throw new Error("vocab.stoi is read-only");
    },
    has(_target, key) {
      return typeof key === "string" && index.has(key);
    },
  });
}
