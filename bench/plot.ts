/**
 * `npm run bench -- plot [--quick]`: what the notebook's pictures cost.
 *
 * 1. Render time of each chart (spec -> Vega-Lite + PNG + text bundle), first call and then the
 *    median/max of repeated calls (target: < 300 ms after the first).
 * 2. Overhead of live progress on training: one epoch of the notebook's Word2Vec training (real
 *    tweets, batch 2^16, AdamW, the selected backend) with and without a progress bar + live loss
 *    chart, as the notebook cell would use them; rounds alternate the order (A B, B A, ...) since
 *    the machine is shared and only ratios within one run mean anything. Display messages go to a
 *    sink that does what tslab does with them (JSON + HMAC-SHA256 signature). Target: < 3%.
 *    `--synthetic`: the same on a loop of short CPU-bound "batches" (many updates, no data needed).
 * 3. Per-call costs: bar.update() when nothing is sent, one sent live-chart update (no PNG).
 *
 *   npm run bench -- plot [--quick] [--synthetic]
 */
import { record } from "./results";
import { createHmac } from "node:crypto";
import { chartBundle } from "../lib/plot";
import { setDisplaySink, DisplayMessage } from "../lib/notebook";
import { lineChartSpec, seq2seqHistorySpec } from "../lib/plot/charts";
import { embeddingPcaChart } from "../lib/plot/embedding";
import { marksSummarySpec } from "../lib/plot/marks";
import { progressBar, liveLossChart } from "../lib/progress";
import { initBackend, deviceDescription } from "../lib/engine";
import { loadTweets } from "../lib/data/tweets";
import { splitTokens } from "../lib/text/preprocess";
import { Counter, filterCounts } from "../lib/text/counter";
import { buildVocab, makeRemoveRareTokens, makeWindowizer } from "../reference/word2vec/vocab";
import { DataLoader, Word2VecDataset } from "../lib/word2vec/data";
import { Word2Vec } from "../lib/word2vec/model";
import { WORD2VEC_HYPERPARAMETERS as H, trainWord2Vec } from "../reference/word2vec/train";
import { AdamW } from "../lib/optim/adam";
import { manualSeed } from "../lib/random";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
}

/** A sink that costs what tslab's message sending costs (serialise + sign). */
function tslabLikeSink(): { sink: (m: DisplayMessage, u: boolean) => void; sent: () => number } {
  let n = 0;
  const key = "0123456789abcdef0123456789abcdef";
  return {
    sink: (m, u) => {
      const header = JSON.stringify({ msg_type: u ? "update_display_data" : "display_data", msg_id: String(n) });
      const content = JSON.stringify(m);
      createHmac("sha256", key).update(header).update("{}").update("{}").update(content).digest("hex");
      n++;
    },
    sent: () => n,
  };
}

function renderBench(reps: number): void {
  const r = rng(1);
  const vocab = 3000;
  const vecs = Array.from({ length: vocab }, () => Array.from({ length: 50 }, () => r()));
  const id2tok = new Map(vecs.map((_, i) => [i, `w${i}`] as [number, string]));
  const probes = ["w1", "w2", "w3", "w4"].map((w, k) => ({
    word: w,
    neighbours: Array.from({ length: 10 }, (_, i) => `w${100 + 10 * k + i}`),
  }));
  const charts: Array<[string, () => Record<string, unknown>]> = [
    ["Word2Vec loss (3 epochs)", () => lineChartSpec([{ name: "Loss", values: [7.1, 6.5, 6.2] }], { title: "Pérdida" })],
    [
      "Seq2Seq history (7 epochs)",
      () => seq2seqHistorySpec({ train: [5, 4.5, 4.2, 4, 3.8, 3.7, 3.6], valid: [5, 4.7, 4.5, 4.4, 4.3, 4.3, 4.2] }),
    ],
    [`embedding PCA (${vocab}×50, incl. PCA)`, () => embeddingPcaChart(vecs, id2tok, probes).spec],
    [
      "marks per part",
      () =>
        marksSummarySpec([
          { name: "Parte 1", earned: 31, possible: 31, checks: 11, failed: 0 },
          { name: "Parte 2", earned: 25, possible: 50, checks: 2, failed: 1 },
        ]),
    ],
    [
      "live chart, 1500 points",
      () =>
        lineChartSpec([{ name: "loss", values: Array.from({ length: 1500 }, (_, i) => 8 - i / 500 + r()) }], { title: "Pérdida por lote" }),
    ],
  ];
  console.log("render: spec -> bundle (Vega-Lite + PNG + text), ms");
  let worst = 0;
  for (const [name, make] of charts) {
    let t0 = performance.now();
    const b = chartBundle(make(), "t");
    const first = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      t0 = performance.now();
      chartBundle(make(), "t");
      times.push(performance.now() - t0);
    }
    const png = Buffer.byteLength(String(b.bundle["image/png"] ?? ""), "base64");
    worst = Math.max(worst, median(times));
    console.log(
      `  ${name.padEnd(38)} first ${first.toFixed(0).padStart(4)}  median ${median(times).toFixed(0).padStart(4)}  max ${Math.max(...times)
        .toFixed(0)
        .padStart(4)}  PNG ${(png / 1024).toFixed(0)} KiB`,
    );
  }
  console.log(`  worst median after the first: ${worst.toFixed(0)} ms (target < 300 ms): ${worst < 300 ? "ok" : "OVER"}`);
  record({
    bench: "plot",
    measure: "chart render, worst median after the first",
    value: `${worst.toFixed(0)} ms`,
    compare: "target < 300 ms",
  });
}

