import * as tf from "@tensorflow/tfjs-core";
import { inspect } from "node:util";

/** Full PyTorch names (`decoder.fc_out.weight`) of parameters, as the root module last listed them. */
const parameterNames = new WeakMap<tf.Variable, string>();

/** The dotted name a module gave `v` (after any `parameters()`/`namedParameters()` on its root). */
export function parameterName(v: tf.Variable): string | undefined {
  return parameterNames.get(v);
}

/**
 * A torch-like `nn.Module` on TensorFlow.js: named parameters (PyTorch naming, dot-separated),
 * sub-modules registered in assignment order, `train()`/`eval()`, `apply(fn)`, `stateDict()`.
 *
 * As PyTorch's `__setattr__`: assigning a `Module` to a field (`this.fc_out = new Linear(…)`)
 * registers it as a child named after the field, assigning a `tf.Variable` registers a parameter;
 * `registerModule(name, m)` / `registerParameter(name, v)` name them explicitly (a value already
 * registered under another name is not registered twice). Parameters are `tf.Variable`s so tfjs
 * optimisers and `tf.variableGrads` see them.
 */
export abstract class Module {
  /** Dropout and similar layers read this; `train()` / `eval()` set it recursively. */
  training = true;
  private readonly params = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();

  constructor() {
    // A proxy sees every field write of subclass constructors, whether compiled as assignments
    // or as class-field definitions (useDefineForClassFields): both reach defineProperty.
    return new Proxy(this, {
      defineProperty: (target, key, desc) => {
        if (typeof key === "string" && "value" in desc) target.registerAssigned(key, desc.value);
        return Reflect.defineProperty(target, key, desc);
      },
    });
  }

  /** `__setattr__`'s bookkeeping for `this[name] = value` (a data field). */
  private registerAssigned(name: string, value: unknown): void {
    if (value instanceof Module) {
      if ([...this.children.values()].includes(value)) return;
      this.params.delete(name);
      this.registerModule(name, value);
    } else if (value instanceof tf.Variable) {
      if ([...this.params.values()].includes(value)) return;
      this.children.delete(name);
      this.registerParameter(name, value);
    } else if (this.children.has(name) || this.params.has(name)) {
      if (value !== undefined && value !== null) {
        const kind = this.children.has(name) ? "child module" : "parameter";
        const expected = this.children.has(name) ? "Module" : "tf.Variable";
        throw new TypeError(`cannot assign '${describe(value)}' as ${kind} '${name}' (${expected} or null expected)`);
      }
      this.children.delete(name);
      this.params.delete(name);
    }
  }

  /** Registers (or replaces) a parameter under `name`; returns it for field assignment. */
  protected registerParameter(name: string, value: tf.Variable): tf.Variable {
    if (name.includes(".")) throw new Error(`parameter name must not contain '.': ${name}`);
    const old = this.params.get(name);
    if (old && old !== value) old.dispose();
    this.params.set(name, value);
    return value;
  }

  /** Registers a sub-module under `name` (its parameters appear as `name.<param>`). */
  protected registerModule<M extends Module>(name: string, module: M): M {
    if (name.includes(".")) throw new Error(`module name must not contain '.': ${name}`);
    this.children.set(name, module);
    return module;
  }

  /** `[name, variable]` pairs, own parameters first, then each child's in registration order. */
  namedParameters(prefix = ""): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    if (prefix === "") for (const [n, p] of out) parameterNames.set(p, n);
    return out;
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Direct children with their names, in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.children];
  }

  /** Like `nn.Module.apply`: calls `fn` on every sub-module (depth first), then on this one. */
  apply(fn: (m: Module) => void): this {
    for (const m of this.children.values()) m.apply(fn);
    fn(this);
    return this;
  }

  train(mode = true): this {
    this.apply((m) => {
      m.training = mode;
    });
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Number of scalar parameters (all are trainable here, as in the original lab's `count_parameters`). */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  /** Copies of every parameter by PyTorch name (caller owns and disposes them). */
  stateDict(): Map<string, tf.Tensor> {
    return new Map(this.namedParameters().map(([n, p]) => [n, p.clone()] as [string, tf.Tensor]));
  }

  /**
   * Throws, listing each mismatched tensor (one line each), unless a state with these tensor names
   * and shapes fits this module exactly.
   */
  assertStateFits(shapes: Map<string, readonly number[]>): void {
    const own = new Map(this.namedParameters());
    const problems: string[] = [];
    for (const [n, p] of own) {
      const s = shapes.get(n);
      if (!s) problems.push(`missing ${n} [${p.shape.join(", ")}]`);
      else if (s.join(",") !== p.shape.join(",")) problems.push(`${n}: expected [${p.shape.join(", ")}], got [${s.join(", ")}]`);
    }
    for (const n of shapes.keys()) if (!own.has(n)) problems.push(`unexpected ${n}`);
    if (problems.length) throw new Error(`state dict does not match the model:\n  ${problems.join("\n  ")}`);
  }

  /**
   * Assigns every parameter from `state`. Refuses (changing nothing) when names or shapes differ,
   * listing each mismatched tensor.
   */
  loadStateDict(state: Map<string, tf.Tensor>): void {
    this.assertStateFits(new Map([...state].map(([n, t]) => [n, t.shape])));
    for (const [n, p] of this.namedParameters()) p.assign(tf.cast(state.get(n)!, p.dtype));
  }

  /** The text inside a leaf module's parentheses in its repr, e.g. `p=0.5` (PyTorch's `extra_repr`). */
  extraRepr(): string {
    return "";
  }

  /** PyTorch's module repr: the tree of named children, leaves with their `extraRepr()`. */
  toString(): string {
    const name = this.constructor.name;
    if (this.children.size === 0) return `${name}(${this.extraRepr()})`;
    const lines = [...this.children].map(([n, m]) => `  (${n}): ${String(m).replace(/\n/g, "\n  ")}`);
    return `${name}(\n${lines.join("\n")}\n)`;
  }

  /** Notebooks (tslab) and console.log show the PyTorch-style repr, not the object's internals. */
  [inspect.custom](): string {
    return this.toString();
  }

  /** Frees every parameter. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}

function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return "tf.Tensor";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}
