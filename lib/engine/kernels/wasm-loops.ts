import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../repo-root";
import { wasmHeapMemory, type WasmMemory } from "../heap-growth";
import type { NativeBlas } from "./native-blas";
import { LoopThreads } from "./loop-threads";

/**
 * The training loops that JS runs slowly (the Adam update, the softmax cross-entropy), compiled
 * from native/loops/*.c to a small WebAssembly SIMD module (scripts/build-wasm.js; the .wasm files
 * are committed and shipped, so no student needs a compiler). It runs where the native binding is
 * not (macOS, Windows, LAB4_NATIVE_BLAS=0), on the tfjs-wasm heap in place: instantiated against
 * the backend's own `WebAssembly.Memory` and given the tensors' byte offsets, so nothing is copied.
 * Same C as the binding, so the same bits. LAB4_WASM_LOOPS=0 turns it off (the JS loops run).
 * On tfjs-wasm's threaded (shared) heap, the Adam update and the cross-entropy's rows run in chunks
 * on as many threads as the backend's pool (./loop-threads.ts; LAB4_WASM_THREADS): each element or
 * row is computed as on one thread, and the loss summed here in pair order, so the same bits.
 */

/** The loops a kernel runs on heap views: the native binding and this module both provide them. */
export type HeapLoops = Pick<NativeBlas, "adam" | "pairedSoftmaxCE" | "lstmFwdCell" | "lstmFwdOut" | "lstmBwdCell" | "columnSums">;

export type WasmLoopsStatus =
  | {
      loaded: true;
      loops: HeapLoops;
      file: string;
      /** Resolves to the threads the loops run on, once their workers started (1 when none). */
      ready: Promise<number>;
      /** The worker threads, on tfjs-wasm's threaded heap. */
      pool?: LoopThreads;
    }
  | { loaded: false; reason: string };

/** Elements per chunk of the Adam update on threads; below two chunks it stays on the calling thread. */
export const ADAM_CHUNK = 16384;

let oneThread = false;

/** true: the loops run on the calling thread only from now on (bench, tests); false: on the pool's. */
export function singleThreadWasmLoops(on: boolean): void {
  oneThread = on;
}

/** The exports the worker threads call, by index (LoopThreads.run's `fn`). */
const THREADED = ["adam", "ceRows", "lstmFwdCell", "lstmFwdOut", "lstmBwdCell", "columnSums"];
/** adam's array arguments (native/loops/wasm.c): p, g, m, v, vmax, po, mo, vo, vmo, 4 bytes an element. */
const ADAM_POINTERS = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((a) => [a, 4] as const);
/** Logits (floats) per chunk of the cross-entropy's rows on threads, about. */
export const CE_CHUNK_FLOATS = 32768;

/** The module's exports (native/loops/wasm.c): byte offsets for pointers, 0 for none. */
interface LoopExports {
  adam(
    n: number,
    p: number,
    g: number,
    m: number,
    v: number,
    vmax: number,
    po: number,
    mo: number,
    vo: number,
    vmo: number,
    beta1: number,
    beta2: number,
    eps: number,
    stepSize: number,
    bc2Sqrt: number,
    decay: number,
    l2: number,
  ): void;
  pairedSoftmaxCE(
    z: number,
    U: number,
    C: number,
    rows: number,
    targets: number,
    B: number,
    grad: number,
    cnt: number,
    lse: number,
    tmp: number,
  ): number;
  /** pairedSoftmaxCE's passes apart (native/loops/softmax_ce.c): counts, rows (threads share them), loss. */
  ceCount(U: number, rows: number, B: number, cnt: number): void;
  ceRows(U: number, z: number, C: number, B: number, grad: number, cnt: number, lse: number, tmp: number): void;
  ceLoss(z: number, C: number, rows: number, targets: number, B: number, grad: number, lse: number): number;
  /** native/loops/lstm_cell.c on B rows (byte offsets; 0 for an absent optional input). */
  lstmFwdCell(B: number, H: number, s: number, cPrev: number, c: number, c2: number): void;
  lstmFwdOut(B: number, H: number, s: number, u: number, h: number, tc: number): void;
  lstmBwdCell(
    B: number,
    H: number,
    s: number,
    cPrev: number,
    tc: number,
    dA: number,
    dAStride: number,
    mask: number,
    dhRec: number,
    rStride: number,
    dcRec: number,
    dG: number,
    dcPrev: number,
  ): void;
  /** native/loops/column_sums.c on n columns of x [rows, stride]. */
  columnSums(n: number, x: number, rows: number, stride: number, out: number): void;
}