/** A CPU-bound stand-in for one training batch (~ms milliseconds of float work). */
function makeBatch(ms: number): () => number {
  const a = new Float64Array(1 << 16).map((_, i) => Math.sin(i));
  let k = 1;
  // calibrate the loop count to the requested duration
  const t0 = performance.now();
  let acc = 0;
  for (let i = 0; i < 200; i++) for (let j = 0; j < a.length; j++) acc += a[j] * a[(j + i) & (a.length - 1)];
  const perPass = (performance.now() - t0) / 200;
  k = Math.max(1, Math.round(ms / perPass));
  return () => {
    let s = acc * 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < a.length; j++) s += a[j] * a[(j + i) & (a.length - 1)];
    return s;
  };
}

function loop(batches: number, batch: () => number, live: boolean): number {
  const t0 = performance.now();
  const bar = live ? progressBar({ total: batches, label: "Época 1" }) : null;
  const chart = live ? liveLossChart({ title: "Pérdida por lote" }) : null;
  let sink = 0;
  for (let i = 0; i < batches; i++) {
    const loss = 5 + batch() * 1e-12 - i / batches;
    sink += loss;
    bar?.update({ loss });
    chart?.push(loss);
  }
  bar?.close();
  chart?.close();
  if (!Number.isFinite(sink)) throw new Error("unreachable");
  return performance.now() - t0;
}

/**
 * The notebook's Word2Vec training (`epochs` epochs), with or without the live display used as the
 * notebook cell would (one chart, one bar per epoch). Returns wall seconds and the seconds spent
 * inside the display calls (measured around each call: a direct, low-noise share).
 */
async function word2vecRun(ds: Word2VecDataset, nV: number, epochs: number, live: boolean): Promise<{ secs: number; inside: number }> {
  manualSeed(2023);
  const loader = new DataLoader(ds, { batchSize: H.batchSize, shuffle: true, seed: 2023 });
  const model = new Word2Vec(nV, H.embedSize);
  const optimizer = new AdamW(model.parameters(), { lr: H.lr });
  let inside = 0;
  const timed = (fn: () => void) => {
    const t = performance.now();
    fn();
    inside += performance.now() - t;
  };
  const t0 = performance.now();
  let chart: ReturnType<typeof liveLossChart> | null = null;
  let bar: ReturnType<typeof progressBar> | null = null;
  if (live) timed(() => (chart = liveLossChart({ title: "Word2Vec: pérdida por lote" })));
  await trainWord2Vec(model, loader, {
    epochs,
    optimizer,
    yieldEveryBatch: false,
    onBatch: live
      ? (p) =>
          timed(() => {
            if (p.batch === 0) bar = progressBar({ total: p.batches, label: `Época ${p.epoch}` });
            bar!.update({ loss: p.loss });
            chart!.push(p.loss);
            if (p.batch === p.batches - 1) bar!.close();
          })
      : undefined,
  });
  if (live) timed(() => chart!.close());
  const secs = (performance.now() - t0) / 1000;
  optimizer.dispose();
  model.dispose();
  return { secs, inside: inside / 1000 };
}

