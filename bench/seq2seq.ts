/**
 * Seq2Seq training step at the original lab's sizes (batch 128, ENC/DEC_EMB 256, HID 512, 2 layers,
 * dropout 0.5, Multi30k vocabularies 7853/5893) on real Multi30k batches, on the selected tfjs
 * backend, against PyTorch's step on the same CPU measured in the same run (bench/seq2seq_torch.py
 * on the very same batches).
 *
 *   npx tsx bench/seq2seq.ts [--steps N] [--variants notebook,fused] [--no-torch] [--scaling 1,2 | --no-scaling]
 *
 * --scaling 1,2 (the default) also runs the notebook variant on the wasm backend alone (LAB4_NATIVE_BLAS=0,
 *   what a student without the native GEMM gets) with LAB4_WASM_THREADS=1 and 2, each in its own process
 *   (the pool is sized at start), their steps interleaved with PyTorch's and ours; printed as a second table.
 *   The wasm threads of this process itself follow LAB4_WASM_THREADS (lib/engine/wasm-threads.ts).
 * --tfjs-backprop runs every variant with tfjs's own backpropagation instead of the engine's (lib/engine/tape-memory.ts,
 *   which `initBackend` installs, so the notebook trains with it: memory freed early, per-step gradients added in place).
 * --torch-threads N runs PyTorch with N intra-op threads (default: as many as our products use, the native
 *   GEMM's threads or else the wasm pool's).
 * --torch tuned|stock|both (default both): PyTorch as tuned for this kind of machine, with its defaults, or
 *   both (bench/torch-env.ts). Ratios are taken against "tuned" when it runs. Every row says its minor
 *   page faults per step (first touches of memory, costly on a VM).
 * OpenBLAS's kernels: PyTorch runs without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, this process with what it
 *   was given; the bench prints both kernels' names. Compare alike: `env -u OPENBLAS_CORETYPE -u
 *   OPENBLAS_L2_SIZE npm run bench -- seq2seq`.
 * --peak-detail prints the tensor sizes live at the allocation peak and where that allocation came from.
 * --losses prints every round's loss of each variant to the last bit (to compare two builds).
 * --longest takes the N longest training batches (the memory peak) instead of the first N.
 * --profile prints, per variant, the kernels that took the most time in the counted steps and the time spent
 *   inside the native GEMM (calls, GFLOP, GFLOP/s) against the rest of the step, then the products' shapes that
 *   took the most of it.
 * The wasm heap only grows: run one variant per process to read its memory peak.
 *
 * Variants (all the same model, weights, batches and maths):
 *   taped     the LSTM written as per-step tf ops recorded on the tape (a direct port; the engine's
 *             kernel fixes are active), decoder called step by step
 *   ops       our whole-layer LSTM op (hand-written BPTT) but its element-wise step in plain tf ops
 *             (the fallback for backends without our kernels), decoder step by step
 *   stepwise  our LSTM op with the in-place step kernels, decoder step by step (the original lab's loop)
 *   fused     additionally the whole decoding loop as one op (Seq2Seq's default)
 *   notebook  the solution notebook's Seq2Seq.forward and train() (step by step, tf.stack of the
 *             outputs, tf.slice(output, 1): views on wasm, lib/engine/views.ts)
 *   consume   the notebook variant as its cells were before views: stackRows and rowSlice, each
 *             input disposed by hand once stacked or sliced (for the memory comparison)
 * A "+tfjs" suffix (e.g. notebook+tfjs) runs that variant with tfjs's own backpropagation (see --tfjs-backprop);
 * "+fix", the engine's, is the default and accepted for older command lines.
 *
 * A step is what the original lab's train() does per batch: forward with teacher forcing 0.5, CE loss
 * (ignore pad), backward, clip_grad_norm_(1), Adam step. The first step of each variant is a
 * warm-up (kernel setup, weight caches) and is not counted. Prints one table; times are medians.
 */
