/**
 * Memory of saving and loading a checkpoint of the notebook's Seq2Seq (seed's sizes, Multi30k
 * vocabularies): the growth of the process's peak resident memory (VmHWM, reset through
 * /proc/self/clear_refs before each step) during `saveCheckpoint` and `loadCheckpoint`, as a fraction
 * of the checkpoint's size. Both run at the end of a training run whose peak memory is budgeted, so
 * they should cost about one tensor, not a copy of the model (Linux only).
 *
 *   npx tsx bench/checkpoint.ts      npm run bench -- checkpoint
 */
import { record } from "./results";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { initBackend } from "../lib/engine";
import { Decoder, Encoder, initWeights, Seq2Seq } from "../reference/seq2seq/model";
import { loadCheckpoint, saveCheckpoint } from "../lib/checkpoint";
import { Random } from "../lib/random";

function status(key: "VmHWM" | "VmRSS"): number {
  const m = fs.readFileSync("/proc/self/status", "utf8").match(new RegExp(`${key}:\\s+(\\d+) kB`));
  if (!m) throw new Error(`no ${key} in /proc/self/status (this bench needs Linux)`);
  return Number(m[1]) * 1024;
}

export async function main(): Promise<void> {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const info = await initBackend();
  const model = new Seq2Seq(new Encoder(7853, 256, 512, 2, 0.5), new Decoder(5893, 256, 512, 2, 0.5));
  initWeights(model, new Random(1));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-bench-ckpt-"));
  const file = path.join(dir, "model.safetensors");
  const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
  try {
    saveCheckpoint(model, file); // warm-up: first-use allocations are not what is measured
    loadCheckpoint(model, file);
    const size = fs.statSync(file).size;
    console.log(
      `bench checkpoint: Seq2Seq ${model.numParameters().toLocaleString("en")} parameters, file ${MB(size)}, backend ${info.name}`,
    );
    for (const [label, step] of [
      ["saveCheckpoint", () => saveCheckpoint(model, file)],
      ["loadCheckpoint", () => void loadCheckpoint(model, file)],
    ] as const) {
      const growth: number[] = [];
      for (let i = 0; i < 3; i++) {
        gc();
        fs.writeFileSync("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
        const before = status("VmRSS");
        step();
        growth.push(status("VmHWM") - before);
      }
      const worst = Math.max(...growth);
      console.log(`  ${label}: peak memory +${MB(worst)} = ${(worst / size).toFixed(2)}× the checkpoint (worst of 3)`);
      record({
        bench: "checkpoint",
        measure: `${label} peak memory growth (worst of 3)`,
        value: `+${MB(worst)}`,
        compare: `${(worst / size).toFixed(2)}× the ${MB(size)} file`,
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
