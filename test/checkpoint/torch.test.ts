/**
 * Checkpoints cross between PyTorch and TypeScript: a state_dict written by PyTorch (safetensors)
 * loads into our Seq2Seq and gives PyTorch's logits; our saveCheckpoint loads into the original lab's PyTorch
 * model with load_state_dict(strict=True) and gives our logits.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { Encoder, Decoder, Seq2Seq, initWeights } from "../../reference/seq2seq/model";
import { loadCheckpoint, saveCheckpoint, readSafetensors, writeSafetensors } from "../../lib/checkpoint";
import { Random } from "../../lib/random";
import { PYTHON, hasTorch, maxAbsDiff, torchReference } from "../fixtures/torch/run";

tf.setBackend("cpu");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-ckpt-torch-"));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const small = () => new Seq2Seq(new Encoder(11, 8, 10, 2, 0.5), new Decoder(13, 8, 10, 2, 0.5));

test("a PyTorch state_dict (safetensors) loads into our model and reproduces PyTorch's logits", () => {
  const ref = torchReference("seq2seq_reference.py");
  if (!ref) return;
  // Only the state_dict entries, as `safetensors.torch.save_file(model.state_dict(), f)` writes them.
  const file = path.join(dir, "from_torch.safetensors");
  const state = new Map([...ref].filter(([k]) => /^(encoder|decoder)\./.test(k)));
  writeSafetensors(file, state);
  const m = small();
  loadCheckpoint(m, file);
  m.eval();
  const out = m.forward(ref.get("src") as tf.Tensor2D, ref.get("trg") as tf.Tensor2D, 1);
  assert.ok(maxAbsDiff(out, ref.get("logits_tf1")!) < 1e-4);
});

test("our checkpoint loads into the original lab's PyTorch model (strict) and reproduces our logits", () => {
  if (!hasTorch()) return;
  const m = small();
  m.apply((mod) => initWeights(mod, new Random(21)));
  m.eval();
  const ckpt = path.join(dir, "ours.safetensors");
  saveCheckpoint(m, ckpt);
  const src = tf.tensor2d(
    [
      [2, 3, 4],
      [5, 6, 7],
      [10, 9, 8],
      [3, 3, 3],
    ],
    [4, 3],
    "int32",
  );
  const trg = tf.tensor2d(
    [
      [2, 2, 2],
      [4, 5, 6],
      [7, 8, 9],
      [12, 1, 1],
    ],
    [4, 3],
    "int32",
  );
  const inputs = path.join(dir, "inputs.safetensors");
  writeSafetensors(
    inputs,
    new Map([
      ["src", src],
      ["trg", trg],
    ]),
    {
      input_dim: "11",
      output_dim: "13",
      emb: "8",
      hid: "10",
      layers: "2",
    },
  );
  const outFile = path.join(dir, "torch_out.safetensors");
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(PYTHON, [path.join(__dirname, "../fixtures/torch/load_into_torch.py"), outFile, ckpt, inputs], {
    env,
    encoding: "utf8",
  });
  assert.is(r.status, 0, r.stderr);
  const { tensors, metadata } = readSafetensors(outFile);
  assert.equal(
    JSON.parse(metadata.names),
    m.namedParameters().map(([n]) => n),
    "same names, same order",
  );
  assert.ok(maxAbsDiff(m.forward(src, trg, 1), tensors.get("logits")!) < 1e-4);
});

test("a checkpoint of the original lab's model refuses to load into a model of other sizes, listing tensors", () => {
  const file = path.join(dir, "seedish.safetensors");
  const a = new Seq2Seq(new Encoder(11, 8, 10, 2, 0), new Decoder(13, 8, 10, 2, 0));
  saveCheckpoint(a, file);
  const b = new Seq2Seq(new Encoder(12, 8, 10, 1, 0), new Decoder(13, 8, 10, 1, 0));
  let msg = "";
  try {
    loadCheckpoint(b, file);
  } catch (e) {
    msg = (e as Error).message;
  }
  assert.match(msg, /seedish\.safetensors does not fit this model/);
  assert.match(msg, /encoder\.embedding\.weight: expected \[12, 8\], got \[11, 8\]/);
  assert.match(msg, /unexpected encoder\.rnn\.weight_ih_l1/);
  assert.match(msg, /unexpected decoder\.rnn\.bias_hh_l1/);
});

test.run();
