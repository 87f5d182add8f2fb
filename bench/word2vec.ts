/**
 * Word2Vec training speed on the real tweets (854k pairs, V = 3085, E = 50, batch 2**16, AdamW):
 *  - the notebook's 3 epochs on the selected backend: epoch time, pairs/s, losses;
 *  - on wasm, what each kernel fix buys (ratios of per-step times measured in this run);
 *  - PyTorch (Debian's /usr/bin/python3, 2 threads) training the same model the straightforward
 *    way (logits for every pair) at the same batch size, timed over a few batches and extrapolated.
 * Target: our 3 epochs ≤ half of PyTorch's 3 epochs.
 *
 *   npx tsx bench/word2vec.ts [--no-torch] [--steps N]
 */
import { record } from "./results";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs-core";
import { deviceDescription, initBackend, installWasmKernelFixes, type WasmKernelFixes } from "../lib/engine";
import { loadTweets } from "../lib/data/tweets";
import { splitTokens } from "../lib/text/preprocess";
import { Counter, filterCounts } from "../lib/text/counter";
import { buildVocab, makeRemoveRareTokens, makeWindowizer } from "../reference/word2vec/vocab";
import { DataLoader, Word2VecBatch, Word2VecDataset, type PairBatch } from "../lib/word2vec/data";
import { crossEntropy } from "../lib/nn/losses";
import { Word2Vec } from "../lib/word2vec/model";
import { groupedPairLoss } from "../lib/word2vec/loss";
import { WORD2VEC_HYPERPARAMETERS as H, trainWord2Vec } from "../reference/word2vec/train";
import { AdamW } from "../lib/optim/adam";
import { manualSeed } from "../lib/random";
import { torchEnv } from "./torch-env";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s: number) => `${s.toFixed(2)} s`;

function buildDataset(): { ds: Word2VecDataset; nV: number } {
  const dataset = loadTweets().map(splitTokens);
  const counts = filterCounts(new Counter(dataset.train.column("all_tokens").flat()), 10);
  const { vocab, n_v, tok2id } = buildVocab(counts);
  const windowed = dataset.map(makeRemoveRareTokens(vocab)).map(makeWindowizer(tok2id, 3));
  return { ds: new Word2VecDataset(windowed.train, n_v), nV: n_v };
}

/**
 * Median seconds of one training step (loss, gradients, AdamW) per configuration. Configurations
 * run round-robin on the same batches (each with its own model), so load from other processes
 * affects them alike; the first round is a warm-up.
 */
type StepConfig = { fixes: WasmKernelFixes; fused: boolean; notebook?: boolean };

/** The notebook's step: the loader's grouping, then `model.forward(batch.context)` and `crossEntropy`. */
function notebookLoss(model: Word2Vec, pairs: PairBatch, nV: number): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const batch = new Word2VecBatch(pairs, nV);
  try {
    return tf.variableGrads(() => crossEntropy(model.forward(batch.context), batch.center), model.parameters());
  } finally {
    batch.dispose();
  }
}

function stepSeconds(nV: number, batches: PairBatch[], configs: StepConfig[]): number[] {
  const runs = configs.map(() => {
    manualSeed(1);
    const model = new Word2Vec(nV, H.embedSize);
    return { model, opt: new AdamW(model.parameters(), { lr: H.lr }), times: [] as number[] };
  });
  batches.forEach((b, i) => {
    configs.forEach((c, k) => {
      const { model, opt, times } = runs[k];
      installWasmKernelFixes(c.fixes);
      const t0 = performance.now();
      opt.zeroGrad();
      const { value, grads } = c.notebook
        ? notebookLoss(model, b, nV)
        : tf.variableGrads(() => groupedPairLoss(model, b, { fused: c.fused }), model.parameters());
      value.dataSync();
      opt.step(grads);
      tf.dispose([value, ...Object.values(grads)]);
      model.parameters()[0].dataSync();
      if (i > 0) times.push((performance.now() - t0) / 1000);
    });
  });
  installWasmKernelFixes();
  for (const r of runs) {
    r.opt.dispose();
    r.model.dispose();
  }
  return runs.map((r) => median(r.times));
}