import { record } from "./results";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn, type ChildProcess } from "child_process";
import * as readline from "readline";
import * as tf from "@tensorflow/tfjs-core";
import "../lib/engine/setup";
import { initBackend, type BackendInfo } from "../lib/engine";
import { Field, Multi30k, BucketIterator, type Batch } from "../lib/torchtext";
import { tokenizeDe, tokenizeEn } from "../lib/text/spacy";
import { Encoder, Decoder, Seq2Seq, initWeights, countParameters } from "../reference/seq2seq/model";
import { clipGradNorm } from "../lib/optim/clip";
import { Adam } from "../lib/optim/adam";
import { crossEntropy } from "../lib/nn/losses";
import { writeSafetensors } from "../lib/checkpoint/safetensors";
import { manualSeed, globalRandom } from "../lib/random";
import { LSTM } from "../lib/nn/lstm";
import { useLstmKernels } from "../lib/nn/lstm-kernels";
import { rowSlice, stackRows } from "../lib/nn/rows";
import { dropout } from "../lib/nn/dropout";
import { installTapeMemoryFix, uninstallTapeMemoryFix } from "../lib/engine/tape-memory";
import { nativeBlas, type NativeBlas } from "../lib/engine/kernels";
import { torchEnv, kernelsLine, type TorchSetup } from "./torch-env";

const KNOWN = ["taped", "ops", "stepwise", "fused", "notebook", "consume"];

/**
 * The original lab's Seq2Seq.forward as the solution notebook writes it (notebooks/source/lab4.ipynb):
 * decoder called step by step, `tf.argMax`, outputs collected with `tf.stack` (the "notebook"
 * variant; everything else is our Encoder/Decoder). `oldCells`: stackRows, then the parts disposed.
 */
class NotebookSeq2Seq extends Seq2Seq {
  oldCells = false;
  override forward(src: tf.Tensor2D, trg: tf.Tensor2D, ratio = 0.5): tf.Tensor3D {
    const [trgLen, batch] = trg.shape;
    const outputs: tf.Tensor2D[] = [tf.zeros([batch, this.decoder.outputDim])];
    let [hidden, cell] = this.encoder.forward(src);
    const steps = tf.unstack(trg) as tf.Tensor1D[];
    let input = steps[0];
    for (let t = 1; t < trgLen; t++) {
      let output: tf.Tensor2D;
      [output, hidden, cell] = this.decoder.forward(input, hidden, cell);
      outputs.push(output);
      const teacherForce = globalRandom.random() < ratio;
      const top1 = tf.argMax(output, 1) as tf.Tensor1D;
      input = teacherForce ? steps[t] : top1;
    }
    if (!this.oldCells) return tf.stack(outputs) as tf.Tensor3D;
    const stacked = stackRows<tf.Tensor3D>(outputs);
    tf.dispose(outputs);
    return stacked;
  }
}

interface Options {
  steps: number;
  variants: string[];
  withTorch: boolean;
  /** LAB4_WASM_THREADS values for the wasm-only scaling table (empty: none). */
  scaling: number[];
  /** Run as a step server for the scaling table (the parent's --scaling). */
  serve: boolean;
  tfjsBackprop: boolean;
  profile: boolean;
  longest: boolean;
  torchSetups: TorchSetup[];
}

function threadCount(s: string): number {
  const n = Number(s);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`--scaling takes thread counts like 1,2: ${s} is not one`);
  return n;
}

function parseArgs(argv: string[]): Options {
  const arg = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  const variants = arg("variants", "notebook,fused").split(",");
  for (const v of variants)
    if (!KNOWN.includes(v.replace(/\+(fix|tfjs)$/, "")))
      throw new Error(`unknown variant ${v}: use ${KNOWN.join(", ")} (optionally +tfjs)`);
  const setup = arg("torch", "both");
  if (!["tuned", "stock", "both"].includes(setup)) throw new Error(`--torch takes tuned, stock or both, not ${setup}`);
  const steps = Number(arg("steps", "4"));
  if (!(Number.isInteger(steps) && steps >= 2)) throw new Error(`--steps must be an integer >= 2 (the first is a warm-up), got ${steps}`);
  return {
    steps,
    variants,
    withTorch: !argv.includes("--no-torch"),
    scaling: argv.includes("--no-scaling") ? [] : arg("scaling", "1,2").split(",").map(threadCount),
    serve: argv.includes("--serve"),
    tfjsBackprop: argv.includes("--tfjs-backprop"),
    profile: argv.includes("--profile"),
    longest: argv.includes("--longest"),
    torchSetups: setup === "both" ? ["tuned", "stock"] : [setup as TorchSetup],
  };
}

