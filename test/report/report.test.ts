/**
 * The HTML report from an executed notebook built here cell by cell (outputs as the kernel would
 * write them: grading's own marks HTML, a stderr error, charts from lib/plot, "Using:" and
 * "Perfil:" lines, nbclient timing metadata): parts by level-2 headings, failed checks with their
 * error, errors, every chart's PNG embedded, times by hand, profile stated; one self-contained file.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { marks, resetMarks, setMarksOutput } from "../../grading/runtime/marks";
import { Notebook, NotebookCell, NotebookOutput } from "../../grading/notebook";
import { chartBundle } from "../../lib/plot/render";
import { lineChartSpec } from "../../lib/plot/charts";
import { collectReport, reportHtml, writeReport } from "../../scripts/report";

/** The display_data outputs marks() produces in a kernel (HTML), for checks that pass or fail. */
function markOutputs(checks: Array<[number, boolean]>): NotebookOutput[] {
  const outs: NotebookOutput[] = [];
  const prev = setMarksOutput({
    html: (h) => outs.push({ output_type: "display_data", data: { "text/html": h }, metadata: {} }),
    text: () => {},
  });
  try {
    for (const [n, ok] of checks)
      try {
        marks(n, () => {
          if (!ok) throw new TypeError("la pérdida no bajó de 4");
        });
      } catch {
        /* failing check */
      }
  } finally {
    setMarksOutput(prev);
  }
  return outs;
}

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + s * 1000).toISOString();
function code(id: string, src: string, outputs: NotebookOutput[], from: number, to: number): NotebookCell {
  return {
    cell_type: "code",
    id,
    source: src,
    metadata: { execution: { "iopub.status.busy": t(from), "iopub.status.idle": t(to) } },
    outputs,
    execution_count: null,
  };
}
const md = (id: string, src: string): NotebookCell => ({ cell_type: "markdown", id, source: src, metadata: {} });
const stream = (name: "stdout" | "stderr", text: string): NotebookOutput => ({ output_type: "stream", name, text });

function chartOutput(values: number[]): NotebookOutput {
  const b = chartBundle(lineChartSpec([{ name: "Loss", values }]), `Loss: ${values.join(", ")}`);
  return { output_type: "display_data", data: b.bundle, metadata: b.metadata };
}

function notebook(): Notebook {
  resetMarks();
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab" } },
    cells: [
      md("intro", "# Laboratorio 4\n\nTexto."),
      code(
        "info",
        "marks(0, ...)",
        markOutputs([
          [0, true],
          [0, true],
        ]),
        0,
        1,
      ),
      md("p1", "## Parte 1 - Word2Vec\n\nalgo"),
      code("backend", "const device = await initBackend();", [stream("stdout", "Using: cpu (TensorFlow.js wasm backend, SIMD)\n")], 1, 3.5),
      code(
        "vocab_checks",
        "marks(3, ...)",
        markOutputs([
          [3, true],
          [3, true],
        ]),
        3.5,
        4,
      ),
      code("loss_plot", "plotLoss(running_loss);", [chartOutput([7, 6.5, 6.2])], 4, 4.25),
      md("p2", "## Parte 2 - Encoder - Decoder"),
      code(
        "profile",
        "console.log(describeProfile(PROFILE));",
        [stream("stdout", "Perfil: quick (REDUCIDO para pruebas: ...)\n")],
        4.25,
        5,
      ),
      code(
        "seq2seq_loss_check",
        "marks(25, ...)",
        [
          ...markOutputs([
            [25, true],
            [25, false],
          ]),
          stream("stderr", "TypeError: la pérdida no bajó de 4\n    at (celda)\n"),
        ],
        5,
        6,
      ),
      code(
        "broken",
        "const x = undefined.y;",
        [stream("stderr", "TypeError: Cannot read properties of undefined (reading 'y')\n    at <celda>\n")],
        6,
        6.5,
      ),
      code("history", "plotSeq2SeqHistory(h);", [chartOutput([5, 4.5])], 6.5, 7),
    ],
  };
}

