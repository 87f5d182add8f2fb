/**
 * The WebAssembly SIMD loops (native/loops compiled by scripts/build-wasm.js): the committed .wasm
 * is what the sources build to; the module imports only a memory and Math.log and writes nothing
 * but the buffers it is given; it computes the native binding's bits on plain and shared memories,
 * across heap growth; the kernels use it on tfjs-wasm's threaded (shared) heap; and when it cannot
 * load, one notice and the JS loops.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { instantiateLoops, nativeBlasStatus, wasmLoopsFile, wasmLoopsFor, type HeapLoops, type NativeBlas } from "../../lib/engine";
import type { WasmMemory } from "../../lib/engine/heap-growth";
import { requireTool } from "../helpers/require-tool";

const root = path.resolve(__dirname, "../..");
/** The WebAssembly JS API used here (TypeScript declares it with the DOM lib, not used here). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: {
    new (bytes: Uint8Array): object;
    imports(m: object): Array<{ module: string; name: string; kind: string }>;
    exports(m: object): Array<{ name: string; kind: string }>;
  };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const has = (cmd: string) => spawnSync(cmd, ["--version"]).status === 0;

test("the committed .wasm files are what native/loops builds to (clang-14, reproducible)", () => {
  const present = has("clang-14") && has("wasm-ld-14");
  const need = {
    what: "rebuild of the .wasm",
    present,
    reason: "clang-14 / wasm-ld-14 not found",
    install: "install clang-14 and lld-14 (scripts/setup.sh does)",
  };
  if (!requireTool(need)) return;
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "build-wasm.js"), "--check"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr + r.stdout);
});

/** The ids of a module's sections, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  for (let i = 8; i < bytes.length;) {
    ids.push(bytes[i++]);
    let size = 0,
      shift = 0,
      b: number;
    do {
      b = bytes[i++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    i += size;
  }
  return ids;
}

for (const shared of [false, true])
  test(`${path.basename(wasmLoopsFile(shared))}: imports a memory and log only, no data, no start, no use of globals`, () => {
    const bytes = fs.readFileSync(wasmLoopsFile(shared));
    const mod = new WebAssembly.Module(bytes);
    assert.equal(
      WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`),
      ["env.memory:memory", "env.log:function"],
    );
    assert.equal(
      WebAssembly.Module.exports(mod)
        .map((e) => `${e.name}:${e.kind}`)
        .sort(),
      [
        "adam:function",
        "ceCount:function",
        "ceLoss:function",
        "ceRows:function",
        "columnSums:function",
        "lstmBwdCell:function",
        "lstmFwdCell:function",
        "lstmFwdOut:function",
        "pairedSoftmaxCE:function",
      ],
    );
    const ids = sectionIds(bytes);
    for (const [id, what] of [
      [8, "start"],
      [11, "data"],
      [12, "data count"],
    ] as const)
      assert.not.ok(ids.includes(id), `a ${what} section`);
    // wasm-ld always declares __stack_pointer; the code must never read or write it (no stack in tfjs's heap).
    const objdump = {
      what: "disassembly of the .wasm",
      present: has("wasm-objdump"),
      reason: "wasm-objdump not found",
      install: "install wabt (scripts/setup.sh does)",
    };
    if (!requireTool(objdump)) return;
    const dis = spawnSync("wasm-objdump", ["-d", wasmLoopsFile(shared)], { encoding: "utf8" });
    assert.is(dis.status, 0, dis.stderr);
    assert.ok(/v128|f64x2|f32x4/.test(dis.stdout), "SIMD instructions");
    assert.not.ok(/global\.(get|set)|memory\.grow|atomic/.test(dis.stdout), "no globals, no growth, no atomics");
  });

const PAGE = 65536;
const CANARY = 0xa5;

/** A heap for the module outside tfjs: `pages` of canary bytes, a bump allocator from `mallocAt`. */
function fakeHeap(shared: boolean, pages: number) {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 1024, shared });
  new Uint8Array(memory.buffer).fill(CANARY);
  let next = 0;
  const given: Array<[number, number]> = [];
  const heap = {
    memory,
    malloc: (n: number) => {
      const p = next;
      next += (n + 15) & ~15;
      given.push([p, n]);
      return p;
    },
    free: () => undefined,
  };
  /** A fresh Float32Array / Int32Array view at the next free offset, filled from `values`. */
  const f32 = (values: ArrayLike<number>) => {
    const p = heap.malloc(4 * values.length);
    const a = new Float32Array(memory.buffer, p, values.length);
    a.set(values);
    return a;
  };
  const i32 = (values: ArrayLike<number>) => {
    const p = heap.malloc(4 * values.length);
    const a = new Int32Array(memory.buffer, p, values.length);
    a.set(values);
    return a;
  };
  const out = (n: number) => new Float32Array(memory.buffer, heap.malloc(4 * n), n).fill(NaN);
  return { memory, heap, f32, i32, out, given, startAt: (p: number) => (next = p) };
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
}