/** A direct port of nn.LSTM's forward as per-step tf ops on the tape (the "taped" variant). */
function tapedLstmForward(this: LSTM, x: tf.Tensor3D, state?: [tf.Tensor3D, tf.Tensor3D]): [tf.Tensor3D, [tf.Tensor3D, tf.Tensor3D]] {
  const [T, B] = x.shape;
  const H = this.hiddenSize;
  const p = new Map(this.namedParameters());
  return tf.tidy(() => {
    // (tf.slice, not tf.unstack/tf.split: their gradients fail for a single piece in tfjs 4.22)
    const pieces = (t: tf.Tensor3D) =>
      Array.from({ length: t.shape[0] }, (_, i) => tf.reshape(tf.slice(t, [i, 0, 0], [1, -1, -1]), [B, -1]) as tf.Tensor2D);
    const hs0 = state ? pieces(state[0]) : null;
    const cs0 = state ? pieces(state[1]) : null;
    let layerIn = pieces(x);
    const hT: tf.Tensor2D[] = [];
    const cT: tf.Tensor2D[] = [];
    for (let k = 0; k < this.numLayers; k++) {
      const wIh = p.get(`weight_ih_l${k}`) as tf.Tensor2D;
      const wHh = p.get(`weight_hh_l${k}`) as tf.Tensor2D;
      const b = tf.add(p.get(`bias_ih_l${k}`) as tf.Tensor, p.get(`bias_hh_l${k}`) as tf.Tensor);
      let h: tf.Tensor2D = hs0 ? hs0[k] : tf.zeros([B, H]);
      let c: tf.Tensor2D = cs0 ? cs0[k] : tf.zeros([B, H]);
      const outs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const gates = tf.add(tf.add(tf.matMul(layerIn[t], wIh, false, true), tf.matMul(h, wHh, false, true)), b);
        const [i, f, g, o] = tf.split(gates, 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
        outs.push(h);
      }
      hT.push(h);
      cT.push(c);
      layerIn = k < this.numLayers - 1 && this.training && this.dropout > 0 ? outs.map((o) => dropout(o, this.dropout)) : outs;
    }
    return [tf.stack(layerIn) as tf.Tensor3D, [tf.stack(hT) as tf.Tensor3D, tf.stack(cT) as tf.Tensor3D]] as [
      tf.Tensor3D,
      [tf.Tensor3D, tf.Tensor3D],
    ];
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * A training step in another process, as a server: PyTorch's (bench/seq2seq_torch.py serve) or this
 * bench's own (--serve, for the wasm-only scaling table), so their steps interleave with ours. The
 * server prints {"ready", "threads"} once, then {"s", "loss"} for each stdin line "<batch index>".
 */
class Stepper {
  private readonly proc: ChildProcess;
  private readonly waiting: Array<(line: string) => void> = [];
  private readonly lines: string[] = [];
  threads = 0;
  detail = "";

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv, name: string) {
    this.proc = spawn(command, args, {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const rl = readline.createInterface({ input: this.proc.stdout as NodeJS.ReadableStream });
    rl.on("line", (line) => {
      if (!line.startsWith("{")) return; // anything else the server prints
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    let err = "";
    this.proc.stderr?.on("data", (d) => (err += String(d)));
    this.proc.on("exit", (code) => {
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: `${name} exited (${code}): ${err.trim().split("\n").pop()}` }));
    });
    this.proc.on("error", (e) => {
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: e.message }));
    });
  }

  private next(): Promise<Record<string, unknown>> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(JSON.parse(l));
    return new Promise((r) => this.waiting.push((line) => r(JSON.parse(line))));
  }

  async ready(): Promise<string | null> {
    const m = await this.next();
    if (m.error) return String(m.error);
    this.threads = Number(m.threads);
    this.detail = String(m.detail ?? "");
    return null;
  }

  async step(i: number): Promise<{ s: number; loss: number; faults: number }> {
    this.proc.stdin?.write(`${i}\n`);
    const m = await this.next();
    if (m.error) throw new Error(String(m.error));
    return { s: Number(m.s), loss: Number(m.loss), faults: Number(m.faults) };
  }

  close(): void {
    this.proc.stdin?.end();
  }
}

/** PyTorch's step (threads: its intra-op threads; default its own choice). */
function torchStepper(file: string, setup: TorchSetup, threads?: number): Stepper {
  const args = [path.join(__dirname, "seq2seq_torch.py"), file, "serve", ...(threads ? [String(threads)] : [])];
  return new Stepper("/usr/bin/python3", args, torchEnv(setup), `PyTorch (${setup})`);
}

