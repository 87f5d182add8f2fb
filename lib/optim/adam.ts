/**
 * `torch.optim.Adam` and `torch.optim.AdamW` with PyTorch's exact update rules (torch 1.13,
 * single-tensor path), defaults and argument checks. tfjs has no AdamW, and its Adam applies
 * the bias correction differently (to the learning rate, epsilon outside it).
 *
 * Per parameter p with gradient g, at step t (1-based):
 *   Adam, weight_decay λ:   g ← g + λ·p                       (L2 penalty in the gradient)
 *   AdamW, weight_decay λ:  p ← p·(1 − lr·λ)                  (decoupled decay, applied first)
 *   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²;   (amsgrad: v̂ ← max(v̂, v), used below for v)
 *   p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
 *
 * Usage (signature chosen for tfjs, where gradients come from `tf.variableGrads`):
 *   const opt = new AdamW(model.parameters(), { lr: 1e-3 });
 *   opt.zeroGrad();                                            // frees the last step's gradients
 *   const { value, grads } = tf.variableGrads(() => loss());   // grads keyed by variable name
 *   opt.step(grads);                                           // takes `grads` (and `value`)
 * `step(grads)` takes a `tf.NamedTensorMap` or `Map<string, tf.Tensor>` keyed by `tf.Variable.name`;
 * parameters without a gradient are left alone, names of other variables are ignored (as torch
 * skips params whose `.grad` is None). The optimizer owns what `step` received — the gradients and
 * the loss `tf.variableGrads` returned with them — until `zeroGrad()` frees them, as torch's
 * `zero_grad()` clears `.grad`; the caller may still read them in between. A step without
 * `zeroGrad()` since the last one frees them too and warns (once per optimizer). Before updating, `step` refuses a
 * NaN/Infinity loss or gradient norm (as measured by `clipGradNorm`), changing nothing.
 * A new optimizer over the same parameters frees the older one's state; a dropped one is freed
 * when garbage-collected; `dispose()` frees it at once.
 *
 * On the cpu and wasm backends the whole update runs as one JS kernel per parameter (reads p, g,
 * m, v once, writes new p, m, v) instead of ~15 tensor ops; other backends use tensor ops.
 */
import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";
import { KERNEL, type StepAttrs } from "./adam-kernel";
import { parameterName, type Module } from "../nn/module";
import { TrainingDivergedError } from "./diverged";
import { gradNormOf, lossOfGrads, trackVariableGrads } from "./grad-owner";

trackVariableGrads();

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  /**
   * Use the fused JS kernel where available (cpu, wasm). Default true; false forces tensor ops
   * (the path other backends take; tests compare the two).
   */
  fused?: boolean;
}

interface ParamState {
  step: number;
  expAvg: tf.Tensor;
  expAvgSq: tf.Tensor;
  maxExpAvgSq?: tf.Tensor;
}

/**
 * At the first step: parameters the loss did not reach are almost always a layer created in the
 * constructor but never called in `forward` (PyTorch stays silent; the student only sees a worse loss).
 */
function warnUnused(params: tf.Variable[], withGrad: Set<string>): void {
  const missing = params.filter((p) => !withGrad.has(p.name)).map((p) => parameterName(p) ?? p.name);
  if (missing.length === 0) return;
  const layers = [...new Set(missing.map((n) => n.replace(/\.[^.]*$/, "")))];
  console.warn(
    `Aviso: ${missing.length === 1 ? "el parámetro" : "los parámetros"} ${missing.join(", ")} no ` +
      `${missing.length === 1 ? "recibió" : "recibieron"} gradiente en el primer paso del optimizador: ` +
      `${layers.length === 1 ? "la capa" : "las capas"} ${layers.join(", ")} se ${layers.length === 1 ? "creó" : "crearon"} ` +
      `pero no se ${layers.length === 1 ? "usa" : "usan"} en forward (no se entrenan). Úsela(s) en forward o quítela(s) del constructor.`,
  );
}

/** The optimizer currently owning each parameter's state (a newer one over it replaces the older). */
const owners = new WeakMap<tf.Variable, AdamBase>();

/** What a dropped optimizer leaves: its moments and the tensors of its last step. */
interface Owned {
  state: Map<tf.Variable, ParamState>;
  held: tf.Tensor[];
}

function freeOwned(o: Owned): void {
  for (const s of o.state.values()) tf.dispose([s.expAvg, s.expAvgSq, ...(s.maxExpAvgSq ? [s.maxExpAvgSq] : [])]);
  o.state.clear();
  tf.dispose(o.held);
  o.held.length = 0;
}

const finalizer = new FinalizationRegistry<Owned>(freeOwned);

function checkRange(name: string, v: number, ok: boolean): void {
  if (!ok) throw new Error(`Invalid ${name}: ${v}`);
}

/** Shared implementation; `decoupled` selects AdamW's weight decay. */
abstract class AdamBase {
  /** Mutable like `param_groups[0]['lr']`. */
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  readonly amsgrad: boolean;
  readonly fused: boolean;
  readonly params: tf.Variable[];
  private readonly state = new Map<tf.Variable, ParamState>();
  private readonly byName = new Map<string, tf.Variable>();
  private checkedUnused = false;
  /** Gradients and loss of the last step, freed by `zeroGrad()`. */
  private readonly held: tf.Tensor[] = [];
  private replaced = false;
  private warnedNoZeroGrad = false;

