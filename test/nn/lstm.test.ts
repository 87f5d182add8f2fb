import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../../lib/engine/setup";
import { LSTM } from "../../lib/nn/lstm";
import { useLstmKernels } from "../../lib/nn/lstm-kernels";
import { Random } from "../../lib/random";
import { maxAbsDiff, torchReference } from "../fixtures/torch/run";

const TOL = 1e-4;

function loadInto(rnn: LSTM, ref: Map<string, tf.Tensor>): void {
  const state = new Map<string, tf.Tensor>();
  for (const [n] of rnn.namedParameters()) state.set(n, ref.get(`rnn.${n}`)!);
  rnn.loadStateDict(state);
}

test("parameter names, shapes and order follow torch.nn.LSTM", () => {
  const rnn = new LSTM(4, 6, 2, { rng: new Random(1) });
  assert.equal(
    rnn.namedParameters().map(([n, p]) => `${n}:${p.shape.join("x")}`),
    [
      "weight_ih_l0:24x4",
      "weight_hh_l0:24x6",
      "bias_ih_l0:24",
      "bias_hh_l0:24",
      "weight_ih_l1:24x6",
      "weight_hh_l1:24x6",
      "bias_ih_l1:24",
      "bias_hh_l1:24",
    ],
  );
  // PyTorch's default init: U(-1/sqrt(H), 1/sqrt(H)).
  const b = 1 / Math.sqrt(6);
  for (const p of rnn.parameters()) {
    const v = p.dataSync();
    assert.ok(
      v.every((x) => x >= -b && x <= b),
      "init bound",
    );
  }
  rnn.dispose();
});

function compareWithTorch(): void {
  const ref = torchReference("lstm_reference.py");
  if (!ref) return;
  const rnn = new LSTM(4, 6, 2);
  loadInto(rnn, ref);
  const x = ref.get("x") as tf.Tensor3D;
  const h0 = ref.get("h0") as tf.Tensor3D;
  const c0 = ref.get("c0") as tf.Tensor3D;
  const [o, [h, c]] = rnn.forward(x, [h0, c0]);
  assert.ok(maxAbsDiff(o, ref.get("out_state")!) < TOL, "outputs");
  assert.ok(maxAbsDiff(h, ref.get("hidden_state")!) < TOL, "hidden");
  assert.ok(maxAbsDiff(c, ref.get("cell_state")!) < TOL, "cell");

  const loss = (xx: tf.Tensor, hh: tf.Tensor, cc: tf.Tensor): tf.Scalar => {
    const [oo, [hT, cT]] = rnn.forward(xx as tf.Tensor3D, [hh as tf.Tensor3D, cc as tf.Tensor3D]);
    return tf.addN([
      tf.sum(tf.mul(oo, ref.get("w_out")!)),
      tf.sum(tf.mul(hT, ref.get("w_h")!)),
      tf.sum(tf.mul(cT, ref.get("w_c")!)),
    ]) as tf.Scalar;
  };
  const inputGrads = tf.grads(loss)([x, h0, c0]);
  assert.ok(maxAbsDiff(inputGrads[0], ref.get("grad_x")!) < TOL, "grad x");
  assert.ok(maxAbsDiff(inputGrads[1], ref.get("grad_h0")!) < TOL, "grad h0");
  assert.ok(maxAbsDiff(inputGrads[2], ref.get("grad_c0")!) < TOL, "grad c0");
  const { value, grads } = tf.variableGrads(() => loss(x, h0, c0), rnn.parameters());
  assert.ok(Math.abs(value.dataSync()[0] - ref.get("loss")!.dataSync()[0]) < TOL * 10, "loss");
  for (const [n, p] of rnn.namedParameters()) {
    const d = maxAbsDiff(grads[p.name], ref.get(`grad.rnn.${n}`)!);
    assert.ok(d < TOL, `grad ${n}: max diff ${d}`);
  }
}

test("forward, hidden, cell and all gradients match PyTorch (1e-4)", compareWithTorch);

test("the tf-op fallback (backends without our kernels) matches PyTorch too", () => {
  useLstmKernels(false);
  try {
    compareWithTorch();
  } finally {
    useLstmKernels(true);
  }
});

