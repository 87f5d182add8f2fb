import * as wt from "worker_threads";
import type { WasmMemory } from "../heap-growth";

/**
 * A pool of Node worker_threads that run the WebAssembly loops (native/loops, lab4-loops-shared.wasm)
 * on tfjs-wasm's shared heap beside the calling thread. An elementwise call over n elements is cut
 * into chunks that the caller and the workers claim one at a time until none is left, so a thread
 * the OS delays (a busy laptop) does less of the work instead of holding the others up. Each worker
 * instantiates the same module against the same shared `WebAssembly.Memory`; the module has no
 * globals, stack or data (test/engine/wasm-loops.test.ts reads the binary), so calls on disjoint
 * ranges at the same time are safe.
 *
 * Hand-off, on one SharedArrayBuffer (no message per call): the caller closes the claim word, writes
 * the call, opens the word with the call's tag and chunk 0, bumps SEQ and notifies. Every thread
 * claims chunk k by compare-exchange of (tag, k) for (tag, k + 1), then reads the call (a claim can
 * only succeed while the call it read is the open one), runs it and counts it done; the caller
 * waits for the count. Atomics.wait is allowed on Node's main thread.
 *
 * Workers are unref'd (never keep a process alive) and start asynchronously: until all have said
 * they are ready, every call runs on the calling thread alone; after one failed, too, with one notice
 * line per process.
 */

/** Int32 slots of the control buffer. */
const SEQ = 0, // bumped per call: the workers wait on it
  WORD = 1, // (tag << 16) | next chunk; tag 0: closed
  DONE = 2, // chunks finished
  FAILED = 3, // 1 when a worker's chunk threw (a trap)
  FN = 4,
  NARGS = 5,
  COUNT = 6, // index of the element-count argument
  N = 7,
  CHUNK = 8,
  SCRATCH = 9, // index of the per-thread scratch argument, or -1
  SCRATCH_BYTES = 10, // its bytes per thread
  NPTRS = 11,
  PTRS = 12, // (argument index, bytes per element) of the array arguments, MAX_PTRS pairs
  MAX_PTRS = 12,
  SLOTS = PTRS + 2 * MAX_PTRS;
/** Float64 arguments per call: enough for the module's longest signature (adam: 17). */
export const MAX_ARGS = 24;
/** Chunks per call at most (the low 16 bits of the claim word). */
const MAX_CHUNKS = 0xffff;
/** How long the caller waits for a worker's chunk before it says so (it keeps waiting). */
const SLOW_NOTICE_MS = 30_000;
/** How long workers may take to start before the pool gives up on them. */
const START_MS = 20_000;

/**
 * The claim loop, the same text for the caller (as a function) and the workers: claims chunks of
 * the call tagged `tag` until none is left; for each, `run(start, length)`.
 */
const CLAIM = `(c, tag, run) => {
  for (;;) {
    const w = Atomics.load(c, ${WORD});
    if (w >>> 16 !== tag) return;
    const k = w & 0xffff, n = Atomics.load(c, ${N}), chunk = Atomics.load(c, ${CHUNK});
    if (k * chunk >= n) return;
    if (Atomics.compareExchange(c, ${WORD}, w, w + 1) !== w) continue;
    run(k * chunk, Math.min(chunk, n - k * chunk));
  }
}`;
// Compiled from the same text as the workers' (one definition of the protocol).
const claim = new Function(`return ${CLAIM}`)() as (c: Int32Array, tag: number, run: (start: number, len: number) => void) => void;

/** The arguments of the chunk [start, start + len) of the call on the control buffer, on thread `t`. */
const CHUNK_ARGS = `(c, a, start, len, t) => {
  const args = Array.from(a.subarray(0, Atomics.load(c, ${NARGS})));
  args[Atomics.load(c, ${COUNT})] = len;
  for (let i = 0, np = Atomics.load(c, ${NPTRS}); i < np; i++) {
    const p = Atomics.load(c, ${PTRS} + 2 * i);
    if (args[p] !== 0) args[p] += Atomics.load(c, ${PTRS} + 2 * i + 1) * start;
  }
  const s = Atomics.load(c, ${SCRATCH});
  if (s >= 0 && args[s] !== 0) args[s] += t * Atomics.load(c, ${SCRATCH_BYTES});
  return args;
}`;
const chunkArgs = new Function(`return ${CHUNK_ARGS}`)() as (
  c: Int32Array,
  a: Float64Array,
  start: number,
  len: number,
  thread: number,
) => number[];

/**
 * The worker's script (plain JS, run with `eval`: no file to find from tsx, dist or the notebook).
 * A script that does not start or instantiate makes the pool fall back (tests pass a broken one).
 */
