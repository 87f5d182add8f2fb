import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";

/**
 * `x.argmax(axis)` as int32 ids detached from the gradient tape, for feeding a model's own
 * predictions back in (the original lab's `top1 = output.argmax(1)`). In PyTorch argmax has no gradient;
 * in tfjs an argMax result used as `gather` indices stays on the tape and the backward pass then
 * tries to differentiate the lookup w.r.t. integer indices, so the ids are rebuilt off the tape.
 */
export function argmaxNoGrad(x: tf.Tensor, axis = -1): tf.Tensor {
  const ids = tf.argMax(x, axis);
  const out = tf.tensor(ids.dataSync() as Int32Array, ids.shape, "int32");
  ids.dispose();
  return out;
}
