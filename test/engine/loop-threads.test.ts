/**
 * The WebAssembly loops on several threads (lib/engine/kernels/loop-threads.ts) over a shared
 * memory, outside tfjs: the Adam update split across threads gives the bits of one thread and of the
 * native binding on the Seq2Seq model's parameter shapes, with and without weight decay, and so does
 * the cross-entropy on a Seq2Seq batch's logits; the work is really shared; a worker that cannot
 * start, a memory that is not shared, or a worker's chunk that traps leave one thread with at most
 * one notice; a worker's slow chunk is waited for, with one notice. (The kernels on tfjs-wasm's threaded heap, and
 * the process exiting by itself: test/engine/wasm-loops.test.ts's child.)
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import {
  instantiateLoops,
  singleThreadWasmLoops,
  LoopThreads,
  ADAM_CHUNK,
  WORKER_SOURCE,
  nativeBlasStatus,
  wasmLoopsFile,
  type NativeBlas,
} from "../../lib/engine";
import type { WasmMemory } from "../../lib/engine/heap-growth";
import { rand } from "./helpers";
import { captureWarn } from "../plot/capture";

interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// reference/seq2seq/model.ts's Seq2Seq at the original lab's sizes (vocabularies 7853/5893, 256, 512, 2 layers).
const SEQ2SEQ_SHAPES = [
  [7853, 256], [2048, 256], [2048, 512], [2048], [2048], [2048, 512], [2048, 512], [2048], [2048],
  [5893, 256], [2048, 256], [2048, 512], [2048], [2048], [2048, 512], [2048, 512], [2048], [2048], [5893, 512], [5893],
]; // prettier-ignore
const sizes = SEQ2SEQ_SHAPES.map((s) => s.reduce((a, b) => a * b, 1));

const shared = () => new WA.Memory({ initial: 1, maximum: 16, shared: true });
const adamModule = () => new WA.Module(fs.readFileSync(wasmLoopsFile(true)));
/** adam's arguments (native/loops/wasm.c) for n elements with every array at byte offset `at`. */
const adamArgs = (n: number, at: number) => [n, at, at, at, at, 0, at, at, at, 0, 0.9, 0.999, 1e-8, 1, 1, 1, 0];
const busy = (ms: number) => {
  const t = performance.now() + ms;
  while (performance.now() < t);
};

test("chunks: whole groups of four, each element once, arrays advanced and absent ones left at 0", async () => {
  const pool = new LoopThreads({ threads: 2, module: adamModule(), memory: shared(), names: ["adam"] });
  assert.is(await pool.ready, 2, pool.problem());
  const n = 10 * 1024 + 3,
    chunk = 1024;
  const mine: number[][] = [];
  // Slow chunks here, so the worker (running real ones on zeros at offset 64) takes some.
  pool.run({ fn: 0, args: adamArgs(n, 64), count: 0, pointers: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [i, 4] as const), n, chunk }, (a) => {
    mine.push(a);
    busy(5);
  });
  assert.ok(pool.handedOff > 0, "the worker took chunks");
  assert.is(mine.length + pool.handedOff, 11, "chunks here + chunks there");
  for (const a of mine) {
    const start = (a[1] - 64) / 4;
    assert.is(start % 4, 0, "starts at a multiple of 4");
    assert.is(a[0], Math.min(chunk, n - start), "length");
    assert.equal([a[2], a[3], a[4], a[6], a[7], a[8]], Array(6).fill(a[1]), "every array advanced alike");
    assert.equal([a[5], a[9]], [0, 0], "absent arrays stay 0");
    assert.equal(a.slice(10), adamArgs(n, 64).slice(10), "scalars untouched");
  }
  // Below two chunks: the whole range here, once.
  const whole: number[][] = [];
  pool.run({ fn: 0, args: adamArgs(chunk, 64), count: 0, pointers: [[1, 4]], n: chunk, chunk }, (a) => void whole.push(a));
  assert.equal(whole, [adamArgs(chunk, 64)]);
  pool.close();
});