  protected constructor(
    params: tf.Variable[] | Module,
    opts: AdamOptions,
    defaultWeightDecay: number,
    private readonly decoupled: boolean,
  ) {
    const list = Array.isArray(params) ? params : params.parameters();
    if (list.length === 0) throw new Error("optimizer got an empty parameter list");
    this.lr = opts.lr ?? 1e-3;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? defaultWeightDecay;
    this.amsgrad = opts.amsgrad ?? false;
    this.fused = opts.fused ?? true;
    // torch's messages
    checkRange("learning rate", this.lr, this.lr >= 0);
    checkRange("epsilon value", this.eps, this.eps >= 0);
    checkRange("beta parameter at index 0", this.betas[0], this.betas[0] >= 0 && this.betas[0] < 1);
    checkRange("beta parameter at index 1", this.betas[1], this.betas[1] >= 0 && this.betas[1] < 1);
    checkRange("weight_decay value", this.weightDecay, this.weightDecay >= 0);
    this.params = [...list];
    for (const p of this.params) {
      if (p.dtype !== "float32") throw new Error(`optimizer: parameter ${p.name} is ${p.dtype}, expected float32`);
      this.byName.set(p.name, p);
    }
    for (const p of this.params) {
      const prev = owners.get(p);
      if (prev && prev !== this) prev.replace();
      owners.set(p, this);
    }
    finalizer.register(this, { state: this.state, held: this.held }, this);
  }

  /** A newer optimizer took these parameters (a notebook cell re-run): free everything. */
  private replace(): void {
    this.replaced = true;
    this.dispose();
  }

  /** Frees the gradients (and loss) the last `step` took, like torch's `zero_grad()` clearing `.grad`. */
  zeroGrad(): void {
    tf.dispose(this.held);
    this.held.length = 0;
  }

  /**
   * One update of every parameter that has a gradient in `grads` (keyed by variable name). Takes
   * ownership of `grads` and of the loss `tf.variableGrads` returned with them (see file header).
   */
  step(grads: Map<string, tf.Tensor> | tf.NamedTensorMap): void {
    if (this.replaced)
      throw new Error("this optimizer was replaced by a newer one over the same parameters (its state is freed): step with the new one");
    const entries = (grads instanceof Map ? [...grads] : Object.entries(grads)).filter(
      (e): e is [string, tf.Tensor] => e[1] != null, // variableGrads gives null for non-trainable variables
    );
    const loss = lossOfGrads(grads);
    const taken = [...entries.map(([, g]) => g), ...(loss ? [loss] : [])];
    if (this.held.length) {
      if (!this.warnedNoZeroGrad) {
        this.warnedNoZeroGrad = true;
        console.warn(
          "Aviso: optimizer.step() sin optimizer.zeroGrad() desde el paso anterior. Llame optimizer.zeroGrad() " +
            "al inicio de cada lote, como en PyTorch (libera los gradientes del paso anterior).",
        );
      }
      const keep = new Set(taken);
      tf.dispose(this.held.filter((t) => !keep.has(t)));
      this.held.length = 0;
    }
    this.held.push(...taken.filter((t) => !t.isDisposed));
    this.checkFinite(loss, gradNormOf(grads));
    if (!this.checkedUnused) {
      this.checkedUnused = true;
      warnUnused(this.params, new Set(entries.map(([n]) => n)));
    }
    for (const [name, g] of entries) {
      const p = this.byName.get(name);
      if (!p) continue;
      if (g.shape.join(",") !== p.shape.join(","))
        throw new Error(`gradient for ${name} has shape [${g.shape.join(", ")}], parameter has [${p.shape.join(", ")}]`);
      this.update(p, g);
    }
  }

  /** Refuses (before any update) a step whose loss or clipped gradient norm is NaN/Infinity. */
  private checkFinite(loss: tf.Tensor | undefined, norm: number | undefined): void {
    const step = (this.state.size ? Math.max(...[...this.state.values()].map((s) => s.step)) : 0) + 1;
    const l = loss && !loss.isDisposed && loss.size === 1 ? loss.dataSync()[0] : 0;
    if (!Number.isFinite(l)) throw new TrainingDivergedError(undefined, step, l, `loss is ${l}`);
    if (norm !== undefined && !Number.isFinite(norm)) throw new TrainingDivergedError(undefined, step, l, `gradient norm is ${norm}`);
  }

