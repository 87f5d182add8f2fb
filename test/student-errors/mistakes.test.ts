/**
 * Classic student mistakes, typed into a real tslab kernel (nbclient, grading/execute.ts): each
 * stops in the cell where it is written with a short Spanish error that names the fix. One
 * notebook, one kernel: a setup cell, then one cell per mistake (errors allowed, every cell runs),
 * then the correct versions of the same lines, which must run clean.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { executeNotebook } from "../../grading/execute";
import { readNotebook, type Notebook } from "../../grading/notebook";

const ROOT = path.resolve(__dirname, "../..");
// inside the repository, so that `import ... from "lab4"` resolves through node_modules
const DIR = path.join(ROOT, "test", "artifacts", "student-errors");

const SETUP = `import * as tf from "@tensorflow/tfjs-core";
import { Embedding, LSTM, Linear, AdamW, crossEntropy, clipGradNorm, checkTrainingStep, lookup, manualSeed } from "lab4";
import { Dataset, DataLoader, Word2VecDataset } from "lab4";
manualSeed(2023);
const vocab = ["good", "bad", "father", "school"];
const size = 20;
const input_ = 7;`;

/** Mistaken cells: id, code, what the cell must show (all of them). */
const MISTAKES: Array<[string, string, RegExp[]]> = [
  [
    "id2tok_array",
    // the hint's typed declaration, with an Array of pairs instead of a Map
    `const id2tok: Map<number, string> = [...vocab.entries()];`,
    [
      /is missing the following properties from type 'Map<number, string>'/,
      /lab4: tok2id e id2tok deben ser un Map \(el dict de Python\): constrúyalo con new Map\(\.\.\.\)/,
    ],
  ],
  [
    "tok2id_pairs_untyped",
    // no annotation, the pairs without \`new Map(...)\`, used right away
    `const tok2id = vocab.map((tok, id) => [tok, id]);\nconsole.log(tok2id.get("father"));`,
    [/Property 'get' does not exist on type/, /lab4: tok2id e id2tok deben ser un Map/],
  ],
  [
    "tok2id_any_lookup",
    // typed \`any\` (TypeScript cannot see it): the library call stops it
    `const tok2id_any: any = vocab.map((tok, id) => [tok, id]);\nlookup(tok2id_any, "father");`,
    [/TypeError: tok2id debe ser un Map \(el dict de Python\) y es un Array: constrúyalo con new Map\(\.\.\.\)/],
  ],
  [
    "buffer_set_swapped",
    `function one_hot_encode(input_: number, size: number): tf.Tensor1D {
    const vec = tf.buffer([size], "float32");
    vec.set(input_, 1);
    return vec.toTensor() as tf.Tensor1D;
}
const ohe = one_hot_encode(input_, size);`,
    [/vec\.set\(7, 1\): set recibe primero el valor y después la posición; para poner un 1 en la posición 7 escriba vec\.set\(1, 7\)/],
  ],
  [
    "embedding_float_ids",
    // tf.scalar is float32 unless told otherwise
    `const embedding_layer = new Embedding(size, 1);\nembedding_layer.forward(tf.scalar(input_)).print();`,
    [/Embedding: los índices deben ser int32 y son float32 \[\]: .*tf\.cast\(ids, "int32"\)/],
  ],
  [
    "lstm_ids_not_embedded",
    `const rnn = new LSTM(8, 16, 2);\nconst src = tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32");\nrnn.forward(src as any);`,
    [/LSTM: la entrada debe ser float32 \[largo, batch, 8\] y es int32 \[3, 2\]: pase primero los índices por la capa de embedding/],
  ],
  [
    "lstm_missing_unsqueeze",
    // the decoder's step without unsqueeze(0): [batch, emb] instead of [1, batch, emb]
    `const emb = new Embedding(10, 8);\nconst dec_rnn = new LSTM(8, 16, 2);\nconst input = tf.tensor1d([1, 2, 3], "int32");\n` +
      `const h = tf.zeros([2, 3, 16]) as tf.Tensor3D;\ndec_rnn.forward(emb.forward(input) as tf.Tensor3D, [h, h]);`,
    [/LSTM: la entrada debe ser \[largo, batch, 8\] y es \[3, 8\]: agregue el eje del largo con tf\.expandDims\(input, 0\)/],
  ],
  [
    "lstm_wrong_input_size",
    // LSTM(hid_dim, ...) where emb_dim belongs
    `const emb2 = new Embedding(10, 8);\nconst rnn2 = new LSTM(16, 16, 2);\n` +
      `rnn2.forward(emb2.forward(tf.tensor2d([[1, 2]], [1, 2], "int32")) as tf.Tensor3D);`,
    [
      /LSTM: la entrada tiene 8 features por paso y este LSTM espera 16: el primer argumento de LSTM\(\.\.\.\) es el tamaño del embedding \(emb_dim\)/,
    ],
  ],
  [
    "loss_not_flattened",
    `const output = tf.randomNormal([4, 3, 10]);\nconst trg = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]], [4, 3], ` +
      `"int32");\ncrossEntropy(output as any, trg.slice(1) as any);`,
    [/crossEntropy: las predicciones deben ser \[N, clases\] y son \[4, 3, 10\]: aplánelas con tf\.reshape\(output, \[-1, output_dim\]\)/],
  ],
  [
    "loss_arguments_swapped",
    `const logits = tf.randomNormal([6, 10]) as tf.Tensor2D;\nconst targets = tf.tensor1d([1, 2, 3, 4, 5, 6], "int32");\n` +
      `crossEntropy(targets as any, logits as any);`,
    [
      /crossEntropy: los argumentos están invertidos .*: primero las predicciones \(float32 \[N, clases\]\) y después los objetivos \(índices int32 \[N\]\)/,
    ],
  ],
  [
    "word2vec_context_as_targets",
    // Part 1's training step with the model's input where the centers belong (same length: no shape error)
    `const pairs_ds = new Word2VecDataset(new Dataset([{ moving_window: [[1, 2], [3, 2], [4, 5]] }]), 10);
const w2v_emb = new Embedding(10, 4);
const w2v_out = new Linear(4, 10, { bias: false });
for (const batch of new DataLoader(pairs_ds, { batchSize: 3 })) {
    const { center, context } = batch;
    const logits = w2v_out.forward(w2v_emb.forward(context));
    crossEntropy(logits, context);
}`,
    [/crossEntropy: los objetivos son las palabras de contexto del lote \(la entrada del modelo\): .*loss_fn\(logits, center\)/],
  ],
  [
    "loss_float_targets",
    `crossEntropy(tf.randomNormal([3, 10]) as tf.Tensor2D, tf.tensor1d([1, 2, 3]));`,
    [/crossEntropy: los objetivos deben ser índices int32 y son float32: conviértalos con tf\.cast\(trg, "int32"\)/],
  ],
  [
    "nan_loss",
    // a learning rate far too large: the weights overflow and the next loss is NaN; the training
    // loop's guard (as in the notebook's Seq2Seq train) stops at that batch
    `const m_emb = new Embedding(10, 4);
const m_out = new Linear(4, 10, { bias: false });
const opt = new AdamW([...m_emb.parameters(), ...m_out.parameters()], { lr: 1e38 });
const ctx = tf.tensor1d([1, 2, 3, 4], "int32");
const center = tf.tensor1d([2, 3, 4, 5], "int32");
for (let i = 0; i < 20; i++) {
    const { value, grads } = tf.variableGrads(() => crossEntropy(m_out.forward(m_emb.forward(ctx)) as tf.Tensor2D, center));
    const loss = value.dataSync()[0];
    const norm = clipGradNorm(grads, 1);
    checkTrainingStep({ epoch: 1, batch: i + 1 }, loss, norm);
    opt.step(grads);
}`,
    [/TrainingDivergedError: el entrenamiento se detuvo en la época 1, lote 2: la pérdida es NaN\. Baje el learning rate/, /at \(celda\)/],
  ],
];

