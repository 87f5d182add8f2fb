/**
 * The two loops of a Seq2Seq training step that run in C (native/loops): the Adam update over the
 * model's parameters and the cross-entropy (value and gradient) on one batch's logits, each with
 * the native binding's loops, the WebAssembly SIMD module's and the JS ones, interleaved in one
 * run on the wasm backend (medians).
 *
 *   npx tsx bench/loops.ts [--reps N]      (npm run bench -- loops)
 *
 * Sizes are the original lab's: Seq2Seq with vocabularies 7853/5893 (Multi30k, min_freq 2), embeddings
 * 256, hidden 512, 2 layers; logits of a batch of 128 with targets of 30 tokens ([29·128, 5893]).
 * The wasm backend runs on its threaded (shared) heap, as for a student without the binding, even when
 * the binding is loaded here (it is then arranged before the backend starts), so the WebAssembly loops
 * run on the pool's threads and on one beside the native ones. If another bench started the backend
 * first in this process, the heap is what that one made.
 */
import * as tf from "@tensorflow/tfjs-core";
import { record } from "./results";
import {
  forceHeapLoops,
  initBackend,
  singleThreadWasmLoops,
  nativeBlasStatus,
  wantedWasmThreads,
  wasmLoopsFor,
  type HeapLoopsKind,
} from "../lib/engine";
import { enableWasmThreads, finishWasmThreads } from "../lib/engine/wasm-threads";
import { Adam } from "../lib/optim/adam";
import { crossEntropy } from "../lib/nn/losses";
import { manualSeed } from "../lib/random";
import { Encoder, Decoder, Seq2Seq, initWeights, countParameters } from "../reference/seq2seq/model";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const r = argv.indexOf("--reps");
  const reps = r >= 0 ? Number(argv[r + 1]) : 7;
  const native = nativeBlasStatus().loaded;
  // With the binding, initBackend keeps the wasm heap single-threaded: arrange the threaded one here.
  const arranged = native ? enableWasmThreads(wantedWasmThreads()) === undefined : false;
  await initBackend({ backend: "wasm" });
  if (arranged) finishWasmThreads();
  const loopsStatus = wasmLoopsFor(tf.backend());
  const threads = loopsStatus.loaded ? await loopsStatus.ready : 1;
  type Variant = { kind: HeapLoopsKind; threads?: number; name: string };
  const variants: Variant[] = [
    ...(native ? [{ kind: "native", name: "native C (N-API)" } as const] : []),
    ...(threads > 1 ? [{ kind: "wasm", name: `WebAssembly SIMD, ${threads} threads` } as const] : []),
    { kind: "wasm", threads: 1, name: "WebAssembly SIMD, 1 thread" },
    { kind: "js", name: "JS" },
  ];
  manualSeed(1234);
  const model = new Seq2Seq(new Encoder(7853, 256, 512, 2, 0.5), new Decoder(5893, 256, 512, 2, 0.5));
  model.apply((m) => initWeights(m));
  const params = model.parameters();
  const grads = new Map(params.map((p) => [p.name, tf.mul(tf.randomNormal(p.shape, 0, 1, "float32", 7), 1e-3)] as [string, tf.Tensor]));
  const opt = new Adam(params); // one optimizer per parameter set; each round steps it once per kind
  const U = 29 * 128,
    C = 5893,
    pad = 1;
  const logits = tf.mul(tf.randomNormal([U, C], 0, 1, "float32", 8), 3) as tf.Tensor2D;
  const targets = tf.tidy(() => {
    const t = tf.randomUniform([U], 0, C, "int32", 9);
    return tf.where(tf.less(tf.randomUniform([U], 0, 1, "float32", 10), 0.1), tf.fill([U], pad, "int32"), t);
  }) as tf.Tensor1D;
  const lossAndGrad = tf.valueAndGrad((l: tf.Tensor) => crossEntropy(l as tf.Tensor2D, targets, { ignoreIndex: pad }));
  const times = new Map(variants.map((k) => [k, { adam: [] as number[], ce: [] as number[] }]));
  for (let i = 0; i <= reps; i++)
    for (const k of variants) {
      forceHeapLoops(k.kind);
      singleThreadWasmLoops(k.threads === 1);
      opt.zeroGrad(); // frees the previous step's gradients: the optimizer owns what it is given
      const g = new Map([...grads].map(([name, t]) => [name, tf.clone(t)]));
      let t0 = performance.now();
      opt.step(g);
      // wasm kernels finish before they return; reading a small parameter back keeps the timing honest
      // elsewhere without counting an 8 MB copy (and its fresh pages) as part of the update.
      params[params.length - 1].dataSync();
      const adam = performance.now() - t0;
      t0 = performance.now();
      const { value, grad } = lossAndGrad(logits);
      value.dataSync();
      const ce = performance.now() - t0;
      tf.dispose([value, grad]);
      singleThreadWasmLoops(false);
      forceHeapLoops(undefined);
      if (i === 0) continue; // warm-up
      times.get(k)!.adam.push(adam);
      times.get(k)!.ce.push(ce);
    }
  console.log(`Seq2Seq: ${countParameters(model).toLocaleString("en-US")} parameters; logits [${U}, ${C}]; ${reps} rounds after a warm-up`);
  console.log("\n| loops | Adam step (ms, median) | cross-entropy value + gradient (ms, median) |\n|---|---|---|");
  for (const k of variants) {
    const t = times.get(k)!;
    const adam = median(t.adam),
      ce = median(t.ce);
    console.log(`| ${k.name} | ${adam.toFixed(1)} | ${ce.toFixed(1)} |`);
    record({
      bench: "loops",
      measure: `Seq2Seq Adam step, ${k.name} (median)`,
      value: `${adam.toFixed(1)} ms`,
      compare: k.kind === "native" ? undefined : `target ≤ 40 ms without the binding${adam <= 40 ? ": met" : ""}`,
    });
    record({ bench: "loops", measure: `Seq2Seq cross-entropy + gradient, ${k.name} (median)`, value: `${ce.toFixed(1)} ms` });
  }
  opt.zeroGrad();
  opt.dispose();
  tf.dispose([...grads.values(), logits, targets]);
  model.dispose();
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
