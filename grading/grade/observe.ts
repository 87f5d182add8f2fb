/**
 * Values observed in the student's kernel, as data.
 *
 * Kernel side (this file is `require`d by the instrumented grade cells; it imports nothing so that
 * loading it costs nothing): `observe(nonce, cell, check, thunks)` evaluates each leaf thunk and
 * prints ONE line
 *   [lab4-obs] <nonce> {"cell":"vocab_checks","check":1,"leaves":[{"v":<value>} | {"e":"TypeError: ..."}]}
 * Values are encoded as JSON with tags for what JSON lacks (NaN, -0, undefined, bigint, typed
 * arrays, tensors, Map, Set, other objects by type name), within size and depth limits.
 *
 * Grader side: `parseObservations` reads those lines back from a cell's outputs and
 * `decodeValue` rebuilds plain values (tensors become read-only tensor-like objects that the
 * grading functions accept). Everything read here came from the student's process and is treated
 * as untrusted data: malformed input is rejected with a reason, never evaluated.
 */

export const OBSERVATION_PREFIX = "[lab4-obs]";

/** At most this many scalars per check (a 2000x2000 matrix is 4M), so output stays bounded. */
export const MAX_SCALARS = 5_000_000;
const MAX_DEPTH = 32;
const MAX_REPR = 200;

type Encoded = unknown;

export type LeafResult = { v: Encoded } | { e: string };

export interface Observation {
  cell: string;
  check: number;
  leaves: LeafResult[];
}

// -------------------------------------------------------------------------------------------------
// Kernel side

class TooLarge extends Error {}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object" && typeof v !== "function") return typeof v;
  try {
    const ctor = (v as { constructor?: { name?: unknown } }).constructor;
    if (ctor && typeof ctor.name === "string" && ctor.name !== "") return ctor.name;
  } catch {
    /* a hostile getter: fall through */
  }
  return typeof v === "function" ? "function" : "object";
}

function repr(v: unknown): string {
  let s: string;
  try {
    s = String(v);
  } catch {
    s = `[${typeName(v)}]`;
  }
  return s.length > MAX_REPR ? s.slice(0, MAX_REPR - 3) + "..." : s;
}

function encodeNumber(x: number): Encoded {
  if (Number.isNaN(x)) return { $num: "NaN" };
  if (x === Infinity) return { $num: "Infinity" };
  if (x === -Infinity) return { $num: "-Infinity" };
  if (x === 0 && 1 / x < 0) return { $num: "-0" };
  return x;
}

const TYPED_NAMES = new Set([
  "Float32Array",
  "Float64Array",
  "Int8Array",
  "Int16Array",
  "Int32Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Uint16Array",
  "Uint32Array",
]);

function isTensorLike(v: object): v is { dataSync(): ArrayLike<unknown>; shape: number[]; dtype: string } {
  const t = v as { dataSync?: unknown; shape?: unknown; dtype?: unknown };
  return typeof t.dataSync === "function" && Array.isArray(t.shape) && typeof t.dtype === "string";
}