export const WORKER_SOURCE = `"use strict";
const { workerData, parentPort } = require("worker_threads");
const { module, memory, control, args, names, thread } = workerData;
const x = new WebAssembly.Instance(module, { env: { memory, log: Math.log } }).exports;
const fns = names.map((n) => x[n]);
if (fns.some((f) => typeof f !== "function")) throw new Error("the module lacks one of " + names.join(", "));
const c = new Int32Array(control), a = new Float64Array(args);
const claim = ${CLAIM};
const chunkArgs = ${CHUNK_ARGS};
parentPort.postMessage("ready");
let seen = 0; // not read from SEQ: the caller may bump it as soon as "ready" arrives
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  claim(c, tagOf(seen >>> 0), (start, len) => {
    try {
      fns[Atomics.load(c, ${FN})](...chunkArgs(c, a, start, len, thread));
    } catch (e) {
      Atomics.store(c, ${FAILED}, 1);
    }
    Atomics.add(c, ${DONE}, 1);
    Atomics.notify(c, ${DONE});
  });
}
function tagOf(seq) { return (seq % 0x7ffe) + 1; }
`;

/** The claim word's tag of call `seq`: 1..0x7ffe (0 is "closed"). */
const tagOf = (seq: number) => (seq % 0x7ffe) + 1;

/** One call of an export over n independent elements (or rows), cut into chunks. */
export interface ElementwiseCall {
  /** The export, by index in the pool's `names`. */
  fn: number;
  /** Its arguments for the whole range. */
  args: number[];
  /** Which argument is the element count. */
  count: number;
  /** The array arguments (byte offsets; 0 for none stays 0) and their bytes per element. */
  pointers: ReadonlyArray<readonly [arg: number, bytesPerElement: number]>;
  /** A scratch argument with `bytes` for each thread (thread t gets offset + t·bytes); 0 for none stays 0. */
  scratch?: readonly [arg: number, bytes: number];
  n: number;
  /** Elements per chunk, a multiple of 4 (the module's SIMD groups stay whole: each element takes one thread's path). */
  chunk: number;
}

export interface LoopThreadsOptions {
  /** Threads in all, the calling one included (>= 2 to start workers). */
  threads: number;
  /** The compiled lab4-loops-shared.wasm (a WebAssembly.Module). */
  module: object;
  /** The shared memory it runs on (tfjs-wasm's threaded heap). */
  memory: WasmMemory;
  /** The exports calls name, by index. */
  names: string[];
  /** The workers' script (tests pass one that fails). */
  workerSource?: string;
  /** After how long waiting for a worker's chunk prints a notice (default 30 s). */
  slowNoticeMs?: number;
}

let noticed = false;

/** Prints at most one line per process: the loops then run on one thread. */
function notice(wanted: number, why: string): void {
  if (noticed) return;
  noticed = true;
  console.warn(`lab4: the WebAssembly loops run on 1 thread, not ${wanted}: ${why}`);
}

export class LoopThreads {
  /** Threads asked for, the calling one included. */
  readonly wanted: number;
  /** Resolves to the threads that run calls once the workers started (1 if they did not). */
  readonly ready: Promise<number>;
  private readonly control: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: wt.Worker[] = [];
  private started = false;
  private failed: string | undefined;
  private seq = 0;
  private readonly slowNoticeMs: number;
  private slowNoticed = false;
  /** Chunks workers have finished (tests check the work was shared). */
  handedOff = 0;

  constructor(o: LoopThreadsOptions) {
    this.wanted = Math.max(1, Math.floor(o.threads));
    const n = this.wanted - 1;
    this.slowNoticeMs = o.slowNoticeMs ?? SLOW_NOTICE_MS;
    this.control = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
    this.args = new Float64Array(new SharedArrayBuffer(8 * MAX_ARGS));
    if (n === 0) {
      this.ready = Promise.resolve(1);
      return;
    }
    if (!(o.memory.buffer instanceof SharedArrayBuffer)) {
      this.failed = "the tfjs-wasm heap is not a shared memory";
      this.ready = Promise.resolve(1);
      return;
    }
    const waits: Array<Promise<void>> = [];
    try {
      for (let slot = 0; slot < n; slot++) {
        const w = new wt.Worker(o.workerSource ?? WORKER_SOURCE, {
          eval: true,
          name: `lab4-loops-${slot + 1}`,
          workerData: {
            module: o.module,
            memory: o.memory,
            control: this.control.buffer,
            args: this.args.buffer,
            names: o.names,
            thread: slot + 1,
          },
        });
        this.workers.push(w);
        waits.push(
          new Promise<void>((resolve) => {
            // Referenced while starting (whoever awaits `ready` must not see the process exit
            // under it), unreferenced once ready or failed.
            const timer = setTimeout(() => done(`a worker thread did not start in ${START_MS / 1000} s`), START_MS);
            const done = (why?: string) => {
              clearTimeout(timer);
              w.unref();
              if (why) this.fail(why);
              resolve();
            };
            w.once("message", () => done());
            w.once("error", (e: Error) => done(`a worker thread failed: ${e.message.split("\n")[0]}`));
            w.once("exit", (code) => done(`a worker thread exited (code ${code})`));
          }),
        );
      }
    } catch (e) {
      this.fail(`worker_threads cannot start one: ${(e as Error).message.split("\n")[0]}`);
    }
    this.ready = Promise.all(waits).then(() => {
      if (!this.failed) this.started = true;
      return this.threads();
    });
  }