/** A shared memory holding every array of an Adam step over `sizes`, with a bump allocator. */
function sharedHeap(bytes: number) {
  const memory = new WA.Memory({ initial: Math.ceil(bytes / 65536) + 1, maximum: 65536, shared: true });
  let next = 16;
  const heap = {
    memory,
    malloc: (n: number) => {
      const p = next;
      next += (n + 15) & ~15;
      return p;
    },
    free: () => undefined,
  };
  const f32 = (src: Float32Array | number) => {
    const n = typeof src === "number" ? src : src.length;
    const a = new Float32Array(memory.buffer, heap.malloc(4 * n), n);
    if (typeof src === "number") a.fill(NaN);
    else a.set(src);
    return a;
  };
  return { heap, f32 };
}

function native(): NativeBlas {
  const st = nativeBlasStatus();
  assert.ok(st.loaded, st.loaded ? "" : `native loops not built: ${st.reason}`);
  return (st as { blas: NativeBlas }).blas;
}

for (const threads of [2, 3])
  test(`Adam on ${threads} threads: the bits of one thread and of the native binding, on the Seq2Seq shapes`, async () => {
    const blas = native();
    const total = sizes.reduce((a, b) => a + b, 0);
    const { heap, f32 } = sharedHeap(4 * (total * 9 + sizes.length * 64));
    const { loops, ready, pool } = instantiateLoops(heap, threads);
    assert.is(await ready, threads, pool?.problem());
    const settings = [
      { name: "Adam", decay: 1, l2: 0, ams: false },
      { name: "AdamW (weight decay 0.01)", decay: 1 - 1e-3 * 0.01, l2: 0, ams: false },
      { name: "Adam with L2 (weight decay 0.01)", decay: 1, l2: 0.01, ams: false },
      { name: "Adam, amsgrad", decay: 1, l2: 0, ams: true },
    ];
    // One parameter at a time (the heap holds one set of arrays per shape, reused by each setting).
    for (const [k, n] of sizes.entries()) {
      const p = f32(rand(n, 10 + k)),
        g = f32(rand(n, 20 + k).map((x) => x * 1e-2)),
        m = f32(rand(n, 30 + k).map((x) => x * 1e-3)),
        v = f32(rand(n, 40 + k).map((x) => x * x * 1e-5)),
        vmax = f32(v.map((x) => x * 1.25));
      const [po, mo, vo, vmo] = [f32(n), f32(n), f32(n), f32(n)];
      for (const s of settings) {
        const run = (l: "threads" | "one" | "native") => {
          const outs = l === "native" ? [0, 1, 2, 3].map(() => new Float32Array(n)) : [po, mo, vo, vmo];
          for (const o of outs) o.fill(NaN);
          const args = [p, g, m, v, s.ams ? vmax : null, outs[0], outs[1], outs[2], s.ams ? outs[3] : null] as const;
          const hp = [0.9, 0.999, 1e-8, 1e-3 / 0.1, Math.sqrt(1 - 0.999), s.decay, s.l2] as const;
          singleThreadWasmLoops(l === "one");
          try {
            (l === "native" ? blas : loops).adam(...args, ...hp);
          } finally {
            singleThreadWasmLoops(false);
          }
          return Buffer.concat(outs.slice(0, s.ams ? 4 : 3).map((o) => Buffer.from(o.buffer, o.byteOffset, o.byteLength)));
        };
        const before = pool?.handedOff ?? 0;
        const many = run("threads");
        if (n <= ADAM_CHUNK) assert.is(pool?.handedOff, before, `${s.name}, [${SEQ2SEQ_SHAPES[k]}]: one chunk, here`);
        assert.ok(many.equals(run("one")), `${s.name}, [${SEQ2SEQ_SHAPES[k]}]: threads vs one thread`);
        assert.ok(many.equals(run("native")), `${s.name}, [${SEQ2SEQ_SHAPES[k]}]: threads vs the native binding`);
      }
    }
    assert.ok((pool?.handedOff ?? 0) > 0, "workers took chunks");
    pool?.close();
  });

