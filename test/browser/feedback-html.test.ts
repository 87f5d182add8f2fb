/**
 * The student feedback page (grading/grade/feedback.ts -> HtmlRenderer -> grading/grade/render.py, real
 * nbconvert) is safe to open and works offline: a feedback notebook full of hostile student content
 * (scripts, event handlers, javascript: links, iframes, objects, an SVG with onload, a JavaScript
 * output, remote images and CSS url()) is rendered, opened in headless chromium with every request
 * recorded, and no script runs, nothing but the file itself (and data: URIs) is requested, while
 * the grader's marks, a student's Markdown table and a PNG chart are still there.
 * Screenshot: test/artifacts/browser/feedback-page.png.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { feedbackNotebook, HtmlRenderer, type FeedbackInput, type GradedCell } from "../../grading/grade/feedback";
import type { AssembledCell, CellRole } from "../../grading/grade/assemble";
import type { CheckResult } from "../../grading/grade/verdict";
import { jupyterPython } from "../../grading/grade/driver";
import { marks, setMarksOutput } from "../../grading/runtime/marks";
import type { NotebookCell, NotebookOutput } from "../../grading/notebook";
import { chartBundle } from "../../lib/plot/render";
import { ARTIFACTS, ROOT } from "./fixture";
import { launch, pictureOf, decoded, loudly, Browser } from "./chromium";

const shots = path.join(ARTIFACTS, "browser");
const STUDENT = "ana<img src=x onerror=window.__pwned=3>";
const REMOTE = "http://127.0.0.1:9";

const MARKDOWN = `## Mi análisis

<script>window.__pwned=1</script>
<img src=x onerror="window.__pwned=2">
<a id="jslink" href="javascript:window.__pwned=4">pulsa aquí</a>
<iframe src="${REMOTE}/frame.html" onload="window.__pwned=5"></iframe>
<object data="${REMOTE}/obj.swf"></object>
<embed src="${REMOTE}/emb.swf">
<img src="${REMOTE}/x.png">
<div style="background: url(${REMOTE}/bg.png); color: navy" onmouseover="window.__pwned=6">fondo</div>
<link rel="stylesheet" href="${REMOTE}/style.css">
<style>@import url(${REMOTE}/imp.css); body { background-image: url(${REMOTE}/body.png) }</style>

La pérdida baja con $\\eta = 0.01$.

| palabra | vecino |
|---|---|
| rey | reina |
| hombre | mujer |
`;

function html(h: string, plain = "salida"): NotebookOutput {
  return { output_type: "display_data", data: { "text/html": h, "text/plain": plain }, metadata: {} };
}

function studentOutputs(): NotebookOutput[] {
  const chart = chartBundle(
    {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      data: { values: [0, 1, 2, 3, 4].map((x) => ({ x, y: 5 - x })) },
      mark: "line",
      encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
    },
    "pérdida",
  );
  assert.ok(chart.bundle["image/png"] !== undefined, `no PNG: ${chart.pngError}`);
  return [
    {
      output_type: "display_data",
      data: {
        "image/svg+xml":
          `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=7" width="10" height="10"><image ` +
          `href="${REMOTE}/svg.png" width="10" height="10"/><script>window.__pwned=8</script></svg>`,
        "text/plain": "svg",
      },
      metadata: {},
    },
    html(
      `<script>window.__pwned=9</script><b>negrita</b><img src="${REMOTE}/out.png" onerror="window.__pwned=10"><span ` +
        `style="color:red;cursor:url(${REMOTE}/c.cur),auto">rojo</span>`,
    ),
    { output_type: "display_data", data: { "application/javascript": "window.__pwned=11", "text/plain": "<js>" }, metadata: {} },
    { output_type: "display_data", data: chart.bundle, metadata: chart.metadata },
  ];
}

/** A decided check with marks()' own HTML, as the grader writes it (grading/grade/verdict.ts). */
function check(index: number, points: number, passed: boolean): CheckResult {
  let h = "";
  let t = "";
  const prev = setMarksOutput({ html: (s) => (h = s), text: (s) => (t = s) });
  try {
    marks(points, () => {
      if (!passed) throw new Error("AssertionError: distinto");
    });
  } catch {
    /* marks() rethrows the failure it displayed */
  } finally {
    setMarksOutput(prev);
  }
  return {
    key: `p1:${index}`,
    gradeId: "p1",
    index,
    points,
    awarded: passed ? points : 0,
    hidden: false,
    label: null,
    status: passed ? "passed" : "failed",
    reason: passed ? null : "AssertionError: distinto",
    printed: [],
    outputs: [{ output_type: "display_data", data: { "text/html": h, "text/plain": t }, metadata: {} }],
  };
}

function graded(role: CellRole, cell: NotebookCell, checks: CheckResult[] = []): GradedCell {
  const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
  const assembled: AssembledCell = {
    role,
    cell,
    displaySource: source,
    gradeId: role === "grade" ? "p1" : null,
    timeout: 120,
    compiled: null,
  };
  return { assembled, executed: cell, run: { status: "ok", seconds: 0.1, detail: "" }, checks };
}