/** The notebook variant on the wasm backend alone with `threads` wasm threads, same batches and weights. */
function wasmOnlyStepper(argv: string[], threads: number): Stepper {
  const keep = ["--steps", "--longest", "--tfjs-backprop"];
  const args = argv.filter((a, i) => keep.includes(a) || (argv[i - 1] === "--steps" && !a.startsWith("--")));
  const env = { ...process.env, LAB4_NATIVE_BLAS: "0", LAB4_WASM_THREADS: String(threads), LAB4_BACKEND: "wasm" };
  return new Stepper(process.execPath, ["--import", "tsx", __filename, "--serve", ...args], env, `wasm-only (${threads} threads)`);
}

interface Phase {
  fwd: number;
  bwd: number;
  clip: number;
  adam: number;
  total: number;
  /** CPU time of this process in the step (ms, all its threads): less sensitive to other load than `total`. */
  cpu: number;
  /** Minor page faults of this process in the step (first touches of memory). */
  faults: number;
  loss: number;
}

/** One batch of the notebook's train(): zeroGrad, forward + CE, backward, clip, Adam (which owns grads and loss). */
function step(model: Seq2Seq, opt: Adam, batch: Batch, pad: number): Phase {
  const faults0 = process.resourceUsage().minorPageFault;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  opt.zeroGrad();
  let tFwd = 0;
  const { value, grads } = tf.variableGrads(() => {
    const output = model.forward(batch.src, batch.trg);
    const [len, , dim] = output.shape;
    // output[1:], trg[1:] as the notebook's train() writes them (before views: rowSlice, output freed)
    let out: tf.Tensor2D;
    let tgt: tf.Tensor1D;
    if (model instanceof NotebookSeq2Seq && model.oldCells) {
      out = tf.reshape(rowSlice(output, 1, len - 1), [-1, dim]) as tf.Tensor2D;
      output.dispose();
      tgt = tf.reshape(rowSlice(batch.trg, 1, len - 1), [-1]) as tf.Tensor1D;
    } else {
      out = tf.reshape(tf.slice(output, 1), [-1, dim]) as tf.Tensor2D;
      tgt = tf.reshape(tf.slice(batch.trg, 1), [-1]) as tf.Tensor1D;
    }
    const loss = crossEntropy(out, tgt, { ignoreIndex: pad });
    loss.dataSync();
    tFwd = performance.now();
    return loss;
  }, model.parameters());
  const loss = value.dataSync()[0];
  const t1 = performance.now();
  clipGradNorm(grads, 1);
  const t2 = performance.now();
  opt.step(grads);
  // Nothing to wait for: wasm kernels run synchronously, and the notebook reads only the loss.
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const faults = process.resourceUsage().minorPageFault - faults0;
  return {
    fwd: tFwd - t0,
    bwd: t1 - tFwd,
    clip: t2 - t1,
    adam: t3 - t2,
    total: t3 - t0,
    cpu: (cpu.user + cpu.system) / 1000,
    faults,
    loss,
  };
}

/** Time, calls and FLOPs of the products of one shape, e.g. "128x2048x1024 NT +C" (m x n x k, op(A) op(B)). */
type GemmShapes = Map<string, { ms: number; calls: number; gflop: number }>;

/** What the native GEMM's products took: in all, and by shape. */
interface GemmTally {
  ms: number;
  cpuMs: number;
  calls: number;
  gflop: number;
  byShape: GemmShapes;
}

const gemmTally = (): GemmTally => ({ ms: 0, cpuMs: 0, calls: 0, gflop: 0, byShape: new Map() });

/** Wraps the native GEMM (for --profile): while `to` is set, every product adds its time and FLOPs to it. */
function timeGemm(blas: NativeBlas): { to?: GemmTally } {
  const sink: { to?: GemmTally } = {};
  const sgemm = blas.sgemm.bind(blas);
  blas.sgemm = (a, b, c, m, n, k, tA, tB, beta) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    sgemm(a, b, c, m, n, k, tA, tB, beta);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const t = sink.to;
    if (!t) return;
    const gflop = (2 * m * n * k) / 1e9;
    t.ms += ms;
    t.cpuMs += (cpu.user + cpu.system) / 1000;
    t.calls++;
    t.gflop += gflop;
    const key = `${m}x${n}x${k} ${tA ? "T" : "N"}${tB ? "T" : "N"}${beta ? " +C" : ""}`;
    const e = t.byShape.get(key) ?? { ms: 0, calls: 0, gflop: 0 };
    t.byShape.set(key, { ms: e.ms + ms, calls: e.calls + 1, gflop: e.gflop + gflop });
  };
  return sink;
}

