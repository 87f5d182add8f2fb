/**
 * torchtext legacy's `Example`, `TranslationDataset` and `Multi30k` (torchtext 0.9,
 * torchtext/legacy/data/example.py, torchtext/legacy/datasets/translation.py), reading the
 * vendored, checksummed Multi30k files instead of downloading them.
 *
 * As in torchtext, each line pair is stripped and tokenized by its Field when the dataset is
 * built; `examples[i].src` / `.trg` are the token lists (`vars(train_data.examples[0])`).
 * Unlike torchtext, which silently skips a pair with an empty side and silently truncates to the
 * shorter file, a blank or unpaired line inside the data and files of different lengths are
 * errors naming the line; only the blank line(s) at the end of a file are skipped.
 */
import { readFileSync } from "node:fs";
import { verifyDataFile } from "../data/files";
import { isPySpace } from "../text/spacy/pyregex";
import type { Field } from "./field";

/** One sentence pair: `src` and `trg` token lists (torchtext `Example`). */
export class Example {
  constructor(
    public src: string[],
    public trg: string[],
  ) {}
}

export type ExampleField = "src" | "trg";

/** torchtext's `interleave_keys`: interleaves the bits of two 16-bit lengths into one sort key. */
export function interleaveKeys(a: number, b: number): number {
  let key = 0;
  for (let bit = 15; bit >= 0; bit--) key = key * 4 + ((a >> bit) & 1) * 2 + ((b >> bit) & 1);
  return key;
}

export class TranslationDataset {
  /**
   * @param examples the sentence pairs
   * @param fields the Field of each column (`{src: SRC, trg: TRG}`)
   * @param split which split this is ("train", "val", "test"); `Field.buildVocab` refuses non-train
   */
  constructor(
    readonly examples: Example[],
    readonly fields: Readonly<Record<ExampleField, Field>>,
    readonly split?: string,
  ) {}

  /** Number of examples (Python `len(dataset)`). */
  get length(): number {
    return this.examples.length;
  }

  get(i: number): Example {
    const ex = this.examples[i];
    if (ex === undefined) throw new Error(`example index ${i} is out of range (${this.examples.length} examples)`);
    return ex;
  }

  /** torchtext `TranslationDataset.sort_key`: interleave_keys(len(src), len(trg)). */
  sortKey(ex: Example): number {
    return interleaveKeys(ex.src.length, ex.trg.length);
  }

  /** The column names whose Field is `field` (torchtext's `fields.items() if field is self`). */
  fieldNamesOf(field: Field): ExampleField[] {
    return (Object.keys(this.fields) as ExampleField[]).filter((k) => this.fields[k] === field);
  }

  /** A dataset of the first `n` examples (same fields and split): for reduced test profiles. */
  take(n: number): TranslationDataset {
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`take(n) needs a positive integer, got ${n}`);
    return new TranslationDataset(this.examples.slice(0, n), this.fields, this.split);
  }

  /** Iterates the examples (`for ex in dataset`). */
  [Symbol.iterator](): Iterator<Example> {
    return this.examples[Symbol.iterator]();
  }

  /**
   * Reads a parallel corpus: line i of `srcPath` pairs with line i of `trgPath`. `label` names the
   * files in error messages.
   */
  static fromFiles(
    srcPath: string,
    trgPath: string,
    fields: Readonly<Record<ExampleField, Field>>,
    opts: { split?: string; srcLabel?: string; trgLabel?: string } = {},
  ): TranslationDataset {
    const srcLabel = opts.srcLabel ?? srcPath;
    const trgLabel = opts.trgLabel ?? trgPath;
    const src = readLines(srcPath);
    const trg = readLines(trgPath);
    const srcN = contentLineCount(src);
    const trgN = contentLineCount(trg);
    if (srcN !== trgN) {
      throw new Error(`${srcLabel} has ${srcN} lines but ${trgLabel} has ${trgN}: the files are not parallel`);
    }
    const examples: Example[] = [];
    for (let i = 0; i < srcN; i++) {
      const s = pyStrip(src[i]);
      const t = pyStrip(trg[i]);
      const where = (label: string): string => `example ${examples.length} (${label} line ${i + 1})`;
      if (s === "" || t === "") {
        const which = s === "" ? srcLabel : trgLabel;
        throw new Error(`${where(which)} is an empty sentence; the pair cannot be used`);
      }
      examples.push(new Example(fields.src.preprocess(s, where(srcLabel)), fields.trg.preprocess(t, where(trgLabel))));
    }
    return new TranslationDataset(examples, fields, opts.split);
  }
}

/** Python text-mode line iteration (universal newlines): "\r\n", "\r" and "\n" end a line. */
function readLines(path: string): string[] {
  return readFileSync(path, "utf8").split(/\r\n|\r|\n/);
}

/** Lines up to the last one with non-whitespace content (trailing blank lines are not data). */
function contentLineCount(lines: readonly string[]): number {
  let n = lines.length;
  while (n > 0 && pyStrip(lines[n - 1]) === "") n--;
  return n;
}

/** Python's `str.strip()` (its whitespace set, not JavaScript's). */
function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPySpace(s[a])) a++;
  while (b > a && isPySpace(s[b - 1])) b--;
  return s.slice(a, b);
}

export interface Multi30kOptions {
  /** File extensions of source and target, e.g. `['.de', '.en']`. */
  exts: readonly [string, string];
  /** Source and target Fields, e.g. `[SRC, TRG]`. */
  fields: readonly [Field, Field];
  /** Ignored (the original lab passes a download cache path); the data are the vendored files. */
  path?: string;
}

/**
 * The Multi30k splits (WMT16 multimodal task 1): train 29,000, val 1,014, test 1,000 pairs from
 * `data/multi30k/{train,val,test}.{de,en}`, each file checked against its sha256 first.
 */
export const Multi30k = {
  files: { train: "train", validation: "val", test: "test" } as const,

  splits(opts: Multi30kOptions): [TranslationDataset, TranslationDataset, TranslationDataset] {
    const [srcExt, trgExt] = opts.exts;
    const [srcField, trgField] = opts.fields;
    for (const ext of [srcExt, trgExt]) {
      if (ext !== ".de" && ext !== ".en") throw new Error(`Multi30k has '.de' and '.en' files, not '${ext}'`);
    }
    const fields = { src: srcField, trg: trgField };
    const load = (name: string): TranslationDataset => {
      const srcRel = `multi30k/${name}${srcExt}`;
      const trgRel = `multi30k/${name}${trgExt}`;
      return TranslationDataset.fromFiles(verifyDataFile(srcRel), verifyDataFile(trgRel), fields, {
        split: name === "val" ? "val" : name,
        srcLabel: srcRel,
        trgLabel: trgRel,
      });
    };
    return [load(Multi30k.files.train), load(Multi30k.files.validation), load(Multi30k.files.test)];
  },
};
