/**
 * torchtext legacy's `Field` (torchtext 0.9, torchtext/legacy/data/field.py) for sequential text:
 * tokenize (after stripping a trailing "\n"), lower-case each token, build a vocabulary from the
 * training split, pad a minibatch with `<sos>` ... `<eos>` `<pad>`..., numericalise into an int32
 * tensor shaped [len, batch] (torchtext's default `batch_first=False`).
 *
 * Options accept the original lab's snake_case names (`init_token`, `eos_token`) as well as camelCase, so
 * `new Field({tokenize: tokenizeDe, init_token: '<sos>', eos_token: '<eos>', lower: true})` reads
 * like the original lab.
 */
import * as tf from "@tensorflow/tfjs-core";
import { isPySpace } from "../text/spacy/pyregex";
import { TorchtextVocab, type VocabOptions } from "./vocab";

export interface FieldOptions {
  /** str -> tokens; default splits on whitespace (torchtext's default `str.split`). */
  tokenize?: (text: string) => string[];
  initToken?: string | null;
  init_token?: string | null;
  eosToken?: string | null;
  eos_token?: string | null;
  padToken?: string;
  pad_token?: string;
  unkToken?: string;
  unk_token?: string;
  /** Lower-case every token (after tokenizing, as torchtext does). */
  lower?: boolean;
  /**
   * Longest accepted sentence in tokens (without `<sos>`/`<eos>`); longer input is an error
   * naming the example. Not in torchtext: a guard against a misaligned or corrupted file. 256.
   */
  maxLength?: number;
}

export const DEFAULT_MAX_LENGTH = 256;

/**
 * What `buildVocab` reads from a dataset (a `TranslationDataset` is one). Declared here, not
 * imported, so field.ts and dataset.ts do not import each other: the dataset uses its Fields.
 */
export interface VocabSource<K extends string = string> {
  readonly split?: string;
  readonly examples: ReadonlyArray<Readonly<Record<K, readonly string[]>>>;
  fieldNamesOf(field: Field): K[];
}

export class Field {
  readonly tokenize: (text: string) => string[];
  readonly initToken: string | null;
  readonly eosToken: string | null;
  readonly padToken: string;
  readonly unkToken: string;
  readonly lower: boolean;
  readonly maxLength: number;
  private builtVocab: TorchtextVocab | undefined;

  constructor(opts: FieldOptions = {}) {
    this.tokenize = opts.tokenize ?? ((s: string) => s.split(/\s+/u).filter((t) => t.length > 0));
    this.initToken = opts.initToken ?? opts.init_token ?? null;
    this.eosToken = opts.eosToken ?? opts.eos_token ?? null;
    this.padToken = opts.padToken ?? opts.pad_token ?? "<pad>";
    this.unkToken = opts.unkToken ?? opts.unk_token ?? "<unk>";
    this.lower = opts.lower ?? false;
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
    if (!(Number.isInteger(this.maxLength) && this.maxLength > 0))
      throw new Error(`Field maxLength must be a positive integer, got ${opts.maxLength}`);
  }

  // The original lab's attribute names (`TRG.pad_token`, `TRG.init_token`, ...).
  get init_token(): string | null {
    return this.initToken;
  }
  get eos_token(): string | null {
    return this.eosToken;
  }
  get pad_token(): string {
    return this.padToken;
  }
  get unk_token(): string {
    return this.unkToken;
  }

  /** The vocabulary; an Error if `buildVocab` has not run yet. */
  get vocab(): TorchtextVocab {
    if (!this.builtVocab) throw new Error("this Field has no vocabulary yet: call field.buildVocab(trainData, {minFreq: 2}) first");
    return this.builtVocab;
  }

  /** Whether `buildVocab` has run. */
  get hasVocab(): boolean {
    return this.builtVocab !== undefined;
  }