/** Every byte of `memory` outside [from, to) ranges still holds the canary. */
function untouchedOutside(memory: WasmMemory, written: Array<[number, number]>): number {
  const bytes = new Uint8Array(memory.buffer);
  const sorted = [...written].sort((a, b) => a[0] - b[0]);
  let k = 0;
  for (let i = 0; i < bytes.length; i++) {
    while (k < sorted.length && i >= sorted[k][1]) k++;
    if (k < sorted.length && i >= sorted[k][0]) continue;
    if (bytes[i] !== CANARY) return i;
  }
  return -1;
}

const range = (a: Float32Array | Int32Array): [number, number] => [a.byteOffset, a.byteOffset + a.byteLength];

function native(): NativeBlas {
  const st = nativeBlasStatus();
  assert.ok(st.loaded, st.loaded ? "" : `native loops not built: ${st.reason}`);
  return (st as { blas: NativeBlas }).blas;
}

for (const shared of [false, true])
  test(`${shared ? "shared" : "plain"} memory: native bits, writes only the outputs, survives heap growth`, () => {
    const blas = native();
    const h = fakeHeap(shared, 40);
    h.startAt(PAGE); // the first page stays canary: a stack or static data would land there
    const { loops } = instantiateLoops(h.heap);
    const rnd = rng(shared ? 3 : 4);
    const n = 10007; // vector body and tail
    const init = () => Array.from({ length: n }, () => rnd() * 2);
    const [p, g, m, v] = [init(), init().map((x) => x * 100), init().map((x) => x * 0.1), init().map((x) => Math.abs(x) * 0.01)];
    const vmax = v.map((x) => x * 1.5);
    const settings = [
      { decay: 1, l2: 0, ams: false },
      { decay: 1 - 1e-3 * 0.01, l2: 0, ams: false },
      { decay: 1, l2: 0.1, ams: false },
      { decay: 1, l2: 0, ams: true },
    ];
    const written: Array<[number, number]> = [];
    const run = (
      l: HeapLoops,
      mk: (x: ArrayLike<number>) => Float32Array,
      out: (n: number) => Float32Array,
      s: (typeof settings)[number],
    ) => {
      const ins = [p, g, m, v].map((x) => mk(x));
      const vm = s.ams ? mk(vmax) : null;
      const outs = [out(n), out(n), out(n)];
      const vmo = s.ams ? out(n) : null;
      l.adam(
        ins[0],
        ins[1],
        ins[2],
        ins[3],
        vm,
        outs[0],
        outs[1],
        outs[2],
        vmo,
        0.9,
        0.999,
        1e-8,
        1e-3 / 0.1,
        Math.sqrt(0.001),
        s.decay,
        s.l2,
      );
      if (l === loops) written.push(...[...ins, ...outs, ...(vm ? [vm] : []), ...(vmo ? [vmo] : [])].map(range));
      return [...outs, ...(vmo ? [vmo] : [])].map((a) => Array.from(a));
    };
    for (const s of settings) {
      const want = run(
        blas,
        (x) => Float32Array.from(x),
        (k) => new Float32Array(k),
        s,
      );
      const got = run(
        loops,
        (x) => h.f32(x),
        (k) => h.out(k),
        s,
      );
      assert.equal(got, want, `adam ${JSON.stringify(s)}`);
    }
    // The cross-entropy: rows with no pair, a masked class, with and without the gradient.
    const U = 40,
      C = 517,
      B = 90;
    const z = Array.from({ length: U * C }, () => rnd() * 16);
    z[3 * C + 7] = -Infinity;
    const rows = Array.from({ length: B }, () => Math.floor((rnd() + 0.5) * (U - 3)));
    const targets = Array.from({ length: B }, () => Math.floor((rnd() + 0.5) * C));
    const wantGrad = new Float32Array(U * C);
    const wantLoss = blas.pairedSoftmaxCE(Float32Array.from(z), U, C, Int32Array.from(rows), Int32Array.from(targets), wantGrad);
    const [zh, rh, th, gh] = [h.f32(z), h.i32(rows), h.i32(targets), h.out(U * C)];
    const before = h.given.length;
    assert.ok(Object.is(loops.pairedSoftmaxCE(zh, U, C, rh, th, gh), wantLoss), "loss");
    assert.equal(Array.from(gh), Array.from(wantGrad), "gradient");
    assert.ok(Object.is(loops.pairedSoftmaxCE(zh, U, C, rh, th, null), wantLoss), "loss without the gradient");
    const scratch = h.given.slice(before).map(([q, k]): [number, number] => [q, q + k]);
    assert.is(scratch.length, 2, "scratch taken from the heap's allocator, once a call");
    written.push(range(zh), range(rh), range(th), range(gh), ...scratch);
    assert.is(untouchedOutside(h.memory, written), -1, "first byte written outside the buffers given");
    // The heap grows (tfjs's does, between calls): views taken afterwards work, on the same instance.
    h.memory.grow(8);
    const g2 = h.out(U * C);
    assert.ok(Object.is(loops.pairedSoftmaxCE(h.f32(z), U, C, h.i32(rows), h.i32(targets), g2), wantLoss), "loss after growth");
    assert.equal(Array.from(g2), Array.from(wantGrad), "gradient after growth");
  });

