/**
 * Module registers what is assigned to it, as PyTorch's `nn.Module.__setattr__`: children and
 * parameters by field name, in assignment order; `registerModule` still names them explicitly.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine";
import { Module } from "../../lib/nn/module";
import { Linear } from "../../lib/nn/linear";
import { Embedding } from "../../lib/nn/embedding";
import { Adam } from "../../lib/optim/adam";

test.before(async () => {
  await initBackend({ backend: "wasm" });
});

const names = (m: Module) => m.namedParameters().map(([n]) => n);

test("fields: a Module is a child, a tf.Variable a parameter, in assignment order; other values are ignored", () => {
  class Net extends Module {
    declared: Linear | undefined; // a declared field defined as undefined before the constructor assigns it
    scale: tf.Variable;
    size = 3;
    layers: Linear[];
    constructor() {
      super();
      this.declared = new Linear(2, 3);
      this.scale = tf.variable(tf.ones([3]));
      this.layers = [new Linear(3, 3)]; // as PyTorch: a plain array is not registered (ModuleList is)
      this.emb = new Embedding(4, 2);
    }
    emb: Embedding;
  }
  const n = new Net();
  assert.equal(names(n), ["scale", "declared.weight", "declared.bias", "emb.weight"]);
  assert.equal(
    n.namedChildren().map(([k]) => k),
    ["declared", "emb"],
  );
  assert.is(n.parameters().length, 4);
  assert.is(String(n), "Net(\n  (declared): Linear(in_features=2, out_features=3, bias=True)\n  (emb): Embedding(4, 2)\n)");
  n.dispose();
});

test("registerModule keeps working and is not registered twice under the field's name", () => {
  class Net extends Module {
    fcOut: Linear;
    constructor() {
      super();
      this.fcOut = this.registerModule("fc_out", new Linear(2, 2));
    }
  }
  const n = new Net();
  assert.equal(names(n), ["fc_out.weight", "fc_out.bias"]);
  // Linear's own private field holding its registered weight is not a second parameter either
  assert.equal(names(new Linear(2, 2)), ["weight", "bias"]);
});

test("reassigning keeps the position; null removes; a wrong type is refused naming the field", () => {
  class Net extends Module {
    a: Linear | null = new Linear(1, 1);
    b = new Linear(1, 2);
  }
  const n = new Net();
  n.a = new Linear(1, 3);
  assert.equal(
    n.namedParameters().map(([k, p]) => [k, p.shape]),
    [
      ["a.weight", [3, 1]],
      ["a.bias", [3]],
      ["b.weight", [2, 1]],
      ["b.bias", [2]],
    ],
  );
  n.a = null;
  assert.equal(names(n), ["b.weight", "b.bias"]);
  assert.throws(() => ((n as unknown as { b: unknown }).b = 5), /cannot assign 'number' as child module 'b'/);
  assert.equal(names(n), ["b.weight", "b.bias"]);
});

test("a layer created but never used in forward: the first optimizer step warns in Spanish, naming it", () => {
  class Net extends Module {
    used = new Linear(2, 2);
    unused = new Linear(2, 2);
    forward(x: tf.Tensor): tf.Tensor {
      return this.used.forward(x);
    }
  }
  const n = new Net();
  const opt = new Adam(n.parameters());
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.join(" "));
  try {
    for (let i = 0; i < 2; i++) {
      opt.zeroGrad();
      const { grads } = tf.variableGrads(() => tf.sum(n.forward(tf.ones([1, 2]))) as tf.Scalar);
      opt.step(grads);
    }
  } finally {
    console.warn = warn;
  }
  assert.is(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /unused\.weight, unused\.bias no recibieron gradiente/);
  assert.match(warnings[0], /la capa unused se creó .* no se usa en forward/);
  opt.dispose();
  n.dispose();
});

test.run();
