import * as tf from "@tensorflow/tfjs-core";
import { asCpuBackend, asWasmBackend, ensureOnWasm } from "../engine/kernels/backend-access";

/*
 * Element-wise LSTM step kernels for the hand-written LSTM layers (lstm.ts, reference/seq2seq/fused.ts).
 *
 * Why our own kernels: on tfjs-backend-wasm 4.22, `Slice` copies its whole input out of the heap
 * (`readSync`) on every call, and `SplitV`/`Unpack`/`tf.split`/`tf.unstack` call it once per piece,
 * so splitting gates or unstacking a [T, B, H] tensor is quadratic (measured: 11 ms per 4-way gate
 * split, 98 ms per unstack at the seed's sizes), and `Tile` takes 9 ms for [128, 1536]. These
 * kernels read their inputs in place (heap views / cpu arrays) at given offsets and strides, so a
 * step never slices: the big per-sequence tensors are addressed directly.
 *
 * The transcendental work stays in the backend's vectorised `Sigmoid` (JS Math.exp is ~5× slower
 * than wasm's sigmoid here); these kernels do the arithmetic around it.
 *
 * Gate layout (PyTorch): rows i, f, g, o of 4H. `s` is σ of the pre-activation with the g block
 * pre-scaled by 2 (so g = tanh(z) = 2σ(2z) − 1 comes out of the same sigmoid).
 *
 * Registered for the wasm and cpu backends only; `lstmKernelsAvailable()` tells callers whether to
 * use them or the equivalent tf-op formulation (e.g. on tfjs-node).
 */

type F32 = Float32Array;

interface Access {
  view(t: tf.TensorInfo): F32;
  /** Allocates outputs (float32 unless said); views must be (re)taken afterwards (the wasm heap may move). */
  alloc(shape: number[], dtype?: "float32" | "int32"): tf.TensorInfo;
}

function access(backend: unknown, backendName: "wasm" | "cpu", inputs: KArgs["inputs"]): Access {
  if (backendName === "wasm") {
    const b = asWasmBackend(backend);
    // Inputs still on another backend move on first access; do it before any allocation.
    ensureOnWasm(b, ...Object.values(inputs).filter((t): t is tf.TensorInfo => t !== undefined));
    return {
      view: (t) => b.typedArrayFromHeap(t) as F32,
      alloc: (shape, dtype = "float32") => b.makeOutput(shape, dtype),
    };
  }
  const b = asCpuBackend(backend);
  const pending = new Map<tf.TensorInfo, F32>();
  return {
    view: (t) => (pending.get(t) ?? (b.data.get(t.dataId).values as F32)),
    alloc: (shape, dtype = "float32") => {
      const n = shape.reduce((a, c) => a * c, 1);
      const values = dtype === "int32" ? new Int32Array(n) : new Float32Array(n);
      const info = b.makeTensorInfo(shape, dtype, values);
      pending.set(info, values as F32);
      return info;
    },
  };
}

type Attrs = Record<string, number>;
type KArgs = Parameters<tf.KernelFunc>[0];

function num(a: KArgs, name: string, dflt?: number): number {
  const v = (a.attrs as Attrs | undefined)?.[name];
  if (typeof v === "number") return v;
  if (dflt === undefined) throw new Error(`LSTM kernel: attribute ${name} is required`);
  return dflt;
}

/** Rows [start, start + count) of x (any rank, rows = first axis), copied contiguously. */
function rowSliceKernel(ax: Access, a: KArgs): tf.TensorInfo {
  const x = a.inputs.x as tf.TensorInfo;
  const start = num(a, "start");
  const count = num(a, "count");
  const inner = x.shape.slice(1).reduce((p, c) => p * c, 1);
  if (start < 0 || start + count > x.shape[0]) throw new Error(`rowSlice: rows [${start}, ${start + count}) outside [0, ${x.shape[0]})`);
  if (x.dtype !== "float32" && x.dtype !== "int32") throw new Error(`rowSlice: unsupported dtype ${x.dtype}`);
  const out = ax.alloc([count, ...x.shape.slice(1)], x.dtype);
  // Same-dtype typed arrays: a plain element copy.
  const xv = ax.view(x) as unknown as Float32Array;
  (ax.view(out) as unknown as Float32Array).set(xv.subarray(start * inner, (start + count) * inner));
  return out;
}

