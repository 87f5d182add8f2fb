// Instructor's reference implementation (answers to lab tasks): used by tests and benchmarks, never
// shipped to students. lib/ and grading/ must not import reference/ (test/api/exports.test.ts).
import "../../lib/engine/setup";
import * as tf from "@tensorflow/tfjs-core";

/**
 * The original lab's `one_hot_encode(input_, size)`: a float32 vector of `size` zeros with a 1 at `input`
 * (`vec = torch.zeros(size).float(); vec[input_] = 1`).
 */
export function oneHotEncode(input: number, size: number): tf.Tensor1D {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`oneHotEncode: size must be a positive integer, got ${size}`);
  if (!Number.isInteger(input) || input < 0 || input >= size)
    throw new Error(`oneHotEncode: index ${input} is out of range for size ${size}`);
  const v = new Float32Array(size);
  v[input] = 1;
  return tf.tensor1d(v, "float32");
}
