/**
 * Class targets for logits computed once per group of pairs instead of once per pair: pair i's
 * logits are row `rows[i]` of a [groups, C] block and its class is `centers[i]`. Word2Vec's
 * DataLoader builds them (one group per distinct context word of a batch) so that
 * `crossEntropy(model.forward(context), center)` equals the per-pair loss with U ≤ V logits rows
 * instead of B (lib/word2vec/loss.ts).
 */
import { inspect } from "node:util";

export class GroupedTargets {
  /** [B] the logits row of each pair (its group). */
  readonly rows: Int32Array;
  /** [B] the target class of each pair (Word2Vec: the center word). */
  readonly centers: Int32Array;
  /** How many logits rows the targets expect (Word2Vec: distinct context words). */
  readonly numGroups: number;

  constructor(rows: Int32Array, centers: Int32Array, numGroups: number) {
    if (rows.length !== centers.length) throw new Error(`GroupedTargets: ${rows.length} rows but ${centers.length} centers`);
    if (!Number.isInteger(numGroups) || numGroups < 0)
      throw new Error(`GroupedTargets: numGroups must be a non-negative integer, got ${numGroups}`);
    for (let i = 0; i < rows.length; i++)
      if (!(rows[i] >= 0 && rows[i] < numGroups)) throw new Error(`GroupedTargets: pair ${i} has row ${rows[i]} outside [0, ${numGroups})`);
    this.rows = rows;
    this.centers = centers;
    this.numGroups = numGroups;
  }

  /** Number of pairs (`len(center)`): the loss is their mean. */
  get length(): number {
    return this.rows.length;
  }

  /** Pairs per group ([numGroups]): the weight of each logits row in the mean. */
  counts(): Int32Array {
    const n = new Int32Array(this.numGroups);
    for (let i = 0; i < this.rows.length; i++) n[this.rows[i]]++;
    return n;
  }

  /** E.g. "GroupedTargets(65536 objetivos para 3001 filas de logits)". */
  toString(): string {
    return `GroupedTargets(${this.length} objetivos para ${this.numGroups} filas de logits)`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

// The tensors of group inputs (a Word2Vec batch's distinct context words), so that passing one as
// the targets — the same shape as the real targets' logits rows — is an error, not a wrong loss.
const groupInputs = new WeakSet<object>();

/** Marks `t` as the input whose rows the targets group (see `isGroupInput`). */
export function markGroupInput<T extends object>(t: T): T {
  groupInputs.add(t);
  return t;
}

/** Whether `t` was marked by `markGroupInput`. */
export function isGroupInput(t: object): boolean {
  return groupInputs.has(t);
}