test("the cross-entropy's rows on 2 threads: the loss and gradient of one thread and of the native binding", async () => {
  const blas = native();
  // A Seq2Seq batch's logits (29·128 positions, 5893 words) with the pad positions left out, a row
  // without pairs, repeated pairs and a masked class.
  const U = 29 * 128,
    C = 5893;
  const { heap, f32 } = sharedHeap(4 * (3 * U * C + 4 * U) + 16 * U + 8 * C + 4096);
  const { loops, ready, pool } = instantiateLoops(heap, 2);
  assert.is(await ready, 2, pool?.problem());
  const z = f32(rand(U * C, 5).map((x) => x * 8));
  z[7 * C + 3] = -Infinity;
  const pairs = Array.from({ length: U }, (_, u) => u).filter((u) => u % 10 !== 1 && u !== 100);
  pairs.push(5, 5, 6);
  const ints = (a: number[]) => {
    const v = new Int32Array(heap.memory.buffer, heap.malloc(4 * a.length), a.length);
    v.set(a);
    return v;
  };
  const rows = ints(pairs),
    targets = ints(pairs.map((u) => (u * 7919) % C));
  const grad = f32(U * C);
  const run = (how: "threads" | "one" | "native", withGrad: boolean) => {
    grad.fill(NaN);
    singleThreadWasmLoops(how === "one");
    try {
      const g = withGrad ? (how === "native" ? new Float32Array(U * C) : grad) : null;
      const args = [how === "native" ? Float32Array.from(z) : z, U, C, rows, targets, g] as const;
      const loss = (how === "native" ? blas : loops).pairedSoftmaxCE(...args);
      return { loss, grad: g ? Buffer.from(new Uint8Array(g.buffer, g.byteOffset, g.byteLength)) : null }; // a copy
    } finally {
      singleThreadWasmLoops(false);
    }
  };
  for (const withGrad of [true, false]) {
    const before = pool?.handedOff ?? 0;
    const many = run("threads", withGrad);
    assert.ok((pool?.handedOff ?? 0) > before, "the worker took rows");
    assert.ok(Number.isFinite(many.loss));
    const one = run("one", withGrad),
      nat = run("native", withGrad);
    assert.ok(Object.is(many.loss, one.loss), `loss ${many.loss} vs one thread's ${one.loss}`);
    assert.ok(Object.is(many.loss, nat.loss), `loss ${many.loss} vs native ${nat.loss}`);
    if (withGrad) {
      assert.ok(many.grad?.equals(one.grad as Buffer), "gradient vs one thread");
      assert.ok(many.grad?.equals(nat.grad as Buffer), "gradient vs native");
    }
  }
  pool?.close();
});

test("outputs that overlap an input stay on one thread (the elements would not be independent)", async () => {
  const n = 4 * ADAM_CHUNK;
  const { heap, f32 } = sharedHeap(4 * n * 8);
  const { loops, ready, pool } = instantiateLoops(heap, 2);
  assert.is(await ready, 2);
  const p = f32(rand(n, 1)),
    g = f32(rand(n, 2)),
    m = f32(n).fill(0),
    v = f32(n).fill(0);
  const before = pool?.handedOff;
  loops.adam(p, g, m, v, null, p, m, v, null, 0.9, 0.999, 1e-8, 1e-3, 0.1, 1, 0); // in place
  assert.is(pool?.handedOff, before, "nothing handed off");
  assert.ok(p.every((x) => Number.isFinite(x)));
  pool?.close();
});

test("a worker that cannot start, or a heap that is not shared: one thread, at most one notice", async () => {
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warned.push(a.join(" "));
  try {
    const plain = new LoopThreads({ threads: 2, module: adamModule(), memory: new WA.Memory({ initial: 1 }), names: ["adam"] });
    assert.is(await plain.ready, 1);
    assert.is(plain.problem(), "the tfjs-wasm heap is not a shared memory");
    const broken = () =>
      new LoopThreads({ threads: 3, module: adamModule(), memory: shared(), names: ["adam"], workerSource: "throw new Error('no start')" });
    const a = broken(),
      b = broken();
    assert.is(await a.ready, 1);
    assert.is(await b.ready, 1);
    assert.is(a.threads(), 1);
    assert.is(a.problem(), "a worker thread failed: no start");
    // A module without the export asked for: the real worker script refuses to start.
    const c = new LoopThreads({ threads: 2, module: adamModule(), memory: shared(), names: ["nope"] });
    assert.is(await c.ready, 1);
    assert.match(c.problem() ?? "", /a worker thread failed: the module lacks one of nope/);
    // A pool on one thread runs a call here, whole.
    const ran: number[][] = [];
    a.run({ fn: 0, args: adamArgs(4096, 64), count: 0, pointers: [[1, 4]], n: 4096, chunk: 4 }, (x) => void ran.push(x));
    assert.equal(ran, [adamArgs(4096, 64)]);
  } finally {
    console.warn = warn;
  }
  assert.is(warned.length, 1, warned.join("\n"));
  assert.match(warned[0], /^lab4: the WebAssembly loops run on 1 thread, not 3: a worker thread failed: no start$/);
});