/** The WebAssembly JS API used here (the project's `lib` is ES2022 without the DOM, which declares it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What tfjs-backend-wasm 4.22's Emscripten module exposes that this uses. */
interface EmscriptenHeap {
  memory: WasmMemory;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

/** `<repo>/native/loops/lab4-loops.wasm`, or the shared-memory variant (tfjs-wasm's threaded build). */
export function wasmLoopsFile(sharedMemory: boolean): string {
  return path.join(repoRoot(), "native", "loops", sharedMemory ? "lab4-loops-shared.wasm" : "lab4-loops.wasm");
}

/** The wasm backend's heap and allocator (tfjs passes kernels `backend`), or why they cannot be found. */
export function emscriptenHeap(backend: unknown): EmscriptenHeap | string {
  const memory = wasmHeapMemory(backend);
  if (!memory) return "the tfjs-wasm module's WebAssembly.Memory is not where expected";
  const m = (backend as { wasm?: { _malloc?: unknown; _free?: unknown } }).wasm;
  const malloc = m?._malloc,
    free = m?._free;
  if (typeof malloc !== "function" || typeof free !== "function") return "the tfjs-wasm module has no _malloc/_free";
  return { memory, malloc: (n) => malloc.call(m, n) as number, free: (p) => void free.call(m, p) };
}

function isSharedMemory(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
}

const compiled = new Map<string, object>();

/** True when no range overlaps another that is an output (byte offsets and lengths; offset 0: none). */
function outputsDisjoint(ins: number[], outs: number[], bytes: number): boolean {
  const all = [...outs, ...ins].filter((o) => o !== 0);
  const nOut = outs.filter((o) => o !== 0).length;
  for (let i = 0; i < nOut; i++)
    for (let j = 0; j < all.length; j++) if (i !== j && all[i] < all[j] + bytes && all[j] < all[i] + bytes) return false;
  return true;
}

/**
 * Instantiates the module on `heap`'s memory and wraps its exports with the binding's signatures.
 * With `threads` >= 2 on a shared memory, the Adam update runs on that many threads once their
 * workers started (`ready`).
 */
export function instantiateLoops(
  heap: EmscriptenHeap,
  threads = 1,
): { loops: HeapLoops; file: string; ready: Promise<number>; pool?: LoopThreads } {
  const shared = isSharedMemory(heap.memory);
  const file = wasmLoopsFile(shared);
  let module = compiled.get(file);
  if (!module) compiled.set(file, (module = new WA.Module(fs.readFileSync(file))));
  const instance = new WA.Instance(module, { env: { memory: heap.memory, log: Math.log } });
  const x = instance.exports as unknown as LoopExports;
  const exported = [
    "adam",
    "pairedSoftmaxCE",
    "ceCount",
    "ceRows",
    "ceLoss",
    "lstmFwdCell",
    "lstmFwdOut",
    "lstmBwdCell",
    "columnSums",
  ] as const;
  if (exported.some((f) => typeof x[f] !== "function")) throw new Error(`${file} lacks one of the ${exported.join("/")} exports`);
  const pool = threads >= 2 && shared ? new LoopThreads({ threads, module, memory: heap.memory, names: THREADED }) : undefined;

  /** The byte offset of a view of the heap (taken before any allocation: growing detaches views). */
  const at = (a: Float32Array | Int32Array, name: string): number => {
    const buf = heap.memory.buffer;
    // A shared memory hands out a new SharedArrayBuffer after growing; tfjs's views may be on an older one.
    const onHeap = shared ? a.buffer instanceof SharedArrayBuffer && a.byteOffset + a.byteLength <= buf.byteLength : a.buffer === buf;
    if (!onHeap) throw new Error(`lab4 wasm loops: ${name} is not a view of the tfjs-wasm heap`);
    return a.byteOffset;
  };
  const opt = (a: Float32Array | null, name: string): number => (a ? at(a, name) : 0);

  const adam: HeapLoops["adam"] = (p, g, m, v, vmax, po, mo, vo, vmo, beta1, beta2, eps, stepSize, bc2Sqrt, decay, l2) => {
    const n = p.length;
    if ([g, m, v, po, mo, vo].some((a) => a.length !== n) || !vmax !== !vmo || (vmax && vmax.length !== n) || (vmo && vmo.length !== n))
      throw new RangeError("lab4 wasm loops: adam arrays must all have the parameter's length (vmax and vmaxOut both or neither)");
    const args = [
      n,
      at(p, "p"),
      at(g, "g"),
      at(m, "m"),
      at(v, "v"),
      opt(vmax, "vmax"),
      at(po, "pOut"),
      at(mo, "mOut"),
      at(vo, "vOut"),
      opt(vmo, "vmaxOut"),
      beta1,
      beta2,
      eps,
      stepSize,
      bc2Sqrt,
      decay,
      l2,
    ];
    const here = (a: number[]) => void (x.adam as (...a: number[]) => void)(...a);
    // Chunks only when outputs overlap nothing: the elements are then independent.
    if (pool && !oneThread && outputsDisjoint(args.slice(1, 6), args.slice(6, 10), 4 * n))
      pool.run({ fn: THREADED.indexOf("adam"), args, count: 0, pointers: ADAM_POINTERS, n, chunk: ADAM_CHUNK }, here);
    else here(args);
  };

  const pairedSoftmaxCE: HeapLoops["pairedSoftmaxCE"] = (z, U, C, rows, targets, grad) => {
    if (z.length < U * C || (grad && grad.length < U * C) || rows.length !== targets.length)
      throw new RangeError("lab4 wasm loops: pairedSoftmaxCE sizes do not match (z, grad: numRows*numClasses; rows, targets: same length)");
    const B = rows.length;
    for (let i = 0; i < B; i++)
      if (!(rows[i] >= 0 && rows[i] < U && targets[i] >= 0 && targets[i] < C))
        throw new RangeError("lab4 wasm loops: pairedSoftmaxCE row or target index out of range");
    const zp = at(z, "z"),
      rp = at(rows, "rows"),
      tp = at(targets, "targets"),
      gp = opt(grad, "grad");
    // Rows in chunks on threads when there are two chunks or more and the gradient is apart from z;
    // the counts and the loss (a sum in pair order) stay on this thread, so the same bits.
    const chunk = Math.max(4, Math.ceil(CE_CHUNK_FLOATS / Math.max(1, C) / 4) * 4);
    const threads = pool && !oneThread && U > chunk && (!gp || outputsDisjoint([zp], [gp], 4 * U * C)) ? pool.threads() : 1;
    // Scratch from tfjs's own allocator (the module has no memory of its own): counts and
    // log-sum-exps, U doubles each, and a row of exp values per thread when no gradient is asked.
    const bytes = 16 * U + (grad ? 0 : 4 * C * threads);
    const raw = heap.malloc(bytes + 8);
    if (raw === 0) throw new Error(`lab4 wasm loops: out of memory (${bytes} bytes of scratch)`);
    try {
      const cnt = (raw + 7) & ~7,
        lse = cnt + 8 * U,
        tmp = grad ? 0 : cnt + 16 * U;
      if (!pool || threads < 2) return x.pairedSoftmaxCE(zp, U, C, rp, tp, B, gp, cnt, lse, tmp);
      x.ceCount(U, rp, B, cnt);
      const args = [U, zp, C, B, gp, cnt, lse, tmp];
      const rowArrays = [
        [1, 4 * C],
        [4, 4 * C],
        [5, 8],
        [6, 8],
      ] as const;
      pool.run(
        { fn: THREADED.indexOf("ceRows"), args, count: 0, pointers: rowArrays, scratch: [7, 4 * C], n: U, chunk },
        (a) => void (x.ceRows as (...a: number[]) => void)(...a),
      );
      return x.ceLoss(zp, C, rp, tp, B, gp, lse);
    } finally {
      heap.free(raw);
    }
  };
  /**
   * The byte offset of `rows` rows of `width` floats, `stride` apart, from element `off` of `a`, checked to
   * lie inside `a` (the module would otherwise read or write other tensors); 0 when `a` is null.
   */
  const rowsAt = (a: Float32Array | null, off: number, rows: number, width: number, stride: number, name: string): number => {
    if (!a) return 0;
    if (!(Number.isInteger(off) && off >= 0) || (rows > 0 && off + (rows - 1) * stride + width > a.length))
      throw new RangeError(`lab4 wasm loops: ${name} is too short for its offset, rows and stride`);
    return at(a, name) + 4 * off;
  };
  /** Rows of the batch per chunk on threads: about CE_CHUNK_FLOATS floats of the widest array. */
  const rowChunk = (width: number) => Math.max(4, Math.ceil(CE_CHUNK_FLOATS / Math.max(1, width) / 4) * 4);
  const runRows = (name: string, args: number[], pointers: ReadonlyArray<readonly [number, number]>, B: number, width: number) => {
    const here = (a: number[]) => void (x[name as keyof LoopExports] as (...a: number[]) => void)(...a);
    if (pool && !oneThread) pool.run({ fn: THREADED.indexOf(name), args, count: 0, pointers, n: B, chunk: rowChunk(width) }, here);
    else here(args);
  };

  /** lstmFwdCell and lstmFwdOut: s [B, 4H], one [B, H] input (at an element offset), two [B, H] outputs. */
  const forwardStep = (
    name: string,
    B: number,
    H: number,
    s: Float32Array,
    x: Float32Array,
    xOff: number,
    o1: Float32Array,
    o2: Float32Array,
  ) => {
    const rowArg = (a: Float32Array, off: number, what: string) => rowsAt(a, off, B, H, H, what);
    const [xName, o1Name, o2Name] = name === "lstmFwdCell" ? ["cPrev", "c", "c2"] : ["u", "h", "tc"];
    const args = [B, H, rowsAt(s, 0, B, 4 * H, 4 * H, "s"), rowArg(x, xOff, xName), rowArg(o1, 0, o1Name), rowArg(o2, 0, o2Name)];
    const rowBytes = [16 * H, 4 * H, 4 * H, 4 * H].map((bytes, i) => [2 + i, bytes] as const);
    runRows(name, args, rowBytes, B, 4 * H);
  };
  const lstmFwdCell: HeapLoops["lstmFwdCell"] = (B, H, s, cPrev, cPrevOff, c, c2) =>
    forwardStep("lstmFwdCell", B, H, s, cPrev, cPrevOff, c, c2);
  const lstmFwdOut: HeapLoops["lstmFwdOut"] = (B, H, s, u, h, tc) => forwardStep("lstmFwdOut", B, H, s, u, 0, h, tc);
  const lstmBwdCell: HeapLoops["lstmBwdCell"] = (...p) => {
    const [B, H, s, sOff, cPrev, cOff, tc, tcOff, dA, dAOff, dAStride, mask, mOff, dhRec, rOff, rStride, dcRec, dcOff, dG, dcPrev] = p;
    const args = [
      B,
      H,
      rowsAt(s, sOff, B, 4 * H, 4 * H, "s"),
      rowsAt(cPrev, cOff, B, H, H, "cPrev"),
      rowsAt(tc, tcOff, B, H, H, "tc"),
      rowsAt(dA, dAOff, B, H, dAStride, "dA"),
      dAStride,
      rowsAt(mask, mOff, B, H, H, "mask"),
      rowsAt(dhRec, rOff, B, H, rStride, "dhRec"),
      rStride,
      rowsAt(dcRec, dcOff, B, H, H, "dcRec"),
      rowsAt(dG, 0, B, 4 * H, 4 * H, "dG"),
      rowsAt(dcPrev, 0, B, H, H, "dcPrev"),
    ];
    const pointers = [
      [2, 16 * H],
      [3, 4 * H],
      [4, 4 * H],
      [5, 4 * dAStride],
      [7, 4 * H],
      [8, 4 * rStride],
      [10, 4 * H],
      [11, 16 * H],
      [12, 4 * H],
    ] as const;
    runRows("lstmBwdCell", args, pointers, B, 8 * H);
  };
  const columnSums: HeapLoops["columnSums"] = (xs, rows, cols, out) => {
    const args = [cols, rowsAt(xs, 0, rows, cols, cols, "x"), rows, cols, rowsAt(out, 0, 1, cols, cols, "out")];
    const here = (a: number[]) => void (x.columnSums as (...a: number[]) => void)(...a);
    const chunk = Math.max(16, Math.ceil(CE_CHUNK_FLOATS / Math.max(1, rows) / 16) * 16);
    if (pool && !oneThread)
      pool.run(
        {
          fn: THREADED.indexOf("columnSums"),
          args,
          count: 0,
          pointers: [
            [1, 4],
            [4, 4],
          ],
          n: cols,
          chunk,
        },
        here,
      );
    else here(args);
  };
  return {
    loops: { adam, pairedSoftmaxCE, lstmFwdCell, lstmFwdOut, lstmBwdCell, columnSums },
    file,
    ready: pool ? pool.ready : Promise.resolve(1),
    pool,
  };
}

/** The threads of tfjs-wasm's XNNPACK pool (lib/engine/wasm-threads.ts), which the loops follow; 1 if unknown. */
function backendThreads(mod: unknown): number {
  const get = (mod as { tfjs?: { getThreadsCount?: unknown } } | undefined)?.tfjs?.getThreadsCount;
  try {
    const n = typeof get === "function" ? (get() as unknown) : 1;
    return typeof n === "number" && Number.isInteger(n) && n >= 1 ? n : 1;
  } catch {
    return 1;
  }
}

const cache = new WeakMap<object, WasmLoopsStatus>();
let noticed = false;

/**
 * The loops on the heap of a wasm backend (what tfjs passes kernels), loaded once per Emscripten
 * module; when they cannot load, the reason (printed once: the JS loops run instead).
 */
export function wasmLoopsFor(backend: unknown): WasmLoopsStatus {
  const off = process.env.LAB4_WASM_LOOPS?.trim();
  if (off === "0" || off === "false") return { loaded: false, reason: `LAB4_WASM_LOOPS=${off}` };
  const mod = (backend as { wasm?: unknown } | null)?.wasm;
  const key = typeof mod === "object" && mod !== null ? mod : cache;
  const hit = cache.get(key);
  if (hit) return hit;
  let status: WasmLoopsStatus;
  const heap = emscriptenHeap(backend);
  try {
    status = typeof heap === "string" ? { loaded: false, reason: heap } : { loaded: true, ...instantiateLoops(heap, backendThreads(mod)) };
  } catch (e) {
    status = { loaded: false, reason: (e as Error).message.split("\n")[0] };
  }
  if (!status.loaded && !noticed) {
    noticed = true;
    console.warn(`lab4: the Adam and cross-entropy loops run in JS (slower): ${status.reason}`);
  }
  cache.set(key, status);
  return status;
}
