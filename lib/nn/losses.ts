import "../engine/setup";
import * as tf from "@tensorflow/tfjs-core";
import { defineKernel } from "../engine/kernels";
import { GroupedTargets, isGroupInput } from "./grouped-targets";

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (PyTorch's `ignore_index`, default -100). */
  ignoreIndex?: number;
  /** Use the fused JS kernel on cpu/wasm (default true); false forces tensor ops (tests). */
  fused?: boolean;
}

/** Shapes and dtypes of `crossEntropy(logits, targets)`, with Spanish errors naming the usual fix. */
function checkCrossEntropyArgs(logits: tf.Tensor, targets: tf.Tensor): void {
  const shape = (t: tf.Tensor) => `[${t.shape.join(", ")}]`;
  if (logits.dtype === "int32" && targets.dtype !== "int32")
    throw new Error(
      `crossEntropy: los argumentos están invertidos (recibió ${logits.dtype} ${shape(logits)} y ${targets.dtype} ${shape(targets)}): ` +
        "primero las predicciones (float32 [N, clases]) y después los objetivos (índices int32 [N])",
    );
  if (logits.rank !== 2)
    throw new Error(
      `crossEntropy: las predicciones deben ser [N, clases] y son ${shape(logits)}: ` +
        "aplánelas con tf.reshape(output, [-1, output_dim]) (el .view(-1, output_dim) del original)",
    );
  if (targets.rank !== 1 || targets.shape[0] !== logits.shape[0])
    throw new Error(
      `crossEntropy: hay ${logits.shape[0]} filas de predicciones y los objetivos son ${shape(targets)}, deben ser [${logits.shape[0]}]: ` +
        "aplánelos con tf.reshape(trg, [-1]) y quite el primer paso a ambos (output[1:] y trg[1:])",
    );
  if (targets.dtype !== "int32")
    throw new Error(`crossEntropy: los objetivos deben ser índices int32 y son ${targets.dtype}: conviértalos con tf.cast(trg, "int32")`);
}

/** `crossEntropy(logits, grouped)`: shapes and classes checked in Spanish, then the paired kernel. */
function groupedCrossEntropy(logits: tf.Tensor, targets: GroupedTargets, opts: CrossEntropyOptions): tf.Scalar {
  const shape = `[${logits.shape.join(", ")}]`;
  if (logits.dtype === "int32")
    throw new Error(
      `crossEntropy: las predicciones son índices int32 ${shape}: pase primero los logits del modelo y después los objetivos`,
    );
  if (logits.rank !== 2 || logits.shape[0] !== targets.numGroups)
    throw new Error(
      `crossEntropy: los objetivos agrupados esperan logits [${targets.numGroups}, clases] (una fila por palabra de contexto ` +
        `distinta del lote) y las predicciones son ${shape}: calcúlelas con model.forward(context) del mismo lote`,
    );
  const c = logits.shape[1]!; // rank 2, checked above
  const t = targets.centers;
  for (let i = 0; i < t.length; i++)
    if (!(t[i] >= 0 && t[i] < c))
      throw new Error(
        `crossEntropy: el objetivo ${t[i]} del par ${i} está fuera de [0, ${c}): las predicciones tienen ${c} clases ` +
          "(¿la capa de salida tiene el tamaño del vocabulario?)",
      );
  return pairedCrossEntropy(logits as tf.Tensor2D, targets.rows, targets.centers, opts);
}

/**
 * `nn.CrossEntropyLoss()(logits, targets)`: mean over the non-ignored rows of
 * −log softmax(logits[i])[targets[i]]. logits [N, C] float, targets [N] int32 in [0, C) or
 * `ignoreIndex`. If every target is ignored the result is NaN, as in PyTorch.
 *
 * With `GroupedTargets` (Word2Vec's batches): logits [groups, C], one row per group, and the mean
 * over the pairs of −log softmax(logits[rows[i]])[centers[i]] — the per-pair loss without
 * repeating a row for every pair of its group.
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor | GroupedTargets, opts: CrossEntropyOptions = {}): tf.Scalar {
  if (!(logits instanceof tf.Tensor))
    throw new Error(
      `crossEntropy: las predicciones deben ser un tensor y recibió ${describe(logits)}: ` +
        "primero los logits del modelo (logits = model.forward(...)) y después los objetivos",
    );
  if (targets instanceof GroupedTargets) return groupedCrossEntropy(logits, targets, opts);
  if (!(targets instanceof tf.Tensor))
    throw new Error(`crossEntropy: los objetivos deben ser un tensor de índices int32 y recibió ${describe(targets)}`);
  if (isGroupInput(targets))
    throw new Error(
      "crossEntropy: los objetivos son las palabras de contexto del lote (la entrada del modelo): " +
        "la pérdida compara los logits con las palabras centrales, loss_fn(logits, center)",
    );
  const ignoreIndex = opts.ignoreIndex ?? -100;
  checkCrossEntropyArgs(logits, targets);
  const c = logits.shape[1]!; // rank 2, checked above
  const t = targets.dataSync();
  let kept = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === ignoreIndex) continue;
    if (t[i] < 0 || t[i] >= c)
      throw new Error(
        `crossEntropy: el objetivo ${t[i]} de la fila ${i} está fuera de [0, ${c}): las predicciones tienen ${c} clases ` +
          "(¿la capa de salida tiene el tamaño del vocabulario de destino?)",
      );
    kept++;
  }
  const rows = new Int32Array(kept);
  const tg = new Int32Array(kept);
  for (let i = 0, k = 0; i < t.length; i++)
    if (t[i] !== ignoreIndex) {
      rows[k] = i;
      tg[k++] = t[i];
    }
  return pairedCrossEntropy(logits as tf.Tensor2D, rows, tg, opts);
}

function describe(x: unknown): string {
  if (x === null || typeof x !== "object") return String(x);
  return (x as object).constructor?.name ?? "un objeto";
}

const KERNEL = "Lab4PairedSoftmaxCE";

/**
 * Loss and d(loss)/d(logits) of the mean over pairs i of −log softmax(z[rows[i]])[targets[i]], in
 * three passes over z (row max; exp and sum; pair terms). Rows no pair uses get zero gradient and
 * cost nothing. Returns the loss; `grad` (if given) is fully overwritten.
 */
