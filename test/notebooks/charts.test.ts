/**
 * Every chart of the executed lab (quick profile) as JupyterLab shows it: each
 * `application/vnd.vegalite.v5+json` output is rendered in headless chromium by vega-embed (what
 * JupyterLab's Vega 5 extension uses), with vega, vega-lite and vega-embed served from
 * node_modules on loopback (no CDN), and must draw marks on a non-blank canvas without a console
 * error. Each bundle's PNG fallback (what the classic Notebook and GitHub show) must decode to a
 * non-blank picture of a similar size.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { readNotebook, type Notebook } from "../../grading/notebook";
import { executedQuick, ROOT } from "./executed";
import { launch, loudly, pictureOf, CHROMIUM, type Browser } from "../browser/chromium";
import { decodePng, inkPixels, distinctColours } from "../plot/png";
import { requireTool } from "../helpers/require-tool";

const VEGALITE = "application/vnd.vegalite.v5+json";
// UMD builds, loaded in this order (vega-embed finds vega and vegaLite as globals)
const SCRIPTS: Record<string, string> = {
  "/vega.js": "node_modules/vega/build/vega.min.js",
  "/vega-lite.js": "node_modules/vega-lite/build/vega-lite.min.js",
  "/vega-embed.js": "node_modules/vega-embed/build/vega-embed.min.js",
};
// render(spec, embed_options): JupyterLab's Vega 5 renderer's call, vegaEmbed(el, spec, { actions: true,
// defaultStyle: true, ...embed_options, mode }), into a fresh element; returns how many data marks the
// view drew (scenegraph items of the spec's own marks: role "mark", not axes, legends or titles) and
// the size of the canvas (or svg).
// Plain JavaScript in the page: tsx would wrap functions passed to page.evaluate in a helper the page lacks.
const RENDER = `
async function render(spec, embed) {
  const out = document.getElementById("out");
  out.textContent = "";
  const el = document.createElement("div");
  out.appendChild(el);
  const res = await vegaEmbed(el, spec, Object.assign({ actions: true, defaultStyle: true }, embed, { mode: "vega-lite" }));
  let marks = 0;
  (function walk(node) {
    for (const it of node.items || []) {
      if (node.marktype && node.marktype !== "group" && node.role === "mark") marks++;
      walk(it);
    }
  })(res.view.scenegraph().root);
  const drawn = el.querySelector("canvas, svg");
  const box = drawn ? drawn.getBoundingClientRect() : { width: 0, height: 0 };
  return { marks, tag: drawn ? drawn.tagName : "none", width: box.width, height: box.height };
}`;
const PAGE = `<!doctype html><html><head><meta charset="utf-8">
${Object.keys(SCRIPTS)
  .map((s) => `<script src="${s}"></script>`)
  .join("\n")}
<script>${RENDER}</script>
</head><body style="margin:0;background:#fff"><div id="out"></div></body></html>`;

interface Chart {
  cell: string;
  spec: Record<string, unknown>;
  png: string | undefined;
  embed: Record<string, unknown>;
}

let nb: Notebook;
let charts: Chart[] = [];
let server: http.Server | null = null;
let base = "";
let browser: Browser | null = null;
const shots = path.join(ROOT, "test", "artifacts", "notebook-charts");

test.before(
  loudly("setup", async () => {
    nb = readNotebook(executedQuick());
    charts = nb.cells.flatMap((c, i) =>
      (c.outputs ?? [])
        .filter((o) => (o.output_type === "display_data" || o.output_type === "execute_result") && o.data?.[VEGALITE])
        .map((o) => ({
          cell: String(c.id ?? `cell ${i}`),
          spec: o.data![VEGALITE] as Record<string, unknown>,
          png: o.data!["image/png"] as string | undefined,
          embed: (o.metadata?.[VEGALITE] as { embed_options?: Record<string, unknown> } | undefined)?.embed_options ?? {},
        })),
    );
    if (
      !requireTool({
        what: "Vega-Lite rendering in chromium",
        present: fs.existsSync(CHROMIUM),
        reason: `no ${CHROMIUM}`,
        install: "install chromium (scripts/setup.sh does)",
      })
    )
      return;
    server = http.createServer((req, res) => {
      const file = req.url === "/" ? null : SCRIPTS[req.url ?? ""];
      if (req.url === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
      else if (req.url === "/favicon.ico")
        res.writeHead(204).end(); // chromium asks for it on its own
      else if (file) res.writeHead(200, { "content-type": "text/javascript" }).end(fs.readFileSync(path.join(ROOT, file)));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    browser = await launch();
    fs.mkdirSync(shots, { recursive: true });
  }),
);

test.after(
  loudly("teardown", async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  }),
);

test("the executed lab has its charts: loss, live losses, PCA, Seq2Seq history, marks", () => {
  const cells = new Set(charts.map((c) => c.cell));
  for (const id of ["word2vec_training", "loss_plot", "embedding_pca", "training_loop", "seq2seq_history_plot", "summary"])
    assert.ok(cells.has(id), `no Vega-Lite output in cell ${id}; charts in: ${[...cells].join(", ")}`);
});

test("each chart's PNG fallback decodes to a non-blank picture", () => {
  for (const c of charts) {
    assert.ok(c.png, `${c.cell}: no image/png fallback`);
    const img = decodePng(Buffer.from(c.png!, "base64"));
    assert.ok(img.width >= 200 && img.height >= 100, `${c.cell}: PNG is ${img.width}×${img.height}`);
    assert.ok(inkPixels(img) > 1500, `${c.cell}: PNG has ${inkPixels(img)} non-white pixels`);
    assert.ok(distinctColours(img) > 4, `${c.cell}: PNG has ${distinctColours(img)} colours`);
  }
});

test("vega-embed renders every Vega-Lite output in chromium: marks drawn, non-blank, no console error", async () => {
  if (!browser) return; // chromium missing outside CI (requireTool printed SKIP)
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(base, { timeout: 30_000 });
  assert.ok(
    await page.evaluate(() => typeof (globalThis as { vegaEmbed?: unknown }).vegaEmbed === "function"),
    `vega-embed not loaded: ${problems.join("\n")}`,
  );
  for (const [k, c] of charts.entries()) {
    const before = problems.length;
    const r = (await page.evaluate(
      ({ spec, embed }) => (globalThis as unknown as { render: (s: unknown, e: unknown) => unknown }).render(spec, embed),
      {
        spec: c.spec,
        embed: c.embed,
      },
    )) as { marks: number; tag: string; width: number; height: number };
    const title = c.spec.title as string | { text?: string } | undefined;
    const label = `${c.cell} (chart ${k + 1}/${charts.length}, "${typeof title === "object" ? (title.text ?? "") : (title ?? "")}")`;
    assert.ok(r.marks > 0, `${label}: no marks drawn`);
    assert.ok(r.width >= 200 && r.height >= 100, `${label}: ${r.tag} is ${r.width}×${r.height}`);
    const pic = await pictureOf(page.locator("#out canvas, #out svg").first(), path.join(shots, `${k + 1}-${c.cell}.png`));
    assert.ok(pic.ink > 1500, `${label}: only ${pic.ink} non-white pixels`);
    assert.ok(pic.colours > 4, `${label}: ${pic.colours} colours`);
    assert.equal(problems.slice(before), [], `${label}: console`);
  }
  await page.close();
});

test.run();
