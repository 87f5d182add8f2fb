import * as wt from "worker_threads";
import type { WasmMemory } from "../heap-growth";

/**
 * A pool of Node worker_threads that run the WebAssembly loops (native/loops, lab4-loops-shared.wasm)
 * on tfjs-wasm's shared heap beside the calling thread: a loop over n elements is split into ranges,
 * the caller runs the first and each worker one of the others, and the call returns when all are
 * done. Each worker instantiates the same module against the same shared `WebAssembly.Memory`; the
 * module has no globals, stack or data (test/engine/wasm-loops.test.ts reads the binary), so calls
 * on disjoint ranges at the same time are safe.
 *
 * Hand-off: per worker, a few Int32 slots and a row of Float64 arguments on one SharedArrayBuffer;
 * the caller writes the arguments, bumps the worker's sequence number and notifies; the worker runs
 * the export, stores the number back as "done" and notifies; the caller waits for it (Atomics.wait,
 * allowed on Node's main thread). No message per call.
 *
 * Workers are unref'd (never keep a process alive) and start asynchronously: until all have said
 * they are ready, every call runs on the calling thread alone; after one failed, too, with one notice
 * line per process.
 */

/** The Int32 slots of one worker on the control buffer. */
const SEQ = 0,
  DONE = 1,
  STATUS = 2,
  FN = 3,
  NARGS = 4,
  SLOTS = 8;
/** Float64 arguments per call: enough for the module's longest signature (adam: 17). */
export const MAX_ARGS = 24;
/** How long the caller waits for a worker's range before running it itself (a worker that died). */
const STUCK_MS = 30_000;
/** How long workers may take to start before the pool gives up on them. */
const START_MS = 20_000;

/**
 * The worker's script (plain JS, run with `eval`: no file to find from tsx, dist or the notebook).
 * A script that does not start or instantiate makes the pool fall back (tests pass a broken one).
 */
export const WORKER_SOURCE = `"use strict";
const { workerData, parentPort } = require("worker_threads");
const { module, memory, control, args, slot, names, slots, maxArgs } = workerData;
const x = new WebAssembly.Instance(module, { env: { memory, log: Math.log } }).exports;
const fns = names.map((n) => x[n]);
if (fns.some((f) => typeof f !== "function")) throw new Error("the module lacks one of " + names.join(", "));
const c = new Int32Array(control), base = slot * slots;
const a = new Float64Array(args, slot * maxArgs * 8, maxArgs);
parentPort.postMessage("ready");
let seen = 0; // not read from SEQ: the caller may bump it as soon as "ready" arrives
for (;;) {
  Atomics.wait(c, base + ${SEQ}, seen);
  const s = Atomics.load(c, base + ${SEQ});
  if (s === seen) continue;
  seen = s;
  let status = 0;
  try {
    fns[Atomics.load(c, base + ${FN})](...a.subarray(0, Atomics.load(c, base + ${NARGS})));
  } catch (e) {
    status = 1;
  }
  Atomics.store(c, base + ${STATUS}, status);
  Atomics.store(c, base + ${DONE}, s);
  Atomics.notify(c, base + ${DONE});
}
`;

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
  /** Jobs workers have finished (tests check the work was shared). */
  handedOff = 0;

  constructor(o: LoopThreadsOptions) {
    this.wanted = Math.max(1, Math.floor(o.threads));
    const n = this.wanted - 1;
    this.control = new Int32Array(new SharedArrayBuffer(4 * SLOTS * Math.max(1, n)));
    this.args = new Float64Array(new SharedArrayBuffer(8 * MAX_ARGS * Math.max(1, n)));
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
            slot,
            names: o.names,
            slots: SLOTS,
            maxArgs: MAX_ARGS,
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
   * Runs export `fn` once per argument list, in parallel: `jobs[0]` on the calling thread by `here`,
   * the others on workers 1.. (at most `threads() - 1` of them). Returns when every job is done. A
   * worker whose job fails (a trap) or is stuck has it re-run here; the pool then stops.
   */
  run(fn: number, jobs: number[][], here: (args: number[]) => void): void {
    const others = jobs.length - 1;
    if (others > this.threads() - 1) throw new RangeError(`lab4 loop threads: ${jobs.length} jobs for ${this.threads()} threads`);
    const seq = (this.seq = (this.seq + 1) | 0 || 1);
    for (let k = 0; k < others; k++) {
      const job = jobs[k + 1],
        base = k * SLOTS;
      if (job.length > MAX_ARGS) throw new RangeError(`lab4 loop threads: ${job.length} arguments, at most ${MAX_ARGS}`);
      this.args.set(job, k * MAX_ARGS);
      Atomics.store(this.control, base + FN, fn);
      Atomics.store(this.control, base + NARGS, job.length);
      Atomics.store(this.control, base + SEQ, seq);
      Atomics.notify(this.control, base + SEQ);
    }
    let error: unknown;
    try {
      here(jobs[0]);
    } catch (e) {
      error = e;
    }
    // Wait for every worker even when ours failed: their ranges are being written.
    for (let k = 0; k < others; k++) {
      const base = k * SLOTS,
        t0 = Date.now();
      let done: number;
      while ((done = Atomics.load(this.control, base + DONE)) !== seq && Date.now() - t0 < STUCK_MS)
        Atomics.wait(this.control, base + DONE, done, STUCK_MS);
      if (done === seq && Atomics.load(this.control, base + STATUS) === 0) this.handedOff++;
      else {
        this.fail(done !== seq ? `a worker thread did not finish in ${STUCK_MS / 1000} s` : "a worker thread's call failed");
        try {
          here(jobs[k + 1]);
        } catch (e) {
          error ??= e;
        }
      }
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

/**
 * Splits [0, n) into at most `threads` ranges of at least `minPerThread` elements, each starting at
 * a multiple of 4 (the module's SIMD groups of four floats stay whole, so each element takes the
 * same path as on one thread). Returns [start, end) pairs; one range below the threshold.
 */
export function splitRange(n: number, threads: number, minPerThread: number): Array<[number, number]> {
  const t = Math.max(1, Math.min(threads, Math.floor(n / Math.max(1, minPerThread))));
  const size = Math.ceil(n / t / 4) * 4;
  const out: Array<[number, number]> = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out.length > 0 ? out : [[0, n]];
}
