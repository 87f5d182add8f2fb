import * as tf from "@tensorflow/tfjs-core";
import { sharesMemory } from "./views";

/*
 * Lower peak memory for tfjs backpropagation (opt-in; the maths is unchanged).
 *
 * tfjs-core 4.22's `backpropagateGradients` (tape.ts) keeps, until the whole backward pass ends:
 *   - every per-use gradient contribution `dx` it has added into an accumulated gradient (after
 *     `add(cur, dx)` it disposes `cur` but not `dx`): a model that uses a weight once per timestep
 *     (a decoder called step by step) holds one full-size weight gradient per step — for the original lab's
 *     fc_out [5893, 512] that is 12 MB × every decoder step;
 *   - every intermediate gradient (the dy of each node) after its node has consumed it;
 *   - every node's saved activations after its gradient has run.
 * On the original lab's Seq2Seq with a step-by-step decoder that is far more wasm heap than the
 * lab's 2 GiB kernel budget on the longest Multi30k batches. This replaces `engine.gradients` with
 * the same algorithm that frees each of those as soon as it is dead (reference-counted, so tensors
 * returned by several gradient functions or owned by the caller are never freed). First-order gradients only free saved activations early;
 * higher-order use (gradientDepth > 0) keeps tfjs's behaviour for them.
 *
 * In-place accumulation: a weight used once per timestep gets one gradient contribution per step,
 * and tfjs sums them pairwise (`add(cur, dx)`: a full read-read-write pass over the weight each
 * time, once per decoder step for every weight the decoder uses). Our own ops' gradient functions
 * (Linear, LSTM, Embedding) may instead add their contribution straight into the sum accumulated so
 * far (`addIntoGradient`: a GEMM with beta = 1, or only the rows an embedding lookup touched), with
 * the same bits as the pairwise sums (see the callers for why).
 *
 * It relies on tfjs-core 4.22 engine internals (state.activeTape, startTape/endTape,
 * scopedRun); `installTapeMemoryFix()` checks them and returns false if they differ.
 */

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: unknown;
}

/** tfjs-core's getFilteredNodesXToY (tape.ts), unchanged: the nodes on a path from xs to y. */
function filteredNodes(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const tensorsFromX: Record<number, boolean> = {};
  const nodesFromX: Record<number, boolean> = {};
  for (const x of xs) tensorsFromX[x.id] = true;
  for (const node of tape) {
    for (const inputName in node.inputs) {
      if (tensorsFromX[node.inputs[inputName].id]) {
        node.outputs.forEach((o) => (tensorsFromX[o.id] = true));
        nodesFromX[node.id] = true;
        break;
      }
    }
  }
  const tensorsLeadToY: Record<number, boolean> = { [y.id]: true };
  const nodesToY: Record<number, boolean> = {};
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => tensorsLeadToY[o.id])) {
      for (const inputName in node.inputs) {
        tensorsLeadToY[node.inputs[inputName].id] = true;
        nodesToY[node.id] = true;
      }
    }
  }
  const out: TapeNode[] = [];
  for (const node of tape) {
    if (nodesFromX[node.id] && nodesToY[node.id]) {
      const inputs: Record<string, tf.Tensor> = {};
      for (const inputName in node.inputs) if (tensorsFromX[node.inputs[inputName].id]) inputs[inputName] = node.inputs[inputName];
      out.push({ ...node, inputs, outputs: node.outputs });
    }
  }
  return out;
}

let original: unknown = null;

/** The backward pass now running a gradient function: which accumulated sums it may add into. */
interface AccumulationContext {
  /** x's gradient accumulated so far if it may be updated in place (owned by the pass alone). */
  eligible(x: tf.Tensor): tf.Tensor | undefined;
  /** x.id -> the accumulated gradient a gradient function added its contribution into. */
  claimed: Map<number, tf.Tensor>;
}
let active: AccumulationContext | null = null;
let inPlaceCount = 0;

/**
 * For a gradient function (inside `tf.customGrad`'s gradFunc) during a backward pass of ours: if the
 * gradient of input `x` accumulated so far from its other uses may be updated in place, calls
 * `add(acc)`; when that returns true (it added this use's contribution into `acc`), returns `acc`,
 * which the caller must return as its gradient for `x` (the pass then skips its own add). Otherwise
 * returns undefined: compute the contribution as usual. One claim per input per gradient call.
 */
export function addIntoGradient(x: tf.Tensor, add: (acc: tf.Tensor) => boolean): tf.Tensor | undefined {
  if (!active || active.claimed.has(x.id)) return undefined;
  const acc = active.eligible(x);
  if (!acc || !add(acc)) return undefined;
  active.claimed.set(x.id, acc);
  inPlaceCount++;
  return acc;
}

/** How many gradient contributions were added in place so far (for tests and benchmarks). */
export function inPlaceAccumulations(): number {
  return inPlaceCount;
}

