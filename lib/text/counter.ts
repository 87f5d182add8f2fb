/**
 * Python's `collections.Counter` for the lab: counts in first-seen (insertion) order, which the
 * vocabulary inherits (`vocab = list(counts)`; `tok2id['father'] == 1` depends on it). A JS `Map`
 * iterates in insertion order like a Python 3.7+ dict, so the Counter is one (as Python's Counter is a
 * dict): notebook cells can filter it into a plain Map like the original lab's dict comprehension.
 */
import { inspect } from "node:util";

export class Counter<T = string> extends Map<T, number> {
  /** `Counter(iterable)`: counts every element of `items`. */
  constructor(items?: Iterable<T>) {
    super();
    if (items !== undefined) this.update(items);
  }

  /** Adds one to the count of every element of `items` (`Counter.update(iterable)`). */
  update(items: Iterable<T>): this {
    for (const x of items) this.set(x, (super.get(x) ?? 0) + 1);
    return this;
  }

  /** The count of `key`, 0 if never seen (like `counter[key]`, which does not raise). */
  override get(key: T): number {
    return super.get(key) ?? 0;
  }

  /** Sum of all counts (`counter.total()`). */
  total(): number {
    let s = 0;
    for (const v of this.values()) s += v;
    return s;
  }

  /**
   * The `n` most common elements, highest count first; equal counts keep insertion order (Python
   * sorts stably, and so does `Array.prototype.sort`). All elements when `n` is omitted.
   */
  mostCommon(n?: number): Array<[T, number]> {
    const all = [...this.entries()].sort((a, b) => b[1] - a[1]);
    return n === undefined ? all : all.slice(0, Math.max(0, n));
  }

  /** A copy of the counts as a Map (insertion order kept). */
  toMap(): Map<T, number> {
    return new Map(this);
  }

  /** Python's repr, most common first: `Counter({'a': 2, 'b': 1})` (first 20 entries in notebooks). */
  override toString(limit = Infinity): string {
    const items = this.mostCommon();
    const shown = items.slice(0, limit).map(([k, v]) => `${typeof k === "string" ? `'${k}'` : String(k)}: ${v}`);
    if (items.length > shown.length) shown.push(`... (${items.length - shown.length} more)`);
    return `Counter({${shown.join(", ")}})`;
  }

  [inspect.custom](): string {
    return this.toString(20);
  }
}

/**
 * The original lab's rare-token filter `counts = {k: v for k, v in counts.items() if v > 10}`: a new Map of
 * the entries seen MORE than `moreThan` times, in the same (insertion) order.
 */
export function filterCounts<T>(counts: Iterable<[T, number]>, moreThan = 10): Map<T, number> {
  const out = new Map<T, number>();
  for (const [k, v] of counts) if (v > moreThan) out.set(k, v);
  return out;
}
