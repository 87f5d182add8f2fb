/**
 * The HTML report in headless chromium: built from the executed fixture notebook (real tslab kernel
 * through nbconvert), every chart is an image the browser decoded and whose screenshot is not
 * blank, and the marks summary (chart, table, total) is visible. Screenshots: test/artifacts/browser/.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { executedFixture, ARTIFACTS, CHART_CELLS } from "./fixture";
import { launch, pictureOf, decoded, loudly, Browser } from "./chromium";
import { writeReport } from "../../scripts/report";

const shots = path.join(ARTIFACTS, "browser");
let browser: Browser;
let reportFile: string;

test.before(
  loudly("setup", async () => {
    const nb = executedFixture();
    reportFile = writeReport({ notebook: nb, out: path.join(shots, "report.html"), profile: "quick" }).out;
    browser = await launch();
  }),
);

test.after(
  loudly("teardown", async () => {
    await browser?.close();
  }),
);

test("every chart of the notebook (and the marks chart) is a decoded, non-blank image", async () => {
  const page = await browser.context.newPage();
  await page.goto(`file://${reportFile}`, { timeout: 30_000 });
  const figures = page.locator("figure.chart");
  const ids = await figures.evaluateAll((els) => els.map((e) => e.getAttribute("data-chart")));
  assert.equal(ids, ["marks", ...CHART_CELLS]);
  for (const id of ids) {
    const img = page.locator(`figure.chart[data-chart="${id}"] img`);
    assert.ok(await decoded(img), `${id}: image not decoded`);
    const pic = await pictureOf(img, path.join(shots, `report-${id}.png`));
    assert.ok(pic.width > 200 && pic.height > 60, `${id}: ${pic.width}×${pic.height}`);
    // a chart has axes, text and lines: thousands of inked pixels in several colours
    assert.ok(pic.ink > 1500, `${id}: only ${pic.ink} non-white pixels`);
    assert.ok(pic.colours > 4, `${id}: ${pic.colours} colours`);
  }
  await page.screenshot({ path: path.join(shots, "report-page.png"), fullPage: true });
  await page.close();
});

test("the marks summary is visible: total, per-part table, failed check, profile banner", async () => {
  const page = await browser.context.newPage();
  await page.goto(`file://${reportFile}`);
  assert.ok(await page.locator("#total").isVisible());
  assert.is((await page.locator("#total").innerText()).trim(), "30 / 56 (53.6%)");
  const table = page.locator("#marks-table");
  assert.ok(await table.isVisible());
  const rows = await table.locator("tbody tr").allInnerTexts();
  assert.equal(
    rows.map((r) => r.split("\t").map((c) => c.trim())),
    [
      ["Parte 1 - Word2Vec", "5", "5", "2", "0"],
      ["Parte 2 - Seq2Seq", "25", "51", "3", "2"],
      ["Total", "30", "56", "5", "2"],
    ],
  );
  assert.match(await page.locator("#failed").innerText(), /part2[\s\S]*AssertionError[\s\S]*failed_check/);
  // the errors the kernel printed are listed, short
  assert.match(await page.locator("#errors").innerText(), /student_error[\s\S]*no está en el vocabulario/);
  assert.match(await page.locator("#profile").innerText(), /REDUCIDO \(quick\)/);
  await page.locator("#marks").screenshot({ path: path.join(shots, "report-marks.png") });
  await page.close();
  assert.ok(fs.statSync(reportFile).size < 5 * 1024 * 1024);
});

test.run();