/** The same lines written right: they must run without an error. */
const CORRECT = `const id2tok_ok: Map<number, string> = new Map(vocab.entries());
const tok2id_ok: Map<string, number> = new Map(vocab.map((tok, id) => [tok, id]));
console.log(\`\${lookup(tok2id_ok, "father")} \${id2tok_ok.get(2)}\`);
const vec = tf.buffer([size], "float32");
vec.set(1, input_);
console.log(String(vec.toTensor().arraySync()[input_]));
new Embedding(size, 1).forward(tf.scalar(input_, "int32")).dispose();
const e = new Embedding(10, 8), r = new LSTM(8, 16, 2);
const x = tf.expandDims(e.forward(tf.tensor1d([1, 2, 3], "int32")), 0) as tf.Tensor3D;
r.forward(x, [tf.zeros([2, 3, 16]) as tf.Tensor3D, tf.zeros([2, 3, 16]) as tf.Tensor3D]);
const out3 = tf.randomNormal([4, 3, 10]);
const trg3 = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]], [4, 3], "int32");
const loss = crossEntropy(tf.reshape(out3.slice(1), [-1, 10]) as tf.Tensor2D, tf.reshape(trg3.slice(1), [-1]) as tf.Tensor1D);
console.log(\`ok \${Number.isFinite(loss.dataSync()[0])}\`);
const ok_ds = new Word2VecDataset(new Dataset([{ moving_window: [[1, 2], [3, 2], [4, 5]] }]), 10);
const ok_emb = new Embedding(10, 4), ok_out = new Linear(4, 10, { bias: false });
for (const batch of new DataLoader(ok_ds, { batchSize: 3 })) {
    const { center, context } = batch;
    const logits = ok_out.forward(ok_emb.forward(context));
    console.log(\`w2v ok \${Number.isFinite(crossEntropy(logits, center).dataSync()[0])}\`);
}`;

