import * as tf from "@tensorflow/tfjs-core";

/**
 * Readable text for a parameter, like PyTorch's `print(layer.weight)`:
 * "Parameter containing:\ntensor([[0., 1., ...]], requires_grad=True)" becomes
 * "Parameter containing:\nTensor\n    [[0, 1, ...]]" (tfjs's own tensor formatting).
 */
export function formatParameter(p: tf.Tensor): string {
  return `Parameter containing:\n${p.toString()}`;
}

/** Validates a tensor assigned as a parameter: exact shape, finite float. */
export function checkAssigned(what: string, t: unknown, shape: number[]): tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw new Error(`${what} must be a tf.Tensor, got ${typeof t}`);
  const s: number[] = (t as tf.Tensor).shape;
  if (t.isDisposed) throw new Error(`${what}: the tensor is disposed`);
  if (s.length !== shape.length || s.some((d, i) => d !== shape[i]))
    throw new Error(`${what} must have shape [${shape.join(", ")}], got [${s.join(", ")}]`);
  return t as tf.Tensor;
}

/** A trainable variable holding `t`'s values (float32); `t` itself is left to the caller. */
export function variableFrom(t: tf.Tensor): tf.Variable {
  const c = tf.cast(t, "float32");
  const v = tf.variable(c);
  c.dispose();
  return v;
}

/** A trainable float32 variable from raw values (no tensor is left behind). */
export function variableFromValues(values: Float32Array, shape: number[]): tf.Variable {
  const t = tf.tensor(values, shape, "float32");
  const v = tf.variable(t);
  t.dispose();
  return v;
}