/** The wasm heap's size (it only grows): the high-water mark of tensor memory on that backend. */
function wasmHeap(): string {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  const n = b.wasm?.HEAPU8?.length;
  return n ? `, wasm heap ${(n / 2 ** 30).toFixed(2)} GiB` : "";
}

/** `npm run bench seq2seq [-- --steps N --variants a,b --no-torch --scaling 1,2]`. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const {
    steps: STEPS,
    variants: VARIANTS,
    withTorch: WITH_TORCH,
    scaling,
    serve,
    tfjsBackprop,
    profile,
    longest,
    torchSetups,
  } = parseArgs(argv);
  const peakDetail = argv.includes("--peak-detail");
  const tt = argv.indexOf("--torch-threads");
  const torchThreadsArg = tt >= 0 ? Number(argv[tt + 1]) : undefined;
  // The scaling table's servers start first: they build their batches while we build ours.
  const wasmOnly = serve
    ? []
    : scaling.map((t) => ({ t, stepper: wasmOnlyStepper(argv, t), times: [] as number[], faults: [] as number[], loss: NaN }));
  const info = await initBackend();
  // PyTorch gets as many threads as our products use (the native GEMM's, else the wasm pool's).
  const blas = nativeBlas();
  const torchThreads = torchThreadsArg ?? blas?.threads() ?? info.threads ?? 1;
  const gemm = profile && blas && !serve ? timeGemm(blas) : undefined;
  if (!serve)
    console.log(
      `backend: ${info.name} (${(info.details ?? []).join(", ")}); node ${process.version}; ${os.cpus().length} CPUs; load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
  const SRC = new Field({ tokenize: tokenizeDe, init_token: "<sos>", eos_token: "<eos>", lower: true });
  const TRG = new Field({ tokenize: tokenizeEn, init_token: "<sos>", eos_token: "<eos>", lower: true });
  const [train] = Multi30k.splits({ exts: [".de", ".en"], fields: [SRC, TRG] });
  SRC.buildVocab(train, { minFreq: 2 });
  TRG.buildVocab(train, { minFreq: 2 });
  const inputDim = SRC.vocab.length;
  const outputDim = TRG.vocab.length;
  const pad = TRG.vocab.stoi["<pad>"];
  const it = new BucketIterator(train, { batch_size: 128, train: true, seed: 1234 });
  const batches: Batch[] = [];
  for (const b of it) {
    if (longest) {
      batches.push(b.keep());
      // keep the STEPS longest seen so far (by padded tokens)
      batches.sort((x, y) => y.src.shape[0] + y.trg.shape[0] - (x.src.shape[0] + x.trg.shape[0]));
      for (const d of batches.splice(STEPS)) tf.dispose([d.src, d.trg]);
      continue;
    }
    batches.push(b.keep());
    if (batches.length === STEPS) break;
  }
  if (serve) return serveSteps(info, batches, inputDim, outputDim, pad, tfjsBackprop);
  console.log(
    `vocab ${inputDim}/${outputDim}; batches [src len, trg len]: ${batches.map((b) => `[${b.src.shape[0]}, ${b.trg.shape[0]}]`).join(" ")}`,
  );

  // Live/peak bytes of the tensor allocations (the backend's _malloc/_free), to tell the tensors'
  // own peak from the heap's growth (fragmentation).
  const alloc = { live: 0, peak: 0, sizes: new Map<number, number>() };
  let allocPeakEver = 0; // (alloc.peak is reset at each step)
  const mod = (tf.backend() as unknown as { wasm?: { _malloc(n: number): number; _free(p: number): void } }).wasm;
  if (mod) {
    const malloc = mod._malloc.bind(mod);
    const free = mod._free.bind(mod);
    mod._malloc = (n: number) => {
      const ptr = malloc(n);
      alloc.sizes.set(ptr, n);
      alloc.live += n;
      if (alloc.live > alloc.peak && peakDetail) {
        const hist = new Map<number, number>();
        for (const v of alloc.sizes.values()) hist.set(v, (hist.get(v) ?? 0) + 1);
        (alloc as unknown as { snap: string }).snap =
          [...hist]
            .map(([sz, c]) => [sz * c, sz, c])
            .sort((a, b) => b[0] - a[0])
            .slice(0, 14)
            .map(([t, sz, c]) => `${(sz / 2 ** 20).toFixed(1)}MBx${c}=${(t / 2 ** 20).toFixed(0)}`)
            .join(" ") +
          " | " +
          new Error().stack
            ?.split("\n")
            .slice(2, 9)
            .map((l) => l.trim().replace(/\(.*\/(.*)\)/, "$1"))
            .join(" < ");
      }
      alloc.peak = Math.max(alloc.peak, alloc.live);
      return ptr;
    };
    mod._free = (ptr: number) => {
      alloc.live -= alloc.sizes.get(ptr) ?? 0;
      alloc.sizes.delete(ptr);
      free(ptr);
    };
  }
  const rows: Array<[string, number, string]> = [];
  let torchMedian = NaN;
  const torches: Array<{ setup: TorchSetup; stepper: Stepper; times: number[]; faults: number[]; loss: number }> = [];
  let dir = "";
  if (WITH_TORCH) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-bench-"));
    const file = path.join(dir, "batches.safetensors");
    const m = new Map<string, tf.Tensor>();
    batches.forEach((b, i) => {
      m.set(`src_${i}`, b.src);
      m.set(`trg_${i}`, b.trg);
    });
    writeSafetensors(file, m, { input_dim: String(inputDim), output_dim: String(outputDim), pad: String(pad) });
    for (const setup of torchSetups) {
      const stepper = torchStepper(file, setup, torchThreads);
      const problem = await stepper.ready();
      if (problem) console.log(`PyTorch (${setup}) not measured: ${problem}`);
      else torches.push({ setup, stepper, times: [], faults: [], loss: NaN });
    }
    if (torches.length) console.log(kernelsLine(blas?.config(), torches[0].stepper.detail));
  }
  for (const w of wasmOnly.splice(0)) {
    const problem = await w.stepper.ready();
    if (problem) console.log(`wasm-only with ${w.t} threads not measured: ${problem}`);
    else wasmOnly.push(w);
  }

  // Every variant gets the same initial weights; steps run round-robin (PyTorch, then each variant
  // on the same batch) so that load changes on this shared machine hit all of them alike.
  const lstmForward = LSTM.prototype.forward;
  const configure = (variant: string) => {
    const base = variant.replace(/\+(fix|tfjs)$/, "");
    LSTM.prototype.forward = base === "taped" ? tapedLstmForward : lstmForward;
    useLstmKernels(base !== "ops");
    if (tfjsBackprop || variant.endsWith("+tfjs")) uninstallTapeMemoryFix();
    else if (!installTapeMemoryFix()) throw new Error("the engine's backprop does not apply to this tfjs version");
  };
  const runs = VARIANTS.map((variant) => {
    configure(variant);
    manualSeed(1234);
    const Model = variant.startsWith("notebook") || variant.startsWith("consume") ? NotebookSeq2Seq : Seq2Seq;
    const model = new Model(new Encoder(inputDim, 256, 512, 2, 0.5), new Decoder(outputDim, 256, 512, 2, 0.5), {
      fused: variant.startsWith("fused"),
    });
    model.apply((m) => initWeights(m));
    if (model instanceof NotebookSeq2Seq) model.oldCells = variant.startsWith("consume");
    return {
      variant,
      model,
      opt: new Adam(model.parameters()),
      phases: [] as Phase[],
      tensorsAfter: [] as number[],
      kernels: new Map<string, [number, number]>(),
      gemm: gemmTally(),
      peakBytes: 0,
      heapPeaks: [] as number[],
    };
  });
  console.log(`parameters: ${countParameters(runs[0].model).toLocaleString("en-US")}`);
  for (let i = 0; i < STEPS; i++) {
    for (const t of torches) {
      const r = await t.stepper.step(i % batches.length);
      t.times.push(r.s);
      t.faults.push(r.faults);
      if (i === 0) t.loss = r.loss;
    }
    for (const w of wasmOnly) {
      const r = await w.stepper.step(i % batches.length);
      w.times.push(r.s);
      w.faults.push(r.faults);
      if (i === 0) w.loss = r.loss;
    }
    for (const run of runs) {
      configure(run.variant);
      if (profile && i > 0) {
        let phase: Phase | undefined;
        if (gemm) gemm.to = run.gemm;
        const info = await tf.profile(() => {
          phase = step(run.model, run.opt, batches[i % batches.length], pad);
        });
        run.peakBytes = Math.max(run.peakBytes, info.peakBytes);
        for (const k of info.kernels) {
          const [ms, n] = run.kernels.get(k.name) ?? [0, 0];
          run.kernels.set(k.name, [ms + (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0), n + 1]);
        }
        run.phases.push(phase as Phase);
        if (gemm) gemm.to = undefined;
      } else {
        // The step's high-water mark of live tensor allocations on the wasm heap, over its start.
        const base = alloc.live;
        allocPeakEver = Math.max(allocPeakEver, alloc.peak);
        alloc.peak = base;
        run.phases.push(step(run.model, run.opt, batches[i % batches.length], pad));
        run.heapPeaks.push(alloc.peak - base);
      }
      run.tensorsAfter.push(tf.memory().numTensors);
    }
  }
  configure("fused");
  for (const t of torches) {
    t.stepper.close();
    const s = median(t.times.slice(1));
    if (t === torches[0]) torchMedian = s;
    const threads = `${t.stepper.threads} intra-op thread${t.stepper.threads > 1 ? "s" : ""}`;
    rows.push([
      `PyTorch 1.13 CPU (${threads}, ${t.setup})`,
      s,
      `loss ${t.loss.toFixed(3)}; page faults ${Math.round(median(t.faults.slice(1))).toLocaleString("en-US")}; rounds ${t.times
        .slice(1)
        .map((x) => x.toFixed(2))
        .join("/")} s`,
    ]);
  }
  for (const w of wasmOnly) w.stepper.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  for (const run of runs) {
    const counted = run.phases.slice(1);
    const med = (k: keyof Phase) => median(counted.map((p) => p[k]));
    rows.push([
      `tfjs ${info.name}, ${run.variant}${tfjsBackprop ? " (tfjs backprop)" : ""}`,
      med("total") / 1000,
      `CPU ${(med("cpu") / 1000).toFixed(2)} s; fwd ${(med("fwd") / 1000).toFixed(2)} s, bwd ${(med("bwd") / 1000).toFixed(2)} s, ` +
        `clip ${med("clip").toFixed(0)} ms, adam ${med("adam").toFixed(0)} ms; loss ${run.phases[0].loss.toFixed(3)}; ` +
        `page faults ${Math.round(med("faults")).toLocaleString("en-US")}; rounds ` +
        `${counted.map((p) => (p.total / 1000).toFixed(2)).join("/")} s; live tensors after each round ${run.tensorsAfter.join("/")}` +
        (mod ? `; wasm allocations' peak over the step's start ${run.heapPeaks.map((b) => (b / 2 ** 20).toFixed(0)).join("/")} MiB` : ""),
    ]);
  }
  for (const run of runs.filter(() => profile)) {
    const top = [...run.kernels].sort((x, y) => y[1][0] - x[1][0]).slice(0, 24);
    const n = STEPS - 1;
    const stepMs = median(run.phases.slice(1).map((p) => p.total));
    const cpuMs = median(run.phases.slice(1).map((p) => p.cpu));
    const kernelMs = [...run.kernels.values()].reduce((a, [ms]) => a + ms, 0) / n;
    if (gemm)
      console.log(
        `${run.variant}: step ${stepMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU; ` +
          `native GEMM ${(run.gemm.ms / n).toFixed(0)} ms (${Math.round(run.gemm.calls / n)} calls, ` +
          `${(run.gemm.gflop / n).toFixed(1)} GFLOP, ${(run.gemm.gflop / (run.gemm.ms / 1000)).toFixed(0)} GFLOP/s); ` +
          `CPU in the GEMM ${(run.gemm.cpuMs / n).toFixed(0)} ms, CPU elsewhere ${(cpuMs - run.gemm.cpuMs / n).toFixed(0)} ms; ` +
          `everything else ${(stepMs - run.gemm.ms / n).toFixed(0)} ms wall ` +
          `(top-level kernels sum to ${kernelMs.toFixed(0)} ms, nested ones counted twice)`,
      );
    const shapes = [...run.gemm.byShape].sort((x, y) => y[1].ms - x[1].ms).slice(0, 12);
    if (gemm)
      console.log(
        `products of ${run.variant} (ms per step, calls per step, GFLOP/s): ` +
          shapes
            .map(([k, e]) => `${k} ${(e.ms / n).toFixed(1)}/${Math.round(e.calls / n)} ${(e.gflop / (e.ms / 1000)).toFixed(0)}`)
            .join(", "),
      );
    console.log(
      `${run.variant}: peak tensor bytes in a step ${(run.peakBytes / 2 ** 20).toFixed(0)} MiB (tfjs-tracked; the heap adds fragmentation)`,
    );
    console.log(
      `kernels of ${run.variant} (ms per step, calls per step): ` +
        `${top.map(([k, [ms, c]]) => `${k} ${(ms / n).toFixed(1)}/${Math.round(c / n)}`).join(", ")}`,
    );
  }
  // float32 losses to 9 significant digits tell any two bit patterns apart (to compare builds).
  if (argv.includes("--losses"))
    for (const run of runs) console.log(`losses of ${run.variant}: ${run.phases.map((p) => p.loss.toPrecision(9)).join(" ")}`);
  if (peakDetail) console.log((alloc as unknown as { snap: string }).snap);
  if (mod)
    console.log(
      `tensor allocations: peak ${(Math.max(allocPeakEver, alloc.peak) / 2 ** 30).toFixed(2)} GiB live at once (wasm heap: see below)`,
    );
  console.log(
    `memory at the end: rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB${wasmHeap()} (all variants' models and optimizer ` +
      `states are alive)`,
  );
  for (const run of runs) run.model.dispose();
  console.log("\n| variant | step (s, median) | vs PyTorch | detail |\n|---|---|---|---|");
  for (const [name, s, detail] of rows) {
    const vs = Number.isFinite(torchMedian) ? (s / torchMedian).toFixed(2) + "× PyTorch" : "PyTorch n/a";
    console.log(`| ${name} | ${s.toFixed(2)} | ${vs.replace(" PyTorch", "")} | ${detail} |`);
    record({ bench: "seq2seq", measure: `${name} step (median)`, value: `${s.toFixed(2)} s`, compare: vs });
  }
  if (wasmOnly.length) {
    const first = median(wasmOnly[0].times.slice(1));
    console.log(`\nwasm backend alone (LAB4_NATIVE_BLAS=0), notebook variant, one process per thread count: ${wasmOnly[0].stepper.detail}`);
    console.log(
      "| LAB4_WASM_THREADS | threads | step (s, median) | vs PyTorch | speed-up vs the first | loss, rounds |\n|---|---|---|---|---|---|",
    );
    for (const w of wasmOnly) {
      const s = median(w.times.slice(1));
      const vsTorch = Number.isFinite(torchMedian) ? (s / torchMedian).toFixed(2) + "×" : "n/a";
      console.log(
        `| ${w.t} | ${w.stepper.threads} | ${s.toFixed(2)} | ${vsTorch} | ${(first / s).toFixed(2)}× | loss ${w.loss.toFixed(3)}; ` +
          `page faults ${Math.round(median(w.faults.slice(1))).toLocaleString("en-US")}; ` +
          `rounds ${w.times
            .slice(1)
            .map((t) => t.toFixed(2))
            .join("/")} s |`,
      );
      record({
        bench: "seq2seq",
        measure: `wasm alone, ${w.stepper.threads} thread(s): notebook step (median)`,
        value: `${s.toFixed(2)} s`,
        compare: `${vsTorch} PyTorch; ${(first / s).toFixed(2)}× the first`,
      });
    }
  }
}

/** --serve: the notebook variant's steps on request (see Stepper), for the parent's scaling table. */
async function serveSteps(
  info: BackendInfo,
  batches: Batch[],
  inputDim: number,
  outputDim: number,
  pad: number,
  tfjsBackprop: boolean,
): Promise<void> {
  useLstmKernels(true);
  if (tfjsBackprop) uninstallTapeMemoryFix();
  manualSeed(1234);
  const model = new NotebookSeq2Seq(new Encoder(inputDim, 256, 512, 2, 0.5), new Decoder(outputDim, 256, 512, 2, 0.5), { fused: false });
  model.apply((m) => initWeights(m));
  const opt = new Adam(model.parameters());
  const detail = `tfjs ${info.name} (${info.details.join(", ")})`;
  console.log(JSON.stringify({ ready: true, threads: info.threads ?? 1, detail }));
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const i = Number(line.trim());
    const r = step(model, opt, batches[i % batches.length], pad);
    console.log(JSON.stringify({ s: r.total / 1000, loss: r.loss, faults: r.faults }));
  }
  model.dispose();
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