let nb: Notebook;

function cellText(id: string): string {
  const cell = nb.cells.find((c) => c.id === id);
  assert.ok(cell, `cell ${id} missing`);
  return (cell!.outputs ?? [])
    .map((o) => {
      if (o.output_type === "error") return `${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join("\n")}`;
      return Array.isArray(o.text) ? o.text.join("") : (o.text ?? "");
    })
    .join("");
}

test.before(() => {
  fs.mkdirSync(DIR, { recursive: true });
  const code = (id: string, source: string) => ({ cell_type: "code", id, metadata: {}, source, outputs: [], execution_count: null });
  const src = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: [code("setup", SETUP), ...MISTAKES.map(([id, c]) => code(id, c)), code("correct", CORRECT)],
  };
  const file = path.join(DIR, "mistakes.ipynb");
  fs.writeFileSync(file, JSON.stringify(src, null, 1));
  const out = path.join(DIR, "mistakes.executed.ipynb");
  const env: Record<string, string> = { LAB4_DEBUG: "" };
  const r = executeNotebook(file, out, { timeoutCellSeconds: 120, allowErrors: true, env });
  assert.ok(r.ok, r.message);
  nb = readNotebook(out);
});

test("the setup cell runs clean", () => {
  assert.is(cellText("setup").trim(), "");
});

for (const [id, , expected] of MISTAKES)
  test(`${id}: stops in its own cell with a Spanish error naming the fix`, () => {
    const text = cellText(id);
    for (const re of expected) assert.match(text, re, `${id} showed:\n${text}`);
    // short: the cell's frames only, no library paths
    assert.not.match(text, /dist\/lib|node_modules|lib\/nn\//, `${id} showed library frames:\n${text}`);
  });

test("the same lines written right run clean", () => {
  const text = cellText("correct");
  assert.match(text, /^2 father\n1\n.*ok true\nw2v ok true\n$/s, text);
});

test.run();