function hostileFeedback(): FeedbackInput {
  const code = (source: string, outputs: NotebookOutput[]): NotebookCell => ({
    cell_type: "code",
    source,
    metadata: {},
    outputs,
    execution_count: 1,
  });
  const checks = [check(0, 1, true), check(1, 2, false)];
  return {
    student: STUDENT,
    cells: [
      graded("student", { cell_type: "markdown", source: MARKDOWN, metadata: {} }),
      graded("solution", code("showAll();", studentOutputs())),
      graded("grade", code("marks(1, ...); marks(2, ...);", []), checks),
    ],
    totals: { total: 1, possible: 3, percent: 33.3, parts: { "Parte 1 - Word2Vec": { total: 1, possible: 3 } } },
    notes: [`nota <script>window.__pwned=12</script>`],
    kernelspec: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
  };
}

let browser: Browser;
let page: Page;
let feedbackFile: string;
const requests: string[] = [];
const dialogs: string[] = [];

test.before(
  loudly("setup", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-feedback-"));
    const nbFile = path.join(dir, "feedback.ipynb");
    fs.writeFileSync(nbFile, JSON.stringify(feedbackNotebook(hostileFeedback())));
    feedbackFile = path.join(dir, `${STUDENT}.html`);
    const renderer = new HtmlRenderer(jupyterPython(), path.join(ROOT, "grading", "grade", "render.py"));
    try {
      await renderer.render(nbFile, feedbackFile);
    } finally {
      renderer.close();
    }
    browser = await launch();
    // every request any page of the profile makes is recorded; none may reach the network
    browser.context.on("request", (r) => requests.push(r.url()));
    await browser.context.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
    page = await browser.context.newPage();
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`file://${encodeURI(feedbackFile).replace(/#/g, "%23")}`, { waitUntil: "load", timeout: 30_000 });
    await page.waitForTimeout(500); // late loads (images, fonts) and timers would show by now
  }),
);

test.after(
  loudly("teardown", async () => {
    await browser?.close();
  }),
);

test("no student script ran, even when the page is hovered and its links clicked", async () => {
  for (const el of await page.locator("a, div, img, span").all()) await el.hover({ force: true, timeout: 2000 }).catch(() => undefined);
  if ((await page.locator("#jslink").count()) > 0) await page.locator("#jslink").click({ timeout: 2000 });
  await page.waitForTimeout(200);
  assert.is(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(dialogs, []);
});

test("the page has no script, event handler, javascript: URL, frame or plugin left", async () => {
  // (no DOM types in this project: the page's elements are described structurally)
  type Attr = { name: string; value: string };
  type El = { tagName: string; attributes: ArrayLike<Attr> };
  type Doc = { querySelectorAll(s: string): ArrayLike<El> };
  const found = await page.evaluate(() => {
    const bad: string[] = [];
    const doc = (globalThis as unknown as { document: Doc }).document;
    for (const el of Array.from(doc.querySelectorAll("*"))) {
      const tag = el.tagName.toLowerCase();
      if (["script", "iframe", "frame", "object", "embed", "link", "svg", "base"].includes(tag)) bad.push(tag);
      for (const a of Array.from(el.attributes)) {
        if (a.name.toLowerCase().startsWith("on")) bad.push(`${tag}[${a.name}]`);
        if (/^\s*javascript:/i.test(a.value)) bad.push(`${tag}[${a.name}=${a.value}]`);
      }
    }
    return bad;
  });
  assert.equal(found, []);
});

test("nothing is requested but the file itself and data: URIs (no CDN, no remote image or CSS)", async () => {
  const fileUrl = page.url();
  const outside = requests.filter((u) => u !== fileUrl && !u.startsWith("data:"));
  assert.equal(outside, []);
  assert.ok(requests.includes(fileUrl), `the page itself was not recorded: ${requests.join(", ")}`);
  const source = fs.readFileSync(feedbackFile, "utf8");
  assert.not.match(source, /<script|cdnjs|mathjax|require\.js/i);
});

test("the grader's marks, the student's Markdown table and the PNG chart are visible", async () => {
  const summary = page.locator("table", { hasText: "parte" }).first();
  assert.ok(await summary.isVisible());
  assert.match(await summary.innerText(), /Parte 1 - Word2Vec\s+1 \/ 3/);
  const student = page.locator("table", { hasText: "reina" });
  assert.ok(await student.isVisible());
  assert.match(await student.innerText(), /hombre\s+mujer/);
  assert.ok(await page.getByText("✓ [1 marks]").isVisible());
  assert.ok(await page.getByText("Test failed ✘ [0/2] marks").isVisible());
  assert.ok(await page.getByText("La pérdida baja con $\\eta = 0.01$.").isVisible(), "maths stays as its text");
  assert.ok(await page.getByText("negrita").isVisible(), "ordinary formatting in an HTML output stays");
  const png = page.locator('img[src^="data:image/png"]');
  assert.is(await png.count(), 1);
  assert.ok(await decoded(png));
  const pic = await pictureOf(png, path.join(shots, "feedback-chart.png"));
  assert.ok(pic.ink > 500 && pic.colours > 2, `chart looks blank: ${JSON.stringify(pic)}`);
  assert.match(await page.title(), /^ana<img/, "the student's name is the title, as text");
  await page.screenshot({ path: path.join(shots, "feedback-page.png"), fullPage: true });
});

test.run();
