// Values observed in the kernel travel as data: exact round trips for what checks look at, bounded
// size, and hostile values turned into reasons instead of crashes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { silenceCpuNodeHint } from "../../lib/engine/setup";
import {
  observe,
  observeAsync,
  parseObservations,
  decodeLeaf,
  decodeValue,
  OpaqueValue,
  MAX_SCALARS,
  ObservationError,
} from "../../grading/grade/observe";
import { arrayHash } from "../../grading/runtime/checkarr";

silenceCpuNodeHint();

const NONCE = "0123456789abcdef0123456789abcdef";

/** Runs the kernel side with stdout captured, and reads it back as the grader does. */
function roundTrip(...thunks: Array<() => unknown>) {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => {
    chunks.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    observe(NONCE, "cell", 1, thunks);
  } finally {
    process.stdout.write = write;
  }
  const { observations, foreign } = parseObservations(chunks.join(""), NONCE);
  assert.is(observations.length, 1);
  assert.is(foreign, 0);
  return observations[0]!.leaves.map(decodeLeaf);
}

function value(thunk: () => unknown): unknown {
  const [l] = roundTrip(thunk);
  assert.ok(l!.ok, l!.ok ? "" : l!.error);
  return (l as { value: unknown }).value;
}

test("numbers keep every bit: NaN, ±Infinity, -0, subnormals, 0.1+0.2, large ints", () => {
  for (const x of [NaN, Infinity, -Infinity, -0, 0, 5e-324, 0.1 + 0.2, 2 ** 53 + 2, -1.7976931348623157e308]) {
    assert.ok(
      Object.is(
        value(() => x),
        x,
      ),
      String(x),
    );
  }
});

test("strings, booleans, null, undefined, bigint, nested arrays with holes", () => {
  assert.is(
    value(() => 'ñandú\n\u2028 "quoted" [lab4-obs] x'),
    'ñandú\n\u2028 "quoted" [lab4-obs] x',
  );
  assert.is(
    value(() => true),
    true,
  );
  assert.is(
    value(() => null),
    null,
  );
  assert.is(
    value(() => undefined),
    undefined,
  );
  assert.is(
    value(() => 2n ** 70n),
    2n ** 70n,
  );
  assert.equal(
    // eslint-disable-next-line no-sparse-arrays
    value(() => [1, [2, [3, "x"]], , NaN]),
    [1, [2, [3, "x"]], undefined, NaN],
  );
});

test("typed arrays, Map, Set and plain objects come back as the same kind", () => {
  const f32 = new Float32Array([0.1, -0, NaN, 3.4028234663852886e38]);
  const back = value(() => f32) as Float32Array;
  assert.instance(back, Float32Array);
  assert.equal(
    Array.from(back).map((x) => (Object.is(x, -0) ? "-0" : x)),
    Array.from(f32).map((x) => (Object.is(x, -0) ? "-0" : x)),
  );
  assert.equal(
    value(() => new Int32Array([-2147483648, 7])),
    new Int32Array([-2147483648, 7]),
  );
  assert.equal(
    value(
      () =>
        new Map<string, number>([
          ["a", 1],
          ["b", 2],
        ]),
    ),
    new Map([
      ["a", 1],
      ["b", 2],
    ]),
  );
  assert.equal(
    value(() => new Set([1, "x"])),
    new Set([1, "x"]),
  );
  assert.equal(
    value(() => ({ a: 1, b: [2] })),
    { a: 1, b: [2] },
  );
});

test("tensors: shape, dtype and values survive, and the grading functions see the same array", () => {
  const t = tf.tensor2d([
    [1.5, NaN],
    [-3, 1e-8],
  ]);
  const back = value(() => t) as { shape: number[]; dtype: string; dataSync(): Float32Array };
  assert.equal(back.shape, [2, 2]);
  assert.is(back.dtype, "float32");
  assert.equal(arrayHash(back as never), arrayHash(t));
  const ints = tf.tensor1d([3, -4], "int32");
  assert.equal(arrayHash(value(() => ints) as never), arrayHash(ints));
  const bools = tf.tensor1d([1, 0, 1], "bool");
  assert.equal(Array.from((value(() => bools) as { dataSync(): Uint8Array }).dataSync()), [1, 0, 1]);
});

