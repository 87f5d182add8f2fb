/**
 * Headless Debian chromium through playwright-core, with a fresh profile, no network chatter, and
 * a check that an element is a real, non-blank picture (pixels of its own screenshot).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, BrowserContext, Locator } from "playwright-core";
import { decodePng, inkPixels, distinctColours } from "../plot/png";

export const CHROMIUM = process.env.LAB4_CHROMIUM ?? "/usr/bin/chromium";

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1200, height: 900 },
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PictureCheck {
  width: number;
  height: number;
  ink: number;
  colours: number;
}

/**
 * Screenshots `el` into `file` and measures it: how many pixels are not (near) white and how many
 * distinct colours it has. A blank or broken image has almost no ink and one or two colours.
 */
export async function pictureOf(el: Locator, file: string): Promise<PictureCheck> {
  await el.scrollIntoViewIfNeeded();
  const png = await el.screenshot({ path: file });
  const img = decodePng(png);
  return { width: img.width, height: img.height, ink: inkPixels(img), colours: distinctColours(img) };
}

/** naturalWidth/complete of an <img>: the browser decoded it. */
export async function decoded(img: Locator): Promise<boolean> {
  return img.evaluate((el) => {
    const i = el as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number };
    return i.complete && i.naturalWidth > 0 && i.naturalHeight > 0;
  });
}

/** uvu does not print errors thrown in before/after hooks (the file just shows 0 passed): print them. */
export function loudly(name: string, fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (e) {
      console.error(`${name} failed:`, e);
      throw e;
    }
  };
}