function encodeValue(v: unknown, budget: { scalars: number }, depth: number, seen: Set<object>): Encoded {
  const spend = (n: number) => {
    budget.scalars -= n;
    if (budget.scalars < 0) throw new TooLarge(`value too large to grade (more than ${MAX_SCALARS} numbers)`);
  };
  if (depth > MAX_DEPTH) throw new TooLarge(`value nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof v) {
    case "number":
      spend(1);
      return encodeNumber(v);
    case "string":
      spend(Math.ceil(v.length / 8) + 1);
      return v;
    case "boolean":
      spend(1);
      return v;
    case "undefined":
      return { $undef: 1 };
    case "bigint":
      return { $bigint: v.toString() };
    case "symbol":
    case "function":
      return { $opaque: typeName(v), repr: repr(v) };
  }
  if (v === null) return null;
  const o = v as object;
  if (seen.has(o)) throw new TooLarge("cyclic value");
  seen.add(o);
  try {
    if (Array.isArray(o)) {
      spend(1);
      const out: Encoded[] = [];
      for (let i = 0; i < o.length; i++) out.push(i in o ? encodeValue(o[i], budget, depth + 1, seen) : { $undef: 1 });
      return out;
    }
    if (ArrayBuffer.isView(o) && !(o instanceof DataView)) {
      const name = typeName(o);
      if (TYPED_NAMES.has(name)) {
        const arr = o as unknown as ArrayLike<number>;
        spend(arr.length);
        return { $typed: name, data: Array.from(arr, encodeNumber) };
      }
      if (name === "BigInt64Array" || name === "BigUint64Array") {
        const arr = o as unknown as ArrayLike<bigint>;
        spend(arr.length);
        return { $typed: name, data: Array.from(arr, (b) => b.toString()) };
      }
    }
    if (isTensorLike(o)) {
      const data = o.dataSync();
      spend(data.length);
      return {
        $tensor: String(o.dtype),
        shape: Array.from(o.shape, Number),
        data: Array.from(data, (x) => (typeof x === "number" ? encodeNumber(x) : typeof x === "string" ? x : repr(x))),
      };
    }
    if (o instanceof Map) {
      spend(o.size);
      return { $map: Array.from(o, ([k, val]) => [encodeValue(k, budget, depth + 1, seen), encodeValue(val, budget, depth + 1, seen)]) };
    }
    if (o instanceof Set) {
      spend(o.size);
      return { $set: Array.from(o, (x) => encodeValue(x, budget, depth + 1, seen)) };
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      const entries: Record<string, Encoded> = {};
      for (const k of Object.keys(o)) {
        spend(1);
        entries[k] = encodeValue((o as Record<string, unknown>)[k], budget, depth + 1, seen);
      }
      return { $obj: entries };
    }
    return { $opaque: typeName(o), repr: repr(o) };
  } finally {
    seen.delete(o);
  }
}

function errorText(e: unknown): string {
  let s: string;
  try {
    if (e instanceof Error) s = e.message ? `${e.name}: ${e.message}` : e.name;
    else s = `Uncaught ${repr(e)}`;
  } catch {
    s = "an error that could not be described";
  }
  const first = s.split("\n", 1)[0]!;
  return first.length > 500 ? first.slice(0, 497) + "..." : first;
}

function encodeLeaf(thunkResult: () => unknown): LeafResult {
  let value: unknown;
  try {
    value = thunkResult();
  } catch (e) {
    return { e: errorText(e) };
  }
  try {
    return { v: encodeValue(value, { scalars: MAX_SCALARS }, 0, new Set()) };
  } catch (e) {
    return { e: e instanceof TooLarge ? `Grader: ${e.message}` : `Grader: cannot read the value (${errorText(e)})` };
  }
}

function emit(nonce: string, cell: string, check: number, leaves: LeafResult[]): void {
  let line: string;
  try {
    line = JSON.stringify({ cell, check, leaves });
  } catch (e) {
    line = JSON.stringify({ cell, check, leaves: leaves.map(() => ({ e: `Grader: cannot encode the value (${errorText(e)})` })) });
  }
  // leading newline: a student's unterminated print cannot glue onto the marker
  process.stdout.write(`\n${OBSERVATION_PREFIX} ${nonce} ${line}\n`);
}

/** Kernel side: evaluates the leaves of one check (synchronously) and prints the observation. */
export function observe(nonce: string, cell: string, check: number, thunks: ReadonlyArray<() => unknown>): void {
  emit(
    nonce,
    cell,
    check,
    thunks.map((t) => encodeLeaf(t)),
  );
}

/** Kernel side, for async checks: awaits each leaf in order. */
export async function observeAsync(nonce: string, cell: string, check: number, thunks: ReadonlyArray<() => unknown>): Promise<void> {
  const leaves: LeafResult[] = [];
  for (const t of thunks) {
    let settled: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      settled = { ok: true, value: await t() };
    } catch (e) {
      settled = { ok: false, error: e };
    }
    if (settled.ok) {
      const value = settled.value;
      leaves.push(encodeLeaf(() => value));
    } else leaves.push({ e: errorText(settled.error) });
  }
  emit(nonce, cell, check, leaves);
}

// -------------------------------------------------------------------------------------------------
// Grader side

export class ObservationError extends Error {
  override name = "ObservationError";
}

/** A value that was an object of some other type in the kernel (shown by type name and text). */
export class OpaqueValue {
  constructor(
    readonly typeName: string,
    readonly text: string,
  ) {}
  toString(): string {
    return this.text;
  }
}

const TYPED_CTORS: Record<string, new (data: ArrayLike<number>) => ArrayLike<number>> = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint8ClampedArray,
  Uint16Array,
  Uint32Array,
};

function decodeNumber(x: unknown): number {
  if (typeof x === "number") return x;
  if (typeof x === "object" && x !== null && "$num" in x) {
    const s = (x as { $num: unknown }).$num;
    if (s === "NaN") return NaN;
    if (s === "Infinity") return Infinity;
    if (s === "-Infinity") return -Infinity;
    if (s === "-0") return -0;
  }
  throw new ObservationError(`malformed number ${JSON.stringify(x)?.slice(0, 80)}`);
}

/** A read-only tensor as the grading functions see tensors (dataSync, shape, dtype, size). */
export interface TensorLike {
  readonly shape: number[];
  readonly dtype: string;
  readonly size: number;
  readonly rank: number;
  dataSync(): Float32Array | Int32Array | Uint8Array | string[];
}

function makeTensor(dtype: string, shape: number[], data: unknown[]): TensorLike {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ObservationError("malformed tensor shape");
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new ObservationError(`tensor of shape [${shape.join(", ")}] with ${data.length} values`);
  let values: Float32Array | Int32Array | Uint8Array | string[];
  if (dtype === "float32") values = Float32Array.from(data, decodeNumber);
  else if (dtype === "int32") values = Int32Array.from(data, decodeNumber);
  else if (dtype === "bool") values = Uint8Array.from(data, decodeNumber);
  else if (dtype === "string") values = data.map((x) => String(x));
  else throw new ObservationError(`unknown tensor dtype ${JSON.stringify(dtype)}`);
  return Object.freeze({
    shape: [...shape],
    dtype,
    size,
    rank: shape.length,
    dataSync: () => (Array.isArray(values) ? [...values] : values.slice()),
  });
}

/** Rebuilds a value encoded by the kernel side. */
export function decodeValue(x: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH + 2) throw new ObservationError("value nested too deep");
  if (x === null || typeof x === "number" || typeof x === "string" || typeof x === "boolean") return x;
  if (Array.isArray(x)) return x.map((e) => decodeValue(e, depth + 1));
  if (typeof x !== "object") throw new ObservationError("malformed value");
  const o = x as Record<string, unknown>;
  const keys = Object.keys(o);
  if ("$num" in o) return decodeNumber(o);
  if ("$undef" in o) return undefined;
  if ("$bigint" in o && typeof o.$bigint === "string" && /^-?\d+$/.test(o.$bigint)) return BigInt(o.$bigint);
  if ("$typed" in o && Array.isArray(o.data)) {
    const name = String(o.$typed);
    if (name === "BigInt64Array" || name === "BigUint64Array") {
      const big = o.data.map((s) => BigInt(String(s)));
      return name === "BigInt64Array" ? BigInt64Array.from(big) : BigUint64Array.from(big);
    }
    const ctor = TYPED_CTORS[name];
    if (ctor === undefined) throw new ObservationError(`unknown typed array ${JSON.stringify(name)}`);
    return new ctor(o.data.map(decodeNumber));
  }
  if ("$tensor" in o && Array.isArray(o.shape) && Array.isArray(o.data))
    return makeTensor(String(o.$tensor), o.shape.map(decodeNumber), o.data);
  if ("$map" in o && Array.isArray(o.$map))
    return new Map(
      o.$map.map((kv) => {
        if (!Array.isArray(kv) || kv.length !== 2) throw new ObservationError("malformed Map entry");
        return [decodeValue(kv[0], depth + 1), decodeValue(kv[1], depth + 1)] as [unknown, unknown];
      }),
    );
  if ("$set" in o && Array.isArray(o.$set)) return new Set(o.$set.map((e) => decodeValue(e, depth + 1)));
  if ("$obj" in o && typeof o.$obj === "object" && o.$obj !== null && !Array.isArray(o.$obj)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o.$obj as Record<string, unknown>)) {
      if (k === "__proto__") continue;
      out[k] = decodeValue(val, depth + 1);
    }
    return out;
  }
  if ("$opaque" in o) return new OpaqueValue(String(o.$opaque).slice(0, 100), String(o.repr ?? "").slice(0, MAX_REPR));
  throw new ObservationError(`malformed value with keys ${keys.slice(0, 5).join(", ")}`);
}

/** One leaf as the grader sees it: its value, or the error its evaluation raised in the kernel. */
export type DecodedLeaf = { ok: true; value: unknown } | { ok: false; error: string };

export function decodeLeaf(l: unknown): DecodedLeaf {
  if (typeof l !== "object" || l === null) throw new ObservationError("malformed leaf");
  if ("e" in l) return { ok: false, error: String((l as { e: unknown }).e).slice(0, 500) };
  if ("v" in l) return { ok: true, value: decodeValue((l as { v: unknown }).v) };
  throw new ObservationError("malformed leaf");
}

/** Observation lines in a text carrying this run's nonce; lines with another nonce are ignored. */
export function parseObservations(text: string, nonce: string): { observations: Observation[]; foreign: number } {
  const observations: Observation[] = [];
  let foreign = 0;
  for (const line of text.split("\n")) {
    const at = line.indexOf(OBSERVATION_PREFIX);
    if (at < 0) continue;
    const rest = line.slice(at + OBSERVATION_PREFIX.length + 1);
    if (!rest.startsWith(nonce + " ")) {
      foreign++;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(rest.slice(nonce.length + 1));
    } catch {
      throw new ObservationError("an observation line is not valid JSON");
    }
    const p = parsed as Partial<Observation>;
    if (typeof p.cell !== "string" || typeof p.check !== "number" || !Array.isArray(p.leaves))
      throw new ObservationError("an observation line lacks cell/check/leaves");
    observations.push({ cell: p.cell, check: p.check, leaves: p.leaves as LeafResult[] });
  }
  return { observations, foreign };
}