test("other objects are described by type name and text, never rebuilt", () => {
  class Word2Vec {
    toString() {
      return "Word2Vec(50)";
    }
  }
  const v = value(() => new Word2Vec());
  assert.instance(v, OpaqueValue);
  assert.is((v as OpaqueValue).typeName, "Word2Vec");
  assert.is(String(v), "Word2Vec(50)");
  assert.is((value(() => Math.max) as OpaqueValue).typeName, "Function");
  assert.is((value(() => Promise.resolve(1)) as OpaqueValue).typeName, "Promise");
});

test("throwing leaves, cycles, oversized and hostile values become reasons", () => {
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error("gotcha");
      },
      getPrototypeOf() {
        throw new Error("gotcha");
      },
      ownKeys() {
        throw new Error("gotcha");
      },
    },
  );
  const leaves = roundTrip(
    () => {
      throw new TypeError("Cannot read properties of undefined (reading 'size')");
    },
    () => cyclic,
    () => new Float64Array(MAX_SCALARS + 1),
    () => hostile,
    () => 42,
  );
  assert.equal(leaves[0], { ok: false, error: "TypeError: Cannot read properties of undefined (reading 'size')" });
  assert.equal(leaves[1], { ok: false, error: "Grader: cyclic value" });
  assert.match((leaves[2] as { error: string }).error, /^Grader: value too large to grade/);
  assert.match((leaves[3] as { error: string }).error, /^Grader: cannot read the value/);
  assert.equal(leaves[4], { ok: true, value: 42 }, "one bad leaf does not spoil the others");
});

test("async leaves are awaited in order; a rejection is that leaf's error", async () => {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
  try {
    await observeAsync(NONCE, "c", 2, [async () => 7, () => Promise.reject(new RangeError("no")), () => "sync"]);
  } finally {
    process.stdout.write = write;
  }
  const [o] = parseObservations(chunks.join(""), NONCE).observations;
  assert.equal(o!.leaves.map(decodeLeaf), [
    { ok: true, value: 7 },
    { ok: false, error: "RangeError: no" },
    { ok: true, value: "sync" },
  ]);
});

test("lines with another nonce are counted and ignored; a malformed line with ours is an error", () => {
  const text = [
    'student says [lab4-obs] ffffffffffffffffffffffffffffffff {"cell":"c","check":1,"leaves":[{"v":1}]}',
    `noise[lab4-obs] ${NONCE} {"cell":"c","check":1,"leaves":[{"v":3}]}`,
  ].join("\n");
  const r = parseObservations(text, NONCE);
  assert.is(r.foreign, 1);
  assert.equal(r.observations, [{ cell: "c", check: 1, leaves: [{ v: 3 }] }]);
  assert.throws(
    () => parseObservations(`[lab4-obs] ${NONCE} {"cell":`, NONCE),
    (e: unknown) => e instanceof ObservationError,
  );
  assert.throws(() => parseObservations(`[lab4-obs] ${NONCE} {"cell":1}`, NONCE), /lacks cell\/check\/leaves/);
});

test("decoding rejects unknown tags and never pollutes prototypes", () => {
  assert.throws(() => decodeValue({ $function: "return 1" }), /malformed value/);
  assert.throws(() => decodeValue({ $tensor: "float32", shape: [3], data: [1] }), /tensor of shape \[3\] with 1 values/);
  assert.throws(() => decodeValue({ $typed: "SharedArrayBuffer", data: [] }), /unknown typed array/);
  const o = decodeValue(JSON.parse('{"$obj": {"__proto__": {"polluted": 1}, "a": 1}}')) as Record<string, unknown>;
  assert.equal(o, { a: 1 });
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test.run();
