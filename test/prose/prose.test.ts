/**
 * The instructor notebook's prose reads like the original lab's (Spanish PyTorch notebook): its
 * paragraphs are where the original has them, none is repeated, nothing talks about a device the
 * code no longer has, and every place where this version differs from the original on purpose
 * says so in one sentence that starts with "**Diferencia con el original:**" and matches the code.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as path from "node:path";
import { readNotebook, cellSource, type Notebook } from "../../grading/notebook";

const root = path.resolve(__dirname, "../..");
const nb: Notebook = readNotebook(path.join(root, "notebooks", "source", "lab4.ipynb"));
const cells = nb.cells.map((c) => ({ id: String(c.id), type: c.cell_type, text: cellSource(c) }));
const markdown = cells.filter((c) => c.type === "markdown");
const MARK = "**Diferencia con el original:**";

/** Index of the first cell whose text matches `re` (of the given type). */
function find(re: RegExp, type?: string): number {
  const i = cells.findIndex((c) => (!type || c.type === type) && re.test(c.text));
  assert.ok(i >= 0, `no ${type ?? ""} cell matches ${re}`);
  return i;
}

/** The paragraph of markdown cell `i` that starts with MARK. */
function differenceIn(i: number): string {
  const paras = cells[i].text.split(/\n\s*\n/).filter((p) => p.startsWith(MARK));
  assert.is(paras.length, 1, `${cells[i].id}: ${paras.length} "${MARK}" paragraphs`);
  return paras[0];
}

/** One sentence: no sentence end before the last character, once code spans and dotted names are set aside. */
function isOneSentence(p: string): boolean {
  const bare = p
    .slice(MARK.length)
    .replace(/`[^`]*`/g, "CODE")
    .replace(/\$[^$]*\$/g, "MATH")
    .replace(/\b\w+\.(js|pt)\b/g, "NAME")
    .replace(/\d+\.\d+/g, "N")
    .trim();
  return /[.!?]$/.test(bare) && !/[.!?;](\s|$)/.test(bare.slice(0, -1));
}

test("the iterators paragraph of the original is there, right before the iterators are built", () => {
  const para = find(
    /^El paso final de preparar los datos es crear los iteradores\. Estos se pueden iterar para devolver un lote de datos que tendrá un atributo `src`/,
    "markdown",
  );
  assert.ok(para > find(/SRC\.buildVocab\(/, "code"), "after the vocabularies");
  const next = cells.findIndex((c, k) => k > para && c.type === "code" && /BucketIterator\.splits\(/.test(c.text));
  assert.ok(
    next > para && cells.slice(para + 1, next).every((c) => c.type === "code"),
    "the next markdown cell comes after BucketIterator.splits",
  );
});

test("no markdown paragraph appears twice", () => {
  const seen = new Map<string, string>();
  for (const c of markdown)
    for (const p of c.text.split(/\n\s*\n/)) {
      const k = p.trim().replace(/\s+/g, " ");
      if (k.length < 40) continue;
      assert.not.ok(seen.has(k), `repeated in ${seen.get(k)} and ${c.id}: ${k.slice(0, 100)}`);
      seen.set(k, c.id);
    }
});

test("no prose about a device: only the one sentence saying why none is needed", () => {
  const mentions = markdown.flatMap((c) =>
    c.text
      .split(/\n\s*\n/)
      .filter((p) => /device|dispositivo/i.test(p))
      .map((p) => [c.id, p] as const),
  );
  assert.is(mentions.length, 1, mentions.map(([id, p]) => `${id}: ${p.slice(0, 120)}`).join("\n"));
  assert.ok(mentions[0][1].startsWith(MARK) && /torch\.device/.test(mentions[0][1]), mentions[0][1]);
  for (const heading of [/^### Seq2Seq\b/, /^### Training Seq2Seq Model/])
    assert.not.match(cells[find(heading, "markdown")].text, /device|dispositivo|GPU/i);
});

test("the timing sentence keeps the original's 42 minutes and claims no time of its own", () => {
  const c = cells[find(/hemos visto la cantidad de tiempo que hay que invertirle/, "markdown")];
  assert.match(c.text, /\*\*42 minutos\*\*/);
  assert.not.match(c.text, /segundos/);
});

test("each intentional difference is said once, in one sentence, and matches the code", () => {
  const all = markdown.flatMap((c) => c.text.split(/\n\s*\n/).filter((p) => p.includes(MARK)));
  for (const p of all) {
    assert.ok(p.startsWith(MARK), `the mark starts its paragraph: ${p.slice(0, 120)}`);
    assert.ok(isOneSentence(p), `one sentence: ${p}`);
  }
  // the regex: said before the cell that uses it, and that cell uses the fixed class
  const tokenizer = find(/function split_tokens\(/, "code");
  const regex = differenceIn(find(/Quitar todos los símbolos diferentes de a-z@#/, "markdown"));
  assert.ok(find(/Quitar todos los símbolos diferentes de a-z@#/, "markdown") < tokenizer);
  assert.ok(regex.includes("`^[a-z@# ]`") && regex.includes("`[^a-z@# ]`") && /hashes/.test(regex), regex);
  assert.match(cells[tokenizer].text, /replace\(\/\[\^a-z@# \]\/g, ""\)/);
  // the batch-wise step and its learning rate: the sentence names the rate the code uses
  const step = differenceIn(find(/^### Paso 3 - Entrenamiento/, "markdown"));
  const lr = /const LR = ([\d.e-]+);/.exec(cells[find(/const LR = /, "code")].text)?.[1];
  assert.ok(lr && step.includes(`\`${lr}\``) && step.includes("`3e-4`") && /por lote/.test(step), `LR ${lr}: ${step}`);
  // safetensors instead of torch.save: the sentence names the file the code writes
  const save = differenceIn(find(/^Ahora sí, ¡empecemos a entrenar a nuestro modelo!/, "markdown"));
  const file = /saveCheckpoint\([^,]+, "([^"]+)"\)/.exec(cells[find(/saveCheckpoint\(/, "code")].text)?.[1];
  assert.ok(file && save.includes(`\`${file}\``) && save.includes("torch.save") && /safetensors/.test(save), `${file}: ${save}`);
  // and the device (above): four in all, none elsewhere
  assert.is(all.length, 4, all.join("\n"));
});

test.run();