  /** The threads a call may use now: the caller and the workers, or 1 (not started, or failed). */
  threads(): number {
    return this.started && !this.failed ? this.wanted : 1;
  }

  /** Why the pool runs on one thread, if it failed (undefined when it runs, or was asked for 1). */
  problem(): string | undefined {
    return this.failed;
  }

  private fail(why: string): void {
    if (this.failed) return;
    this.failed = why;
    this.started = false;
    notice(this.wanted, why);
    for (const w of this.workers) void w.terminate();
  }

  /**
   * Runs `call` in chunks on the calling thread (by `here`, given a chunk's arguments) and the
   * workers; returns when every chunk is done. On one thread (or below two chunks), one call of
   * `here` on the whole range. If a worker's chunk fails (a trap), the whole range is run again
   * here (independent elements, outputs apart from inputs: the same values) and the pool stops.
   */
  run(call: ElementwiseCall, here: (args: number[]) => void): void {
    const { n, args } = call;
    const chunk = Math.max(call.chunk, Math.ceil(n / MAX_CHUNKS / 4) * 4);
    if (this.threads() < 2 || n <= chunk) return here(args);
    if (args.length > MAX_ARGS || call.pointers.length > MAX_PTRS || chunk % 4 !== 0)
      throw new RangeError(`lab4 loop threads: at most ${MAX_ARGS} arguments, ${MAX_PTRS} arrays, chunks of a multiple of 4`);
    const c = this.control;
    const seq = (this.seq = (this.seq + 1) | 0);
    const tag = tagOf(seq >>> 0);
    Atomics.store(c, WORD, 0); // closed while the call is written
    this.args.set(args);
    Atomics.store(c, FN, call.fn);
    Atomics.store(c, NARGS, args.length);
    Atomics.store(c, COUNT, call.count);
    Atomics.store(c, N, n);
    Atomics.store(c, CHUNK, chunk);
    Atomics.store(c, SCRATCH, call.scratch ? call.scratch[0] : -1);
    Atomics.store(c, SCRATCH_BYTES, call.scratch ? call.scratch[1] : 0);
    Atomics.store(c, NPTRS, call.pointers.length);
    call.pointers.forEach(([arg, bytes], i) => {
      Atomics.store(c, PTRS + 2 * i, arg);
      Atomics.store(c, PTRS + 2 * i + 1, bytes);
    });
    Atomics.store(c, DONE, 0);
    Atomics.store(c, FAILED, 0);
    Atomics.store(c, WORD, tag << 16);
    Atomics.store(c, SEQ, seq);
    Atomics.notify(c, SEQ);
    let mine = 0,
      error: unknown;
    claim(c, tag, (start, len) => {
      try {
        here(chunkArgs(c, this.args, start, len, 0));
      } catch (e) {
        error ??= e;
      }
      mine++;
      Atomics.add(c, DONE, 1);
    });
    // Every chunk is claimed; wait for those the workers are running (their ranges are being written).
    // No giving up: a claimed chunk always ends, and a late write could land after this memory is
    // reused (a worker that dies inside one leaves the caller waiting, with the notice, as any
    // thread pool would). performance.now() is monotonic: a laptop's sleep does not count as waiting.
    const chunks = Math.ceil(n / chunk),
      t0 = performance.now();
    let done: number;
    while ((done = Atomics.load(c, DONE)) < chunks) {
      Atomics.wait(c, DONE, done, this.slowNoticeMs);
      if (!this.slowNoticed && performance.now() - t0 >= this.slowNoticeMs) {
        this.slowNoticed = true;
        const s = this.slowNoticeMs / 1000;
        console.warn(
          `lab4: a worker thread has not finished its part of a loop in ${s} s; waiting for it (restart the kernel if this lasts)`,
        );
      }
    }
    this.handedOff += chunks - mine;
    if (Atomics.load(c, FAILED) !== 0) {
      this.fail("a worker thread's call failed");
      here(args);
      return;
    }
    if (error !== undefined) throw error;
  }

  /** Stops the workers (the pool then runs on the calling thread). */
  close(): void {
    this.failed ??= "closed";
    this.started = false;
    for (const w of this.workers) void w.terminate();
  }
}