export function pairedSoftmaxCE(
  z: Float32Array,
  numRows: number,
  numClasses: number,
  rows: ArrayLike<number>,
  targets: ArrayLike<number>,
  grad: Float32Array | null,
): number {
  const C = numClasses;
  const B = rows.length;
  const n = new Float64Array(numRows);
  for (let i = 0; i < B; i++) n[rows[i]]++;
  const lse = new Float64Array(numRows);
  for (let u = 0; u < numRows; u++) {
    const o = u * C;
    if (n[u] === 0) {
      grad?.fill(0, o, o + C);
      continue;
    }
    let m = -Infinity;
    for (let k = o; k < o + C; k++) if (z[k] > m) m = z[k];
    let s = 0;
    if (grad) {
      for (let k = o; k < o + C; k++) {
        const e = Math.exp(z[k] - m);
        grad[k] = e;
        s += e;
      }
    } else for (let k = o; k < o + C; k++) s += Math.exp(z[k] - m);
    lse[u] = m + Math.log(s);
    if (grad) {
      const scale = n[u] / (B * s);
      for (let k = o; k < o + C; k++) grad[k] *= scale;
    }
  }
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const k = rows[i] * C + targets[i];
    loss += lse[rows[i]] - z[k];
    if (grad) grad[k] -= 1 / B;
  }
  return loss / B;
}

// Attribute withGrad: [loss, grad] when true, [loss] only when false (the forward pass: the gradient
// is computed in the backward pass, so no [U, C] buffer is allocated while the forward's own
// [U, C] intermediates are all still alive — that was the Seq2Seq step's memory peak).
const kernel = defineKernel({
  name: KERNEL,
  run: (ctx, { inputs, attrs }) => {
    const { logits, rows, targets } = inputs as Record<string, tf.TensorInfo>;
    const withGrad = attrs?.withGrad !== false;
    const [U, C] = logits.shape;
    const loss = ctx.alloc([]);
    const grad = withGrad ? ctx.alloc([U, C]) : null;
    const z = ctx.view(logits) as Float32Array; // views after the allocations
    const rv = ctx.view(rows);
    const tv = ctx.view(targets);
    const gv = grad ? (ctx.view(grad) as Float32Array) : null;
    // On wasm, the same loops in C (native/loops: the binding or the WebAssembly module), with a vectorised exp.
    const loops = ctx.loops();
    const value =
      loops && rv instanceof Int32Array && tv instanceof Int32Array
        ? loops.pairedSoftmaxCE(z, U, C, rv, tv, gv)
        : pairedSoftmaxCE(z, U, C, rv, tv, gv);
    (ctx.view(loss) as Float32Array)[0] = value;
    return grad ? [loss, grad] : [loss];
  },
});

/**
 * Mean cross-entropy over pairs (rows[i], targets[i]) whose logits are row `rows[i]` of `logits`:
 * equal, value and gradient, to `crossEntropy(tf.gather(logits, rows), targets)` without
 * materialising the gathered [pairs, C] block. Word2Vec uses it with one logits row per distinct
 * context word; `crossEntropy` with rows = the non-ignored positions.
 *
 * On cpu/wasm the loss and its gradient come from one JS kernel (`pairedSoftmaxCE`: 3 passes over
 * the logits, ~3× faster than tf.losses.softmaxCrossEntropy's ops on wasm and without its [U, C]
 * temporaries). Elsewhere: tf.losses.softmaxCrossEntropy with soft labels counts[u]/n_u weighted
 * n_u/B — its fused gradient (softmax − labels)·weight needs label rows that sum to 1.
 */
