import * as tf from "@tensorflow/tfjs-core";

/**
 * A tiny correctness check of the active backend with hand-computed answers: a transposed
 * matmul, the gradient of gather (UnsortedSegmentSum) and of a matmul, and logSoftmax.
 * Throws an Error naming the first failing check. Takes milliseconds.
 */
export function selfTest(): void {
  const close = (name: string, got: ArrayLike<number>, want: number[]) => {
    if (got.length !== want.length || want.some((w, i) => !(Math.abs(got[i] - w) <= 1e-4 * (1 + Math.abs(w)))))
      throw new Error(`backend self-test '${name}' failed: got [${Array.from(got).join(", ")}], want [${want.join(", ")}]`);
  };
  tf.tidy(() => {
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const b = tf.tensor2d([
      [5, 6],
      [7, 8],
    ]);
    close("matMul(a, b, transposeB)", tf.matMul(a, b, false, true).dataSync(), [17, 23, 39, 53]);
    close("matMul(a, b, transposeA)", tf.matMul(a, b, true, false).dataSync(), [26, 30, 38, 44]);

    // f(x, w) = Σ (gather(x, [0, 0, 2]) · w) ⊙ c  with x [3, 2], w [2, 2]
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const w = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const c = tf.tensor2d([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    const idx = tf.tensor1d([0, 0, 2], "int32");
    const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.matMul(tf.gather(xx, idx), ww as tf.Tensor2D), c)))([x, w]);
    // d/dx: rows 0 get c-rows 0 and 1 (·wᵀ = identity) → [3, 3]; row 2 gets [3, 3]
    close("grad of gather", g[0].dataSync(), [3, 3, 0, 0, 3, 3]);
    // d/dw = gatheredᵀ · c = [[1,1,5],[2,2,6]] · [[1,1],[2,2],[3,3]]
    close("grad of matMul", g[1].dataSync(), [18, 18, 24, 24]);

    const ls = tf.logSoftmax(tf.tensor2d([[0, Math.log(3)]]));
    close("logSoftmax", ls.dataSync(), [Math.log(0.25), Math.log(0.75)]);
  });
}