/** Installs the memory-frugal `gradients` on the tfjs engine. Idempotent; false if internals differ. */
export function installTapeMemoryFix(): boolean {
  const eng = tf.engine() as unknown as EngineInternals;
  if (original) return true;
  const ok =
    typeof eng.startTape === "function" &&
    typeof eng.endTape === "function" &&
    typeof eng.scopedRun === "function" &&
    typeof eng.gradients === "function" &&
    eng.state !== undefined &&
    typeof eng.state.gradientDepth === "number"; // (activeTape only exists once a tape was started)
  if (!ok) return false;
  original = eng.gradients;
  eng.gradients = function gradients(
    this: EngineInternals,
    f: () => tf.Tensor,
    xs: tf.Tensor[],
    dy?: tf.Tensor,
    allowNoGradients = false,
  ): { value: tf.Tensor; grads: tf.Tensor[] } {
    if (xs.length === 0) throw new Error("gradients() received an empty list of xs.");
    if (dy != null && dy.dtype !== "float32") throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    const y = this.scopedRun(
      () => this.startTape(),
      () => this.endTape(),
      () => this.tidy("forward", f),
    );
    if (!(y instanceof tf.Tensor)) throw new Error("The result y returned by f() must be a tensor.");
    const tape = filteredNodes(this.state.activeTape ?? [], xs, y);
    if (!allowNoGradients && tape.length === 0 && xs.length > 0)
      throw new Error(
        "Cannot compute gradient of y=f(x) with respect to x. " +
          "Make sure that the f you passed encloses all operations that lead from x to y.",
      );
    const firstOrder = this.state.gradientDepth === 0;
    return this.tidy("backward", () => {
      const acc = new Map<number, tf.Tensor>();
      const refs = new Map<tf.Tensor, number>();
      const protectedTensors = new Set<tf.Tensor>(xs);
      // Sums this pass made with tf.add: nobody else can hold them (a gradient function's own
      // result might be kept elsewhere, e.g. returned twice or cached).
      const ownSums = new WeakSet<tf.Tensor>();
      const backend = tf.backend() as unknown as { refCount?(dataId: object): number };
      const context: AccumulationContext = {
        claimed: new Map(),
        eligible: (x) => {
          const cur = acc.get(x.id);
          if (!firstOrder || cur === undefined || cur.isDisposed || !ownSums.has(cur)) return undefined;
          if (refs.get(cur) !== 1 || protectedTensors.has(cur) || cur.dtype !== "float32") return undefined;
          // One tensor object on the data (a reshape or clone would share it).
          if (typeof backend.refCount !== "function" || backend.refCount(cur.dataId) !== 1) return undefined;
          if (sharesMemory(cur.dataId, backend)) return undefined; // (a view, or viewed: ./views.ts)
          return cur;
        },
      };
      const set = (id: number, t: tf.Tensor) => {
        acc.set(id, t);
        refs.set(t, (refs.get(t) ?? 0) + 1);
      };
      /** Drops one reference; frees the tensor when nothing (and not the caller) holds it. */
      const release = (t: tf.Tensor) => {
        const n = (refs.get(t) ?? 0) - 1;
        if (n > 0) refs.set(t, n);
        else {
          refs.delete(t);
          if (!protectedTensors.has(t)) t.dispose();
        }
      };
      const seed = dy ?? tf.ones(y.shape);
      if (dy) protectedTensors.add(dy);
      set(y.id, seed);
      const keepIds = new Set(xs.map((x) => x.id));
      for (let i = tape.length - 1; i >= 0; i--) {
        const node = tape[i];
        const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
        if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        context.claimed.clear();
        const outer = active; // (a gradient function may itself run a backward pass)
        active = context;
        let inputGradients: Record<string, () => tf.Tensor>;
        try {
          inputGradients = node.gradient(dys);
        } finally {
          active = outer;
        }
        for (const inputName in node.inputs) {
          if (!(inputName in inputGradients))
            throw new Error(`Cannot backprop through input ${inputName}. Available gradients found: ${Object.keys(inputGradients)}.`);
          const dx = this.tidy(() => inputGradients[inputName]());
          const x = node.inputs[inputName];
          if (context.claimed.get(x.id) === dx) {
            context.claimed.delete(x.id); // this use is already summed into acc (addIntoGradient)
            continue;
          }
          if (dx.dtype !== "float32")
            throw new Error(
              `Error in gradient for op ${node.kernelName}. ` +
                `The gradient of input ${inputName} must have 'float32' dtype, but has '${dx.dtype}'`,
            );
          if (dx.shape.join(",") !== x.shape.join(","))
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input '${inputName}' has shape '${dx.shape}', ` +
                `which does not match the shape of the input '${x.shape}'`,
            );
          const cur = acc.get(x.id);
          if (cur === undefined) set(x.id, dx);
          else {
            const sum = tf.add(cur, dx);
            ownSums.add(sum);
            acc.delete(x.id);
            release(cur);
            set(x.id, sum);
            // tfjs keeps this per-use contribution until the backward pass ends; it is dead now.
            if (!refs.has(dx) && !protectedTensors.has(dx)) dx.dispose();
          }
        }
        // The node's output gradients have been consumed (each tensor is the output of one node).
        for (const o of node.outputs) {
          const g = acc.get(o.id);
          if (g !== undefined && !keepIds.has(o.id)) {
            acc.delete(o.id);
            release(g);
          }
        }
        if (firstOrder) for (const t of node.saved ?? []) t.dispose();
      }
      const grads = xs.map((x) => acc.get(x.id) as tf.Tensor);
      if (this.state.gradientDepth === 0) {
        for (const node of this.state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
        this.state.activeTape = null;
      }
      return { value: y, grads };
    });
  };
  return true;
}

/** Restores tfjs's own `gradients` (for tests and comparisons). */
export function uninstallTapeMemoryFix(): void {
  if (!original) return;
  (tf.engine() as unknown as EngineInternals).gradients = original;
  original = null;
}