export function pairedCrossEntropy(logits: tf.Tensor2D, rows: Int32Array, targets: Int32Array, opts: { fused?: boolean } = {}): tf.Scalar {
  if (logits.rank !== 2) throw new Error(`pairedCrossEntropy: logits must be [U, C], got [${logits.shape.join(", ")}]`);
  const [U, C] = logits.shape;
  if (rows.length !== targets.length) throw new Error(`pairedCrossEntropy: ${rows.length} rows but ${targets.length} targets`);
  for (let i = 0; i < rows.length; i++) {
    if (!(rows[i] >= 0 && rows[i] < U)) throw new Error(`pairedCrossEntropy: row ${rows[i]} is out of range [0, ${U})`);
    if (!(targets[i] >= 0 && targets[i] < C)) throw new Error(`pairedCrossEntropy: target ${targets[i]} is out of range [0, ${C})`);
  }
  const lg = logits.dtype === "float32" ? logits : (tf.cast(logits, "float32") as tf.Tensor2D);
  try {
    if ((opts.fused ?? true) && kernel.available()) {
      // tfjs types customGrad's arguments as (Tensor | GradSaveFunc)[]; ours are (x, save).
      const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
        const x = args[0] as tf.Tensor;
        const save = args[1] as tf.GradSaveFunc;
        const run = (z: tf.Tensor, withGrad: boolean): tf.Tensor[] => {
          const r = tf.tensor1d(rows, "int32");
          const t = tf.tensor1d(targets, "int32");
          try {
            return kernel.run({ logits: z, rows: r, targets: t }, { withGrad });
          } finally {
            tf.dispose([r, t]);
          }
        };
        const [loss] = run(x, false);
        save([x]);
        const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [l, grad] = run(saved[0], true);
          l.dispose();
          // dy is 1 when this loss is what is differentiated (the usual case): skip a full pass.
          if (dy.size === 1 && dy.dataSync()[0] === 1) return grad;
          const g = tf.mul(grad, dy);
          grad.dispose();
          return g;
        };
        return { value: loss, gradFunc };
      });
      return f(lg) as tf.Scalar;
    }
    return opsPairedCrossEntropy(lg, rows, targets);
  } finally {
    if (lg !== logits) lg.dispose();
  }
}

function opsPairedCrossEntropy(logits: tf.Tensor2D, rows: Int32Array, targets: Int32Array): tf.Scalar {
  const [U, C] = logits.shape;
  const B = rows.length;
  const n = new Float64Array(U);
  for (let i = 0; i < B; i++) n[rows[i]]++;
  const labels = new Float32Array(U * C);
  for (let i = 0; i < B; i++) labels[rows[i] * C + targets[i]] += 1 / n[rows[i]];
  const weights = Float32Array.from(n, (v) => v / B); // B = 0: NaN weights, NaN loss (as PyTorch)
  return tf.tidy(() =>
    tf.losses.softmaxCrossEntropy(tf.tensor2d(labels, [U, C]), logits, tf.tensor1d(weights), 0, tf.Reduction.SUM),
  ) as tf.Scalar;
}

/**
 * Mean cross-entropy over pairs summarised by counts: with `counts[u][c]` = how many pairs have
 * input row u and target class c, returns Σ_u Σ_c counts[u][c]·(−log softmax(logits[u])[c]) / total
 * — exactly the mean `crossEntropy` over those pairs (and the same gradient) with one logits row per
 * distinct input instead of one per pair. `total` defaults to Σ counts.
 *
 * Implemented as softmaxCrossEntropy with soft labels counts[u]/n_u weighted by n_u/total: the fused
 * gradient (softmax − labels)·weight needs rows of labels that sum to 1.
 */
export function countsCrossEntropy(logits: tf.Tensor2D, counts: tf.Tensor2D | Float32Array, total?: number): tf.Scalar {
  if (logits.rank !== 2) throw new Error(`countsCrossEntropy: logits must be [U, C], got [${logits.shape.join(", ")}]`);
  const [u, c] = logits.shape;
  const cnt = counts instanceof Float32Array ? counts : (counts.dataSync() as Float32Array);
  if (cnt.length !== u * c) throw new Error(`countsCrossEntropy: counts must have ${u}×${c} entries, got ${cnt.length}`);
  const rowSum = new Float32Array(u);
  const labels = new Float32Array(u * c);
  let sum = 0;
  for (let r = 0; r < u; r++) {
    let s = 0;
    for (let k = r * c; k < (r + 1) * c; k++) {
      const v = cnt[k];
      if (!(v >= 0)) throw new Error(`countsCrossEntropy: counts must be non-negative, got ${v} at row ${r}`);
      s += v;
    }
    rowSum[r] = s;
    sum += s;
    if (s > 0) for (let k = r * c; k < (r + 1) * c; k++) labels[k] = cnt[k] / s;
  }
  const n = total ?? sum;
  if (!(n > 0)) throw new Error("countsCrossEntropy: the counts are all zero (no pairs)");
  return tf.tidy(() => {
    const w = tf.tensor1d(rowSum.map((s) => s / n));
    return tf.losses.softmaxCrossEntropy(tf.tensor2d(labels, [u, c]), logits, w, 0, tf.Reduction.SUM);
  }) as tf.Scalar;
}