  /**
   * One sentence -> tokens (torchtext `Field.preprocess`). An empty result or more than
   * `maxLength` tokens is an Error; `where` names the example in the message.
   */
  preprocess(text: string, where = "input sentence"): string[] {
    // A blank sentence is an error even though spaCy would return whitespace tokens for it.
    if ([...text].every(isPySpace)) throw new Error(`${where} is empty (${JSON.stringify(text)})`);
    let tokens = this.tokenize(text.replace(/\n+$/, ""));
    if (this.lower) tokens = tokens.map((t) => t.toLowerCase());
    if (tokens.length === 0) throw new Error(`${where} is empty (no tokens in ${JSON.stringify(text)})`);
    if (tokens.length > this.maxLength) {
      throw new Error(
        `${where} has ${tokens.length} tokens, more than the maximum of ${this.maxLength} ` +
          `(Field maxLength; starts ${JSON.stringify(text.slice(0, 60))})`,
      );
    }
    return tokens;
  }

  /**
   * Builds the vocabulary from this field's column of the TRAINING split (torchtext
   * `build_vocab`): specials `<unk>`, `<pad>`, then init and eos tokens, then tokens with count >=
   * minFreq by descending count, ties alphabetical. Building from validation or test data would
   * leak them into the model, so other splits are refused.
   */
  buildVocab<K extends string>(data: VocabSource<K>, opts: VocabOptions = {}): void {
    if (data.split !== "train" && data.split !== undefined) {
      throw new Error(
        `build the vocabulary from the training split only (got the '${data.split}' split): ` +
          `validation/test tokens must not leak into the vocabulary`,
      );
    }
    const names = data.fieldNamesOf(this);
    if (names.length === 0) throw new Error("this Field is not one of the dataset's fields");
    const counter = new Map<string, number>();
    for (const ex of data.examples) {
      for (const name of names) {
        for (const tok of ex[name]) counter.set(tok, (counter.get(tok) ?? 0) + 1);
      }
    }
    const specials = [...new Set([this.unkToken, this.padToken, this.initToken, this.eosToken].filter((t): t is string => t !== null))];
    // Returns nothing, like torchtext (a notebook cell ending in build_vocab shows no output);
    // the result is `field.vocab`.
    this.builtVocab = new TorchtextVocab(counter, { ...opts, specials });
  }

  /** Seed spelling of `buildVocab`. */
  build_vocab<K extends string>(data: VocabSource<K>, opts: VocabOptions = {}): void {
    this.buildVocab(data, opts);
  }

  /** torchtext `Field.pad`: `[init] + x + [eos] + [pad] * (maxLen - len(x))` for each sentence. */
  pad(minibatch: ReadonlyArray<readonly string[]>): string[][] {
    if (minibatch.length === 0) throw new Error("cannot pad an empty minibatch");
    const maxLen = Math.max(...minibatch.map((x) => x.length));
    return minibatch.map((x) => [
      ...(this.initToken === null ? [] : [this.initToken]),
      ...x,
      ...(this.eosToken === null ? [] : [this.eosToken]),
      ...new Array<string>(maxLen - x.length).fill(this.padToken),
    ]);
  }

  /**
   * Padded token lists -> indices laid out [len, batch] (row t holds token t of every sentence);
   * unknown tokens map to `<unk>` like torchtext.
   */
  numericalizeToArray(padded: ReadonlyArray<readonly string[]>): { data: Int32Array; shape: [number, number] } {
    const vocab = this.vocab;
    const batch = padded.length;
    const len = batch === 0 ? 0 : padded[0].length;
    const data = new Int32Array(len * batch);
    for (let b = 0; b < batch; b++) {
      const row = padded[b];
      if (row.length !== len) throw new Error(`padded sentence ${b} has length ${row.length}, expected ${len}`);
      for (let t = 0; t < len; t++) data[t * batch + b] = vocab.lookup(row[t]);
    }
    return { data, shape: [len, batch] };
  }

  /** torchtext `Field.numericalize`: an int32 tensor [len, batch]. */
  numericalize(padded: ReadonlyArray<readonly string[]>): tf.Tensor2D {
    const { data, shape } = this.numericalizeToArray(padded);
    return tf.tensor2d(data, shape, "int32");
  }

  /** torchtext `Field.process`: pad then numericalize a minibatch of token lists. */
  process(batch: ReadonlyArray<readonly string[]>): tf.Tensor2D {
    return this.numericalize(this.pad(batch));
  }
}