/** 2-D transpose, cache-blocked (≈2× faster than wasm's Transpose kernel here). */
function transposeKernel(ax: Access, a: KArgs): tf.TensorInfo {
  const x = a.inputs.x as tf.TensorInfo;
  const [R, C] = x.shape;
  const out = ax.alloc([C, R]);
  const xv = ax.view(x);
  const ov = ax.view(out);
  const BS = 32;
  for (let i0 = 0; i0 < R; i0 += BS) {
    const i1 = Math.min(R, i0 + BS);
    for (let j0 = 0; j0 < C; j0 += BS) {
      const j1 = Math.min(C, j0 + BS);
      for (let i = i0; i < i1; i++) {
        const ri = i * C;
        for (let j = j0; j < j1; j++) ov[j * R + i] = xv[ri + j];
      }
    }
  }
  return out;
}

/**
 * Forward, part 1: s [B, 4H] (σ of the scaled pre-activation), cPrev (at cPrevOff) →
 * c = f ⊙ cPrev + i ⊙ g and c2 = 2c (fed to σ for tanh(c)).
 */
function fwdCell(ax: Access, a: KArgs): tf.TensorInfo[] {
  const s = a.inputs.s as tf.TensorInfo;
  const cPrevT = a.inputs.cPrev as tf.TensorInfo;
  const [B, H4] = s.shape;
  const H = H4 / 4;
  const cOff = num(a, "cPrevOff", 0);
  const c = ax.alloc([B, H]);
  const c2 = ax.alloc([B, H]);
  const sv = ax.view(s);
  const cp = ax.view(cPrevT);
  const cv = ax.view(c);
  const c2v = ax.view(c2);
  for (let b = 0; b < B; b++) {
    const r = b * H4;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const cc = sv[r + H + j] * cp[cOff + o + j] + sv[r + j] * (2 * sv[r + 2 * H + j] - 1);
      cv[o + j] = cc;
      c2v[o + j] = 2 * cc;
    }
  }
  return [c, c2];
}

/** Forward, part 2: s, u = σ(2c) → tc = tanh(c) = 2u − 1 and h = o ⊙ tc. */
function fwdOut(ax: Access, a: KArgs): tf.TensorInfo[] {
  const s = a.inputs.s as tf.TensorInfo;
  const u = a.inputs.u as tf.TensorInfo;
  const [B, H4] = s.shape;
  const H = H4 / 4;
  const h = ax.alloc([B, H]);
  const tc = ax.alloc([B, H]);
  const sv = ax.view(s);
  const uv = ax.view(u);
  const hv = ax.view(h);
  const tv = ax.view(tc);
  for (let b = 0; b < B; b++) {
    const r = b * H4 + 3 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const t = 2 * uv[o + j] - 1;
      tv[o + j] = t;
      hv[o + j] = sv[r + j] * t;
    }
  }
  return [h, tc];
}

/**
 * Backward through one step of one layer. Inputs (each read at its offset; 2-D ones with a row
 * stride so column blocks of a wider tensor can be used in place):
 *   s (σ outputs, [B,4H] at sOff), cPrev (at cPrevOff), tc (tanh c_t, at tcOff),
 *   dA? (gradient reaching h_t from outside the recurrence, at dAOff, row stride dAStride),
 *   mask? (dropout multipliers applied to dA, at maskOff), dhRec? (from step t+1, at dhRecOff,
 *   stride dhRecStride), dcRec? (at dcRecOff).
 * Outputs dGates [B, 4H] (w.r.t. the unscaled pre-activation) and dcPrev [B, H].
 */