test("no state means zero initial hidden and cell, as in PyTorch", () => {
  const ref = torchReference("lstm_reference.py");
  if (!ref) return;
  const rnn = new LSTM(4, 6, 2);
  loadInto(rnn, ref);
  const [o, [h, c]] = rnn.forward(ref.get("x") as tf.Tensor3D);
  assert.ok(maxAbsDiff(o, ref.get("out_nostate")!) < TOL);
  assert.ok(maxAbsDiff(h, ref.get("hidden_nostate")!) < TOL);
  assert.ok(maxAbsDiff(c, ref.get("cell_nostate")!) < TOL);
});

test("dropout acts between layers only, and only in training mode", () => {
  const rnn = new LSTM(3, 5, 2, { dropout: 0.5, rng: new Random(7) });
  const x = tf.randomNormal([4, 2, 3], 0, 1, "float32", 3) as tf.Tensor3D;
  rnn.eval();
  const [a] = rnn.forward(x);
  const [b] = rnn.forward(x);
  assert.equal(maxAbsDiff(a, b), 0, "eval is deterministic");
  rnn.train();
  const [c] = rnn.forward(x);
  assert.ok(maxAbsDiff(a, c) > 1e-3, "training applies dropout between layers");
  // A single-layer LSTM has no "between layers": dropout must have no effect even in training.
  const one = new LSTM(3, 5, 1, { dropout: 0.5, rng: new Random(7) });
  const [d] = one.forward(x);
  one.eval();
  const [e] = one.forward(x);
  assert.equal(maxAbsDiff(d, e), 0);
});

test("a one-layer LSTM with a given state is differentiable w.r.t. that state (finite differences)", () => {
  const rnn = new LSTM(2, 3, 1, { rng: new Random(8) });
  const x = tf.randomNormal([2, 2, 2], 0, 1, "float32", 4) as tf.Tensor3D;
  const h0 = tf.randomNormal([1, 2, 3], 0, 1, "float32", 5) as tf.Tensor3D;
  const c0 = tf.randomNormal([1, 2, 3], 0, 1, "float32", 6) as tf.Tensor3D;
  const f = (h: tf.Tensor, c: tf.Tensor) => {
    const [o, [hT, cT]] = rnn.forward(x, [h as tf.Tensor3D, c as tf.Tensor3D]);
    return tf.add(tf.add(tf.sum(o), tf.sum(tf.mul(hT, 2))), tf.sum(tf.mul(cT, 3))) as tf.Scalar;
  };
  const [gh, gc] = tf.grads(f)([h0, c0]);
  const eps = 1e-2;
  const hv = h0.dataSync();
  const gv = gh.dataSync();
  for (let i = 0; i < hv.length; i++) {
    const plus = Float32Array.from(hv);
    const minus = Float32Array.from(hv);
    plus[i] += eps;
    minus[i] -= eps;
    const num = (f(tf.tensor3d(plus, [1, 2, 3]), c0).dataSync()[0] - f(tf.tensor3d(minus, [1, 2, 3]), c0).dataSync()[0]) / (2 * eps);
    assert.ok(Math.abs(num - gv[i]) < 2e-3, `dh0[${i}]: numeric ${num} vs ${gv[i]}`);
  }
  assert.equal(gc.shape, [1, 2, 3]);
});

test("bad shapes give clear errors", () => {
  const rnn = new LSTM(3, 5, 2);
  assert.throws(() => rnn.forward(tf.zeros([4, 2, 7]) as tf.Tensor3D), /la entrada tiene 7 features por paso y este LSTM espera 3/);
  assert.throws(
    () => rnn.forward(tf.zeros([4, 2, 3]) as tf.Tensor3D, [tf.zeros([1, 2, 5]), tf.zeros([2, 2, 5])] as [tf.Tensor3D, tf.Tensor3D]),
    /el estado oculto \(hidden\) debe ser \[2, 2, 5\] \(capas, batch, hid_dim\) y es \[1, 2, 5\]/,
  );
  assert.throws(() => new LSTM(3, 0, 1), /hiddenSize must be a positive integer/);
});

test.run();
