import * as tf from "@tensorflow/tfjs-core";
import { Random, globalRandom } from "../random";

/**
 * `nn.init.uniform_`: fills `param` in place with U(a, b) draws. Values come from our seeded
 * generator (the process-wide one unless `rng` is given) so a run is reproducible from one seed.
 */
export function uniform_(param: tf.Variable, a: number, b: number, rng?: Random): tf.Variable {
  if (!(Number.isFinite(a) && Number.isFinite(b)) || a > b) throw new Error(`uniform_: need finite a <= b, got a=${a}, b=${b}`);
  if (param.dtype !== "float32") throw new Error(`uniform_: parameter must be float32, got ${param.dtype}`);
  const r = rng ?? globalRandom;
  const n = param.size;
  const values = new Float32Array(n);
  const w = b - a;
  for (let i = 0; i < n; i++) values[i] = a + w * r.random();
  const t = tf.tensor(values, param.shape, "float32");
  param.assign(t);
  t.dispose();
  return param;
}