function bwdCell(ax: Access, a: KArgs): tf.TensorInfo[] {
  const inp = a.inputs as Record<string, tf.TensorInfo | undefined>;
  const s = inp.s as tf.TensorInfo;
  const B = num(a, "B");
  const H = num(a, "H");
  const H4 = 4 * H;
  const sOff = num(a, "sOff", 0);
  const cOff = num(a, "cPrevOff", 0);
  const tcOff = num(a, "tcOff", 0);
  const dAOff = num(a, "dAOff", 0);
  const dAStride = num(a, "dAStride", H);
  const mOff = num(a, "maskOff", 0);
  const rOff = num(a, "dhRecOff", 0);
  const rStride = num(a, "dhRecStride", H);
  const dcOff = num(a, "dcRecOff", 0);
  const dG = ax.alloc([B, H4]);
  const dcPrev = ax.alloc([B, H]);
  const sv = ax.view(s);
  const cp = ax.view(inp.cPrev as tf.TensorInfo);
  const tcv = ax.view(inp.tc as tf.TensorInfo);
  const dA = inp.dA ? ax.view(inp.dA) : null;
  const mask = inp.mask ? ax.view(inp.mask) : null;
  const dhRec = inp.dhRec ? ax.view(inp.dhRec) : null;
  const dcRec = inp.dcRec ? ax.view(inp.dcRec) : null;
  const g = ax.view(dG);
  const dcp = ax.view(dcPrev);
  for (let b = 0; b < B; b++) {
    const r = sOff + b * H4;
    const o = b * H;
    const go = b * H4;
    for (let j = 0; j < H; j++) {
      let dh = 0;
      if (dA) dh = mask ? dA[dAOff + b * dAStride + j] * mask[mOff + o + j] : dA[dAOff + b * dAStride + j];
      if (dhRec) dh += dhRec[rOff + b * rStride + j];
      const iv = sv[r + j];
      const fv = sv[r + H + j];
      const gv = 2 * sv[r + 2 * H + j] - 1;
      const ov = sv[r + 3 * H + j];
      const t = tcv[tcOff + o + j];
      let dc = dh * ov * (1 - t * t);
      if (dcRec) dc += dcRec[dcOff + o + j];
      g[go + j] = dc * gv * iv * (1 - iv);
      g[go + H + j] = dc * cp[cOff + o + j] * fv * (1 - fv);
      g[go + 2 * H + j] = dc * iv * (1 - gv * gv);
      g[go + 3 * H + j] = dh * t * ov * (1 - ov);
      dcp[o + j] = dc * fv;
    }
  }
  return [dG, dcPrev];
}

const KERNELS: Record<string, (ax: Access, a: KArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  Lab4RowSlice: rowSliceKernel,
  Lab4Transpose2D: transposeKernel,
  Lab4LstmFwdCell: fwdCell,
  Lab4LstmFwdOut: fwdOut,
  Lab4LstmBwdCell: bwdCell,
};

let registered = false;
function register(): void {
  if (registered) return;
  registered = true;
  // rowSlice is used on taped tensors too (module outputs, the loss slice): its gradient pads.
  // x is not saved (only its row count, as an attribute): keeping it would hold the whole sliced
  // tensor (the seed's [trg len, batch, vocab] outputs) alive until this gradient runs.
  tf.registerGradient({
    kernelName: "Lab4RowSlice",
    gradFunc: (dy, saved, attrs) => {
      const { start, count, rows } = attrs as unknown as { start: number; count: number; rows: number };
      const pads: Array<[number, number]> = (dy as tf.Tensor).shape.map(() => [0, 0] as [number, number]);
      pads[0] = [start, rows - start - count];
      return { x: () => tf.pad(dy as tf.Tensor, pads) };
    },
  });
  for (const backendName of ["wasm", "cpu"] as const)
    for (const [kernelName, impl] of Object.entries(KERNELS))
      if (!tf.getKernel(kernelName, backendName))
        tf.registerKernel({ kernelName, backendName, kernelFunc: (a) => impl(access(a.backend, backendName, a.inputs), a) });
}

let enabled = true;

/** Turns the kernels off (true tf-op formulation everywhere), e.g. to test the fallback. */
export function useLstmKernels(on: boolean): void {
  enabled = on;
}