  private update(p: tf.Variable, g: tf.Tensor): void {
    let s = this.state.get(p);
    if (!s) {
      s = { step: 0, expAvg: tf.zerosLike(p), expAvgSq: tf.zerosLike(p) };
      if (this.amsgrad) s.maxExpAvgSq = tf.zerosLike(p);
      this.state.set(p, s);
    }
    s.step += 1;
    const [beta1, beta2] = this.betas;
    const attrs: StepAttrs = {
      beta1,
      beta2,
      eps: this.eps,
      lr: this.lr,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
      amsgrad: this.amsgrad,
      stepSize: this.lr / (1 - beta1 ** s.step),
      bc2Sqrt: Math.sqrt(1 - beta2 ** s.step),
    };
    const grad = g.dtype === "float32" ? g : tf.cast(g, "float32");
    let next: tf.Tensor[];
    if (this.fused && tf.getKernel(KERNEL, tf.getBackend())) {
      const inputs: tf.NamedTensorMap = { param: p, grad, m: s.expAvg, v: s.expAvgSq };
      if (s.maxExpAvgSq) inputs.vmax = s.maxExpAvgSq;
      next = tf.engine().runKernel(KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    } else next = this.opsUpdate(p, grad, s, attrs);
    if (grad !== g) grad.dispose();
    p.assign(next[0]);
    next[0].dispose();
    s.expAvg.dispose();
    s.expAvgSq.dispose();
    s.expAvg = next[1];
    s.expAvgSq = next[2];
    if (s.maxExpAvgSq) {
      s.maxExpAvgSq.dispose();
      s.maxExpAvgSq = next[3];
    }
  }

  /** The same update with tensor ops, in torch's operation order. */
  private opsUpdate(p: tf.Variable, g: tf.Tensor, s: ParamState, a: StepAttrs): tf.Tensor[] {
    return tf.tidy(() => {
      let param: tf.Tensor = p;
      let grad = g;
      if (a.weightDecay !== 0) {
        if (a.decoupled) param = tf.mul(param, 1 - a.lr * a.weightDecay);
        else grad = tf.add(grad, tf.mul(param, a.weightDecay));
      }
      const m = tf.add(tf.mul(s.expAvg, a.beta1), tf.mul(grad, 1 - a.beta1));
      const v = tf.add(tf.mul(s.expAvgSq, a.beta2), tf.mul(tf.mul(grad, grad), 1 - a.beta2));
      const vmax = s.maxExpAvgSq ? tf.maximum(s.maxExpAvgSq, v) : undefined;
      const denom = tf.add(tf.div(tf.sqrt(vmax ?? v), a.bc2Sqrt), a.eps);
      const out = tf.sub(param, tf.mul(tf.div(m, denom), a.stepSize));
      return vmax ? [out, m, v, vmax] : [out, m, v];
    });
  }

  /** Steps taken for `p` (0 before its first update). */
  stepCount(p: tf.Variable): number {
    return this.state.get(p)?.step ?? 0;
  }

  /**
   * Copies of the optimizer state like torch's `state_dict()['state']`, keyed
   * `"<param index>.exp_avg"`, `".exp_avg_sq"`, `".max_exp_avg_sq"`, `".step"` (scalar).
   * The caller owns (and disposes) the tensors.
   */
  stateDict(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.params.forEach((p, i) => {
      const s = this.state.get(p);
      if (!s) return;
      out.set(`${i}.step`, tf.scalar(s.step));
      out.set(`${i}.exp_avg`, s.expAvg.clone());
      out.set(`${i}.exp_avg_sq`, s.expAvgSq.clone());
      if (s.maxExpAvgSq) out.set(`${i}.max_exp_avg_sq`, s.maxExpAvgSq.clone());
    });
    return out;
  }

  /** Restores `stateDict()` output (tensors are copied; shapes must match the parameters). */
  loadStateDict(state: Map<string, tf.Tensor>): void {
    const next = new Map<tf.Variable, ParamState>();
    this.params.forEach((p, i) => {
      const step = state.get(`${i}.step`);
      if (!step) return;
      const get = (k: string) => {
        const t = state.get(`${i}.${k}`);
        if (!t) throw new Error(`optimizer state for parameter ${i} lacks ${k}`);
        if (t.shape.join(",") !== p.shape.join(","))
          throw new Error(`optimizer state ${i}.${k} has shape [${t.shape.join(", ")}], parameter has [${p.shape.join(", ")}]`);
        return tf.cast(t, "float32");
      };
      const s: ParamState = { step: step.dataSync()[0], expAvg: get("exp_avg"), expAvgSq: get("exp_avg_sq") };
      if (this.amsgrad) s.maxExpAvgSq = get("max_exp_avg_sq");
      next.set(p, s);
    });
    this.disposeState();
    for (const [p, s] of next) this.state.set(p, s);
  }

  private disposeState(): void {
    for (const s of this.state.values()) tf.dispose([s.expAvg, s.expAvgSq, ...(s.maxExpAvgSq ? [s.maxExpAvgSq] : [])]);
    this.state.clear();
  }

  /** Frees the moment estimates and what the last step took. */
  dispose(): void {
    this.disposeState();
    this.zeroGrad();
    finalizer.unregister(this);
  }
}

/** `torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)`. */
export class Adam extends AdamBase {
  constructor(params: tf.Variable[] | Module, opts: AdamOptions = {}) {
    super(params, opts, 0, false);
  }
}

/** `torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)`. */
export class AdamW extends AdamBase {
  constructor(params: tf.Variable[] | Module, opts: AdamOptions = {}) {
    super(params, opts, 1e-2, true);
  }
}
