/**
 * torchtext-legacy-like data pieces for the Seq2Seq lab: Field, vocabulary, Multi30k datasets,
 * BucketIterator (see each file's header for what follows torchtext 0.9 and what deliberately
 * does not).
 */
export { Field, DEFAULT_MAX_LENGTH } from "./field";
export type { FieldOptions, VocabSource } from "./field";
export { TorchtextVocab } from "./vocab";
export type { Stoi, VocabOptions } from "./vocab";
export { Example, TranslationDataset, Multi30k, interleaveKeys } from "./dataset";
export type { ExampleField, Multi30kOptions } from "./dataset";
export { BucketIterator, Batch } from "./iterator";
export type { BucketIteratorOptions } from "./iterator";
export { vars, pyRepr, pyStrRepr } from "./repr";
export type { PyDict } from "./repr";

/** Python's `len(x)` for the lab's containers (vocab, dataset, iterator, arrays, maps, sets). */
export function len(x: { readonly length: number } | { readonly size: number }): number {
  return "length" in x ? x.length : x.size;
}