function torchBatchSeconds(batches: PairBatch[], nV: number): { s: number; threads: number; version: string } | string {
  const py = "/usr/bin/python3";
  if (!fs.existsSync(py)) return "no /usr/bin/python3";
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lab4-w2v-")), "pairs.bin");
  const center = new Int32Array(batches.length * H.batchSize);
  const context = new Int32Array(batches.length * H.batchSize);
  batches.forEach((b, i) => {
    center.set(b.center, i * H.batchSize);
    context.set(b.context, i * H.batchSize);
  });
  fs.writeFileSync(file, Buffer.concat([Buffer.from(center.buffer), Buffer.from(context.buffer)]));
  const r = spawnSync(
    py,
    [path.join(__dirname, "word2vec_torch.py"), file, String(nV), String(H.batchSize), String(H.lr), String(batches.length - 1), "2"],
    {
      env: torchEnv("tuned"),
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (r.status !== 0) return `PyTorch run failed: ${(r.stderr || String(r.error)).trim().split("\n").pop()}`;
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { batch_s: number[]; threads: number; torch: string };
  return { s: median(out.batch_s), threads: out.threads, version: out.torch };
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const noTorch = argv.includes("--no-torch");
  const stepsArg = argv.indexOf("--steps");
  const steps = stepsArg >= 0 ? Number(argv[stepsArg + 1]) : 5;
  const info = await initBackend();
  console.log(`# Word2Vec bench — ${deviceDescription(info)}`);
  let t0 = performance.now();
  const { ds, nV } = buildDataset();
  console.log(`data: ${ds.length} pairs, vocabulary ${nV} (${fmt((performance.now() - t0) / 1000)} to preprocess)`);
  console.log(`hyperparameters: batch ${H.batchSize}, embed ${H.embedSize}, AdamW lr ${H.lr}, ${H.epochs} epochs`);

  // 1. The notebook's training run.
  manualSeed(2023);
  const loader = new DataLoader(ds, { batchSize: H.batchSize, shuffle: true });
  const model = new Word2Vec(nV, H.embedSize);
  const opt = new AdamW(model.parameters(), { lr: H.lr });
  t0 = performance.now();
  const r = await trainWord2Vec(model, loader, { epochs: H.epochs, optimizer: opt, yieldEveryBatch: false });
  const total = (performance.now() - t0) / 1000;
  opt.dispose();
  model.dispose();
  console.log(`\n## ${H.epochs} epochs on ${info.name}: ${fmt(total)} (${loader.length} batches per epoch)`);
  record({ bench: "word2vec", measure: `${H.epochs} epochs, batch ${H.batchSize} (${info.name})`, value: fmt(total) });
  r.epochSeconds.forEach((s, e) =>
    console.log(`  epoch ${e}: ${fmt(s)}, ${Math.round(ds.length / s).toLocaleString("en")} pairs/s, loss ${r.runningLoss[e].toFixed(4)}`),
  );

  const batches: PairBatch[] = [];
  for (const b of new DataLoader(ds, { batchSize: H.batchSize, shuffle: true, seed: 7 })) {
    if (b.center.length === H.batchSize) batches.push(b.pairs);
    if (batches.length === steps + 1) break;
  }

  // 2. What the wasm fixes buy (same batches, per-step medians).
  if (info.name === "wasm") {
    console.log(`\n## wasm kernel fixes (median step over ${steps} batches of ${H.batchSize} pairs after a warm-up)`);
    const configs: Array<{ label: string } & StepConfig> = [
      { label: "all fixes (fused loss kernel, matmul wrapper, zero-copy Identity)", fixes: {}, fused: true },
      {
        label: "  the notebook's lines (grouped batch, model.forward(context), crossEntropy(logits, center))",
        fixes: {},
        fused: true,
        notebook: true,
      },
      { label: "  without the fused loss kernel (tf.losses.softmaxCrossEntropy)", fixes: {}, fused: false },
      { label: "  without the matmul wrapper (stock BatchMatMul)", fixes: { matMul: false }, fused: true },
      { label: "  without zero-copy Identity", fixes: { zeroCopyIdentity: false }, fused: true },
      {
        label: "stock kernels + softmaxCrossEntropy (UnsortedSegmentSum kept: stock wasm cannot train)",
        fixes: { matMul: false, zeroCopyIdentity: false },
        fused: false,
      },
    ];
    const secs = stepSeconds(nV, batches, configs);
    configs.forEach((c, k) =>
      console.log(`  ${c.label}: ${(secs[k] * 1000).toFixed(0)} ms/step (${(secs[k] / secs[0]).toFixed(2)}× the fixed step)`),
    );
  }

  // 3. PyTorch at the same batch size.
  if (noTorch) return;
  const torch = torchBatchSeconds(batches, nV);
  if (typeof torch === "string") {
    console.log(`\nPyTorch comparison skipped: ${torch}`);
  } else {
    const torchEpoch = torch.s * loader.length;
    console.log(
      `\n## PyTorch ${torch.version} (${torch.threads} threads, logits for every pair, tuned: bench/torch-env.ts) ` +
        `at batch ${H.batchSize}`,
    );
    console.log(
      `  ${(torch.s * 1000).toFixed(0)} ms/batch (median of ${steps}) → ~${fmt(torchEpoch)} per epoch, ` +
        `~${fmt(H.epochs * torchEpoch)} for ${H.epochs} epochs`,
    );
    const ratio = total / (H.epochs * torchEpoch);
    console.log(`  ours / PyTorch for ${H.epochs} epochs: ${ratio.toFixed(2)} (target ≤ 0.50: ${ratio <= 0.5 ? "met" : "NOT met"})`);
    record({
      bench: "word2vec",
      measure: `PyTorch ${torch.version}, ${torch.threads} threads, tuned, same batches`,
      value: `~${fmt(H.epochs * torchEpoch)}`,
      compare: `ours ${ratio.toFixed(2)}× PyTorch (target ≤ 0.50)`,
    });
  }
  console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
