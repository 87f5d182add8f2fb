/**
 * The executed fixture notebook in the classic Jupyter Notebook (6.x) served on loopback, viewed in
 * headless chromium: every chart renders as the PNG of its bundle (classic Notebook has no
 * Vega-Lite renderer and shows no SVG in untrusted notebooks), non-blank; text-only outputs (the
 * progress bars) show their final line. The server is started and stopped (its process group) by
 * the test, with bounded waits.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, ChildProcess } from "node:child_process";
import { executedFixture, ARTIFACTS, CHART_CELLS } from "./fixture";
import { launch, pictureOf, decoded, loudly, Browser } from "./chromium";

const shots = path.join(ARTIFACTS, "browser");
let browser: Browser;
let server: ChildProcess | null = null;
let serverLog = "";
let port = 0;
let dir = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitForServer(ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (server?.exitCode !== null) throw new Error(`jupyter notebook exited (${server?.exitCode}):\n${serverLog}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`jupyter notebook did not answer on port ${port} within ${ms} ms:\n${serverLog}`);
}

test.before(
  loudly("setup", async () => {
    const nb = executedFixture();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-nbserver-"));
    fs.copyFileSync(nb, path.join(dir, "charts.ipynb"));
    port = await freePort();
    server = spawn(
      "jupyter",
      [
        "notebook",
        "--no-browser",
        `--port=${port}`,
        "--port-retries=0",
        "--ip=127.0.0.1",
        "--NotebookApp.token=",
        "--NotebookApp.password=",
        `--notebook-dir=${dir}`,
        // CI runs as root; the server only listens on loopback
        ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
      ],
      // own process group: the test stops the server and any kernel it started, and nothing else
      {
        cwd: dir,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, JUPYTER_RUNTIME_DIR: path.join(dir, ".runtime") },
      },
    );
    server.stdout!.on("data", (d) => (serverLog += d));
    server.stderr!.on("data", (d) => (serverLog += d));
    await waitForServer(40_000);
    browser = await launch();
  }),
);

test.after(
  loudly("teardown", async () => {
    await browser?.close();
    if (server && server.exitCode === null && server.pid) {
      const exited = new Promise((r) => server!.once("exit", r));
      process.kill(-server.pid, "SIGTERM");
      const timer = setTimeout(() => server?.pid && server.exitCode === null && process.kill(-server.pid, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }),
);

test("classic Notebook renders each chart's PNG, non-blank, in its output area", async () => {
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${port}/notebooks/charts.ipynb`, { timeout: 30_000 });
  const imgs = page.locator("div.output_png img");
  await imgs.first().waitFor({ timeout: 30_000 });
  await imgs.nth(CHART_CELLS.length - 1).waitFor({ state: "attached", timeout: 15_000 });
  assert.is(await imgs.count(), CHART_CELLS.length);
  for (let i = 0; i < CHART_CELLS.length; i++) {
    const img = imgs.nth(i);
    assert.ok(await decoded(img), `${CHART_CELLS[i]}: image not decoded`);
    const pic = await pictureOf(img, path.join(shots, `notebook-${CHART_CELLS[i]}.png`));
    assert.ok(pic.ink > 1500, `${CHART_CELLS[i]}: only ${pic.ink} non-white pixels`);
    assert.ok(pic.colours > 4, `${CHART_CELLS[i]}: ${pic.colours} colours`);
  }
  // nothing rendered as raw JSON or as HTML instead of the picture
  const text = await page.locator("#notebook-container").innerText();
  assert.not.match(text, /"\$schema"/);
  await page.screenshot({ path: path.join(shots, "notebook-page.png"), fullPage: true });
  await page.close();
});

test("the progress bars show their final line", async () => {
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${port}/notebooks/charts.ipynb`, { timeout: 30_000 });
  const out = page.locator("div.output_text pre");
  await out.first().waitFor({ timeout: 30_000 });
  const texts = await out.allInnerTexts();
  for (const e of [0, 1, 2])
    assert.ok(
      texts.some((t) => new RegExp(`^Época ${e} █{24} 8/8 lotes .* terminado`).test(t)),
      texts.join("\n"),
    );
  await page.close();
});

test.run();