test("a worker's chunk that traps: the whole call re-runs on the calling thread, the pool stops", async () => {
  const memory = shared();
  const pool = new LoopThreads({ threads: 2, module: adamModule(), memory, names: ["adam"] });
  assert.is(await pool.ready, 2);
  const here: number[][] = [];
  const n = 64 * 4,
    far = memory.buffer.byteLength; // every array past the memory's end: a trap in the worker
  const warned = captureWarn(() =>
    pool.run({ fn: 0, args: adamArgs(n, far), count: 0, pointers: [1, 2, 3, 4, 6, 7, 8].map((i) => [i, 4] as const), n, chunk: 4 }, (a) => {
      here.push(a);
      busy(2);
    }),
  );
  assert.equal(here[here.length - 1], adamArgs(n, far), "the whole call, last, here");
  assert.is(pool.problem(), "a worker thread's call failed");
  assert.is(pool.threads(), 1);
  assert.ok(warned.length <= 1);
});

test("a worker's slow chunk is waited for (never redone here), with one notice; the pool goes on", async () => {
  // Each of the worker's chunks sleeps 300 ms first: the caller finishes its own and must wait.
  const call = /fns\[Atomics\.load\(c, \d+\)\]/;
  assert.match(WORKER_SOURCE, call);
  const slow = WORKER_SOURCE.replace(call, (f) => `(Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300), ${f})`);
  const memory = shared();
  const module = adamModule();
  const pool = new LoopThreads({ threads: 2, module, memory, names: ["adam"], workerSource: slow, slowNoticeMs: 50 });
  assert.is(await pool.ready, 2, pool.problem());
  const adam = new WA.Instance(module, { env: { memory, log: Math.log } }).exports.adam as (...a: number[]) => void;
  // Two copies of p, g, m, v (in place): one updated by the pool, one by a single call here.
  const n = 64 * 4,
    at = 64,
    copy = at + 4 * 4 * n;
  const data = new Float32Array(memory.buffer, at, 4 * n);
  data.set(rand(4 * n, 7).map((x, i) => (i >= 3 * n ? x * x : x)));
  new Float32Array(memory.buffer, copy, 4 * n).set(data);
  /** adam's arguments with p, g, m, v one after the other from `base`, updated in place. */
  const args = (base: number) => {
    const [p, g, m, v] = [0, 1, 2, 3].map((i) => base + 4 * n * i);
    const a = adamArgs(n, p);
    [a[2], a[3], a[4], a[7], a[8]] = [g, m, v, m, v];
    return a;
  };
  let calls = 0;
  const pointers = [1, 2, 3, 4, 6, 7, 8].map((i) => [i, 4] as const);
  const warned = captureWarn(() =>
    pool.run({ fn: 0, args: args(at), count: 0, pointers, n, chunk: 4 }, (a) => {
      calls++;
      busy(2); // so the worker wakes and claims a chunk before the caller has taken them all
      adam(...a);
    }),
  );
  adam(...args(copy));
  assert.ok(pool.handedOff >= 1, "the worker took a chunk");
  assert.is(calls + pool.handedOff, n / 4, "each chunk ran once: none redone here");
  const bytes = (o: number) => Buffer.from(memory.buffer, o, 4 * 4 * n);
  assert.ok(bytes(at).equals(bytes(copy)), "the values of one call on one thread");
  assert.equal(warned, [
    "lab4: a worker thread has not finished its part of a loop in 0.05 s; waiting for it (restart the kernel if this lasts)",
  ]);
  assert.is(pool.threads(), 2, "the pool still runs");
  assert.is(pool.problem(), undefined);
  pool.close();
});

test.run();