/** Whether the active backend runs these kernels (wasm, cpu); otherwise use plain tf ops. */
export function lstmKernelsAvailable(): boolean {
  if (!enabled) return false;
  register();
  const b = tf.getBackend();
  return b === "wasm" || b === "cpu";
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: Attrs): tf.Tensor[] => {
  const out = tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out as tf.Tensor];
};

/** Rows [start, start + count) along the first axis (a contiguous copy, no full-input read). */
export function rowSlice<T extends tf.Tensor>(x: T, start: number, count: number, opts: { consume?: boolean } = {}): T {
  if (start === 0 && count === x.shape[0]) return x;
  if (!lstmKernelsAvailable() || (x.dtype !== "float32" && x.dtype !== "int32"))
    return tf.slice(x, [start, ...x.shape.slice(1).map(() => 0)], [count, ...x.shape.slice(1)]) as T; // (its gradient keeps x: never consumed)
  const out = run("Lab4RowSlice", { x }, { start, count, rows: x.shape[0] })[0] as T;
  // consume: x is freed once sliced (this gradient needs only its row count) — for a tensor used only
  // to take these rows, e.g. the seed's `output[1:]` of the stacked decoder outputs (118 MB).
  if (opts.consume && !x.isDisposed) x.dispose();
  return out;
}

/**
 * `tf.stack(parts)` (axis 0) whose gradient hands each part its rows of dy with `rowSlice`. tfjs's
 * Pack gradient is Unpack, which on wasm copies the whole dy once per part (quadratic: ~0.3 s per
 * step for the seed's [trg len, 128, 5893] outputs).
 */
export function stackRows<T extends tf.Tensor>(parts: tf.Tensor[], opts: { consume?: boolean } = {}): T {
  if (parts.length === 0) throw new Error("stackRows: nothing to stack");
  const shape = parts[0].shape;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xs = args.slice(0, parts.length) as tf.Tensor[];
    return {
      value: tf.stack(xs),
      gradFunc: (dy: tf.Tensor) => xs.map((_, i) => tf.reshape(rowSlice(dy, i, 1), shape)),
    };
  });
  const out = op(...parts) as T;
  // consume: the parts are freed once stacked (their gradients need only their shapes). For loops
  // that collect per-step outputs only to stack them: one copy of them less alive (the seed's
  // decoder outputs: 118 MB on the longest batch). A part still needed elsewhere — saved by another
  // op for its gradient, or used afterwards — must not be consumed.
  if (opts.consume) for (const p of parts) if (!p.isDisposed) p.dispose();
  return out;
}

/** xᵀ for a 2-D float32 tensor (not differentiable: for use inside hand-written backwards). */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  if (!lstmKernelsAvailable() || x.dtype !== "float32") return tf.transpose(x);
  return run("Lab4Transpose2D", { x }, {})[0] as tf.Tensor2D;
}

/** c_t and 2c_t from σ-gates `s` [B,4H] and c_{t−1} (read at `cPrevOff` elements into `cPrev`). */
export function lstmFwdCell(s: tf.Tensor2D, cPrev: tf.Tensor, cPrevOff = 0): [tf.Tensor2D, tf.Tensor2D] {
  if (!lstmKernelsAvailable()) {
    const [B, H4] = s.shape;
    const H = H4 / 4;
    const [i, f, sg] = tf.split(s, [H, H, H, H], 1);
    const c = tf.add(tf.mul(f, strided(cPrev, cPrevOff, B, H, H)), tf.mul(i, tf.sub(tf.mul(sg, 2), 1))) as tf.Tensor2D;
    return [c, tf.mul(c, 2)];
  }
  const [c, c2] = run("Lab4LstmFwdCell", { s, cPrev }, { cPrevOff });
  return [c as tf.Tensor2D, c2 as tf.Tensor2D];
}

/** h_t and tanh(c_t) from σ-gates `s` and u = σ(2c_t). */
export function lstmFwdOut(s: tf.Tensor2D, u: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  if (!lstmKernelsAvailable()) {
    const H = s.shape[1] / 4;
    const o = tf.slice(s, [0, 3 * H], [-1, H]);
    const tc = tf.sub(tf.mul(u, 2), 1) as tf.Tensor2D;
    return [tf.mul(o, tc), tc];
  }
  const [h, tc] = run("Lab4LstmFwdOut", { s, u }, {});
  return [h as tf.Tensor2D, tc as tf.Tensor2D];
}