async function word2vecOverhead(rounds: number, epochs: number): Promise<void> {
  const info = await initBackend();
  const dataset = loadTweets().map(splitTokens);
  const counts = filterCounts(new Counter(dataset.train.column("all_tokens").flat()), 10);
  const { vocab, n_v, tok2id } = buildVocab(counts);
  const ds = new Word2VecDataset(dataset.map(makeRemoveRareTokens(vocab)).map(makeWindowizer(tok2id, 3)).train, n_v);
  const s = tslabLikeSink();
  const prev = setDisplaySink(s.sink);
  try {
    await word2vecRun(ds, n_v, 1, true); // warm-up: backend kernels, vega, resvg, fonts
    const without: number[] = [];
    const withLive: number[] = [];
    const share: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // alternate the order so drift in machine load hits both alike
      const order = r % 2 === 0 ? [false, true] : [true, false];
      for (const live of order) {
        const res = await word2vecRun(ds, n_v, epochs, live);
        if (live) {
          withLive.push(res.secs);
          share.push((100 * res.inside) / (res.secs - res.inside));
        } else without.push(res.secs);
      }
    }
    const batches = Math.ceil(ds.length / H.batchSize);
    report(`Word2Vec, ${epochs} epoch(s) × ${batches} batches (${deviceDescription(info).replace(/^Using: /, "")})`, without, withLive);
    console.log(
      `  time inside the display calls / training time: ${share.map((x) => x.toFixed(2) + "%").join(", ")} (median ` +
        `${median(share).toFixed(2)}%, target < 3%: ${median(share) < 3 ? "ok" : "OVER"})`,
    );
  } finally {
    setDisplaySink(prev);
  }
}

function report(what: string, without: number[], withLive: number[]): void {
  const a = median(without);
  const b = median(withLive);
  const pct = (100 * (b - a)) / a;
  console.log(`  ${what}: without ${a.toFixed(2)} s, with bar + live chart ${b.toFixed(2)} s (medians of ${without.length})`);
  record({ bench: "plot", measure: `live progress overhead: ${what}`, value: `${pct.toFixed(2)}%`, compare: "target < 3%" });
  console.log(
    `  overhead ${pct.toFixed(2)}% (target < 3%): ${pct < 3 ? "ok" : "OVER"}   [per round: ` +
      `${without.map((w, i) => ((100 * (withLive[i] - w)) / w).toFixed(1) + "%").join(", ")}]`,
  );
}

function overheadBench(batches: number, batchMs: number, rounds: number): void {
  const s = tslabLikeSink();
  const prev = setDisplaySink(s.sink);
  try {
    const batch = makeBatch(batchMs);
    loop(5, batch, true); // warm up (vega, resvg, fonts)
    const without: number[] = [];
    const withLive: number[] = [];
    let messages = 0;
    for (let r = 0; r < rounds; r++) {
      const before = s.sent();
      if (r % 2 === 0) {
        without.push(loop(batches, batch, false) / 1000);
        withLive.push(loop(batches, batch, true) / 1000);
      } else {
        withLive.push(loop(batches, batch, true) / 1000);
        without.push(loop(batches, batch, false) / 1000);
      }
      messages = s.sent() - before;
    }
    report(`synthetic: ${batches} CPU-bound batches of ~${batchMs} ms, ${messages} display messages per run`, without, withLive);
  } finally {
    setDisplaySink(prev);
  }
}

function perCallBench(): void {
  const s = tslabLikeSink();
  const prev = setDisplaySink(s.sink);
  try {
    const bar = progressBar({ total: 1e9, intervalMs: 1e12 });
    const n = 1_000_000;
    let t0 = performance.now();
    for (let i = 0; i < n; i++) bar.update({ loss: i });
    const perUpdate = ((performance.now() - t0) * 1e6) / n;
    const chart = liveLossChart({ intervalMs: 0, pngBudget: 0 });
    for (let i = 0; i < 1500; i++) chart.push(Math.sin(i), i);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      t0 = performance.now();
      chart.push(1);
      times.push(performance.now() - t0);
    }
    console.log(
      `  bar.update() without sending: ${perUpdate.toFixed(0)} ns; live-chart update with 1500 points (Vega-Lite + text, sent): ` +
        `${median(times).toFixed(2)} ms`,
    );
  } finally {
    setDisplaySink(prev);
  }
}

export async function main(argv: string[] = []): Promise<void> {
  const quick = argv.includes("--quick");
  const synthetic = argv.includes("--synthetic");
  const unknown = argv.filter((a) => a !== "--quick" && a !== "--synthetic");
  if (unknown.length) throw new Error(`bench plot: unknown option(s) ${unknown.join(" ")} (use --quick, --synthetic)`);
  renderBench(quick ? 3 : 10);
  console.log("live progress overhead (tslab-like sink)");
  if (synthetic) overheadBench(quick ? 200 : 400, 25, quick ? 2 : 4);
  else await word2vecOverhead(quick ? 2 : 3, quick ? 1 : H.epochs);
  perCallBench();
}

if (require.main === module)
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