test("collectReport: parts by heading, failed checks with their error, errors, charts, times, backend, profile", () => {
  const d = collectReport(notebook());
  assert.equal(d.parts, [
    { name: "Inicio", earned: 0, possible: 0, checks: 2, failed: 0 },
    { name: "Parte 1 - Word2Vec", earned: 6, possible: 6, checks: 2, failed: 0 },
    { name: "Parte 2 - Encoder - Decoder", earned: 25, possible: 50, checks: 2, failed: 1 },
  ]);
  assert.is(d.earned, 31);
  assert.is(d.possible, 56);
  assert.equal(d.failed, [
    { cellId: "seq2seq_loss_check", part: "Parte 2 - Encoder - Decoder", marks: 25, error: "TypeError: la pérdida no bajó de 4" },
  ]);
  assert.equal(
    d.errors.map((e) => [e.cellId, e.failedCheck]),
    [
      ["seq2seq_loss_check", true],
      ["broken", false],
    ],
  );
  assert.equal(
    d.charts.map((c) => [c.cellId, c.section]),
    [
      ["loss_plot", "Parte 1 - Word2Vec"],
      ["history", "Parte 2 - Encoder - Decoder"],
    ],
  );
  assert.equal(
    d.times.map((x) => x.seconds),
    [1, 2.5, 0.5, 0.25, 0.75, 1, 0.5, 0.5],
  );
  assert.is(d.totalSeconds, 7);
  assert.is(d.backend, "cpu (TensorFlow.js wasm backend, SIMD)");
  assert.is(d.profile, "quick");
  assert.is(d.started!.toISOString(), t(0));
});

test("the HTML embeds every chart PNG, the marks chart and table, the errors, and states the profile", () => {
  const nb = notebook();
  const d = collectReport(nb);
  const html = reportHtml(d, { notebook: "lab4.executed.ipynb", command: "npm run lab -- --quick" });
  const imgs = [...html.matchAll(/<img [^>]*src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => m[1]);
  assert.is(imgs.length, 1 + 2, "marks chart + 2 notebook charts");
  for (const c of d.charts) assert.ok(imgs.includes(c.png), `${c.cellId}'s PNG is embedded as is`);
  assert.match(html, /data-chart="marks"/);
  assert.match(html, /id="marks-table"/);
  assert.match(html, /<span class="total" id="total">31 \/ 56 \(55\.4%\)<\/span>/);
  assert.match(html, /Perfil REDUCIDO \(quick\)/);
  assert.match(html, /id="errors"/);
  assert.match(html, /La ejecución falló en 1 celda\(s\)/);
  assert.match(html, /Cannot read properties of undefined/);
  assert.match(html, /la pérdida no bajó de 4/);
  assert.not.match(html, /<script|<link |src="http/, "self-contained, no scripts");
  assert.not.match(html, /<img[^>]*alt="[^"]*[<>]/, "alt text escaped");
});

test("a full-profile run says so; a notebook without checks or charts still gives a report", () => {
  const empty: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [md("a", "# Nada")] };
  const html = reportHtml(collectReport(empty, { profile: "full", seconds: 3 }));
  assert.match(html, /Perfil completo \(full\)/);
  assert.match(html, /No se encontró ninguna verificación con puntos/);
  assert.match(html, /El notebook no produjo gráficos/);
  assert.match(html, /3\.0 s/);
});

test("writeReport writes one file and returns its facts; bad notebooks are refused by name", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-report-"));
  try {
    const nbFile = path.join(dir, "x.ipynb");
    fs.writeFileSync(nbFile, JSON.stringify(notebook()));
    const s = writeReport({ notebook: nbFile, out: path.join(dir, "r", "report.html"), profile: "full", seconds: 12 });
    assert.ok(fs.existsSync(s.out));
    assert.is(s.bytes, fs.statSync(s.out).size);
    assert.equal([s.charts, s.earned, s.possible, s.errors, s.failedChecks, s.profile], [2, 31, 56, 1, 1, "full"]);
    fs.writeFileSync(path.join(dir, "bad.ipynb"), "{}");
    assert.throws(
      () => writeReport({ notebook: path.join(dir, "bad.ipynb"), out: path.join(dir, "b.html") }),
      /bad\.ipynb: not a Jupyter notebook/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