export interface BwdCellInputs {
  B: number;
  H: number;
  s: tf.Tensor;
  sOff?: number;
  cPrev: tf.Tensor;
  cPrevOff?: number;
  tc: tf.Tensor;
  tcOff?: number;
  dA?: tf.Tensor;
  dAOff?: number;
  dAStride?: number;
  mask?: tf.Tensor;
  maskOff?: number;
  dhRec?: tf.Tensor;
  dhRecOff?: number;
  dhRecStride?: number;
  dcRec?: tf.Tensor;
  dcRecOff?: number;
}

/** dGates [B,4H] and dc_{t−1} [B,H] for one step (see `bwdCell`). */
export function lstmBwdCell(p: BwdCellInputs): [tf.Tensor2D, tf.Tensor2D] {
  if (!lstmKernelsAvailable()) return bwdCellOps(p);
  const inputs: tf.NamedTensorMap = { s: p.s, cPrev: p.cPrev, tc: p.tc };
  const attrs: Attrs = { B: p.B, H: p.H };
  if (p.dA) inputs.dA = p.dA;
  if (p.mask) inputs.mask = p.mask;
  if (p.dhRec) inputs.dhRec = p.dhRec;
  if (p.dcRec) inputs.dcRec = p.dcRec;
  for (const k of ["sOff", "cPrevOff", "tcOff", "dAOff", "dAStride", "maskOff", "dhRecOff", "dhRecStride", "dcRecOff"] as const) {
    const v = p[k];
    if (v !== undefined) attrs[k] = v;
  }
  const [dG, dc] = run("Lab4LstmBwdCell", inputs, attrs);
  return [dG as tf.Tensor2D, dc as tf.Tensor2D];
}

/** [B, W] elements of `x` starting at flat offset `off`, rows `stride` apart (tf-op fallback). */
function strided(x: tf.Tensor, off: number, B: number, W: number, stride: number): tf.Tensor2D {
  const rows = x.size / stride;
  return tf.slice(tf.reshape(x, [rows, stride]), [Math.floor(off / stride), off % stride], [B, W]) as tf.Tensor2D;
}

/** `bwdCell` in tf ops, for backends without our kernels (same maths). */
function bwdCellOps(p: BwdCellInputs): [tf.Tensor2D, tf.Tensor2D] {
  const { B, H } = p;
  const s = strided(p.s, p.sOff ?? 0, B, 4 * H, 4 * H);
  const [i, f, sg, o] = tf.split(s, 4, 1);
  const g = tf.sub(tf.mul(sg, 2), 1);
  const cPrev = strided(p.cPrev, p.cPrevOff ?? 0, B, H, H);
  const t = strided(p.tc, p.tcOff ?? 0, B, H, H);
  let dh: tf.Tensor = tf.zeros([B, H]);
  if (p.dA) {
    dh = strided(p.dA, p.dAOff ?? 0, B, H, p.dAStride ?? H);
    if (p.mask) dh = tf.mul(dh, strided(p.mask, p.maskOff ?? 0, B, H, H));
  }
  if (p.dhRec) dh = tf.add(dh, strided(p.dhRec, p.dhRecOff ?? 0, B, H, p.dhRecStride ?? H));
  let dc = tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(t)));
  if (p.dcRec) dc = tf.add(dc, strided(p.dcRec, p.dcRecOff ?? 0, B, H, H));
  const sd = (a: tf.Tensor) => tf.mul(a, tf.sub(1, a));
  const dG = tf.concat(
    [tf.mul(tf.mul(dc, g), sd(i)), tf.mul(tf.mul(dc, cPrev), sd(f)), tf.mul(tf.mul(dc, i), tf.sub(1, tf.square(g))), tf.mul(tf.mul(dh, t), sd(o))],
    1,
  ) as tf.Tensor2D;
  return [dG, tf.mul(dc, f) as tf.Tensor2D];
}