test("views that are not on the heap, and mismatched sizes, are refused before anything is written", () => {
  const h = fakeHeap(false, 2);
  const { loops } = instantiateLoops(h.heap);
  const a = h.out(4);
  assert.throws(
    () => loops.adam(a, a, a, a, null, new Float32Array(4), a, a, null, 0.9, 0.999, 1e-8, 1, 1, 1, 0),
    /pOut is not a view of the tfjs-wasm heap/,
  );
  assert.throws(
    () => loops.adam(a, a, a, h.out(3), null, h.out(4), h.out(4), h.out(4), null, 0.9, 0.999, 1e-8, 1, 1, 1, 0),
    /must all have the parameter's length/,
  );
  assert.throws(() => loops.pairedSoftmaxCE(h.out(6), 2, 3, h.i32([0]), h.i32([3]), null), /row or target index out of range/);
  assert.throws(() => loops.pairedSoftmaxCE(h.out(5), 2, 3, h.i32([0]), h.i32([1]), null), /sizes do not match/);
});

test("when the module cannot load: the reason, one notice, and the JS loops", () => {
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args.join(" "));
  try {
    const r1 = wasmLoopsFor({ wasm: { asm: {} } }); // internals moved: no memory where expected
    const r2 = wasmLoopsFor({ wasm: { asm: { memory: new WebAssembly.Memory({ initial: 1 }) } } }); // no allocator
    assert.equal(r1, { loaded: false, reason: "the tfjs-wasm module's WebAssembly.Memory is not where expected" });
    assert.equal(r2, { loaded: false, reason: "the tfjs-wasm module has no _malloc/_free" });
    process.env.LAB4_WASM_LOOPS = "0"; // turned off on purpose: the reason, no notice
    assert.equal(wasmLoopsFor({ wasm: { asm: {} } }), { loaded: false, reason: "LAB4_WASM_LOOPS=0" });
  } finally {
    delete process.env.LAB4_WASM_LOOPS;
    console.warn = warn;
  }
  assert.equal(warned, [
    "lab4: the Adam and cross-entropy loops run in JS (slower): the tfjs-wasm module's WebAssembly.Memory is not where expected",
  ]);
});

test("tfjs-wasm's threaded heap, no native binding: the kernels run the shared-memory module on 2 threads, the JS loops' bits", () => {
  const child = path.join(__dirname, "..", "fixtures", "engine", "wasm-loops-child.ts");
  const env: NodeJS.ProcessEnv = { ...process.env, LAB4_NATIVE_BLAS: "0", LAB4_WASM_THREADS: "2" };
  delete env.LAB4_BACKEND;
  const r = spawnSync(process.execPath, ["--import", "tsx", child], { encoding: "utf8", env, timeout: 180_000 });
  const exited = Date.now();
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
  const finishedAt = out.finishedAt as number;
  delete out.finishedAt;
  // The loops' worker threads wait on a futex, unref'd: the process exits by itself.
  assert.ok(exited - finishedAt < 5000, `exited ${exited - finishedAt} ms after its last line`);
  assert.equal(
    out,
    {
      threads: 2,
      sharedHeap: true,
      kind: "wasm",
      adamSame: true,
      grew: true,
      lstmSame: true,
      stepThreadsWorked: true,
      ceGradClose: true,
      ceLossClose: true,
      ceThreadsSame: true,
      fallback: "js",
      notices: "one, at the fallback",
      loopThreads: 2,
      seq2seqSame: { Adam: true, "Adam, weight decay 0.01": true, "AdamW, weight decay 0.01": true },
      workersDidWork: true,
    },
    r.stdout,
  );
});

test.run();
