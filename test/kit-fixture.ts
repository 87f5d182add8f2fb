/**
 * The student kit the grading tests run their kernels on, released from this checkout's build and
 * installed once: test/artifacts/kit-<hash>/ (lab4 release) and kit-<hash>-install/ (npm ci).
 * The hash covers every input of the kit, so a change to the library, the grader, the data or the
 * instructor notebook releases and installs a new one; later test processes reuse it. The kit
 * ships the native GEMM's linux-x64 prebuild, made here first when missing or stale.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { bindingPrebuilds, buildKit, installKit, KitError, type InstalledKit } from "../grading/kit";
import { requireTool } from "./helpers/require-tool";

export const repoRoot = path.resolve(__dirname, "..");
export const sourceNotebook = path.join(repoRoot, "notebooks", "source", "lab4.ipynb");

const INPUTS = [
  "dist/lib",
  "dist/grading",
  "grading",
  "data",
  "native/sgemm/sgemm.c",
  "native/sgemm/binding.gyp",
  "scripts/build-native.js",
  "notebooks/source/lab4.ipynb",
  "package.json",
  "package-lock.json",
];

/** Makes native/sgemm/prebuilds/linux-x64/… when it is missing or was built from other sources. */
function ensurePrebuild(): void {
  let current = false;
  try {
    current = bindingPrebuilds(repoRoot).length > 0;
  } catch (e) {
    if (!(e instanceof KitError)) throw e; // stale: rebuilt below
  }
  if (current || process.platform !== "linux" || process.arch !== "x64") return;
  const r = spawnSync(process.execPath, [path.join(repoRoot, "scripts", "build-native.js"), "--prebuild"], { encoding: "utf8" });
  requireTool({
    what: "the kit's prebuilt native GEMM",
    present: r.status === 0,
    reason: `${r.stderr}`.trim().split("\n").pop() ?? "",
    install: "install libopenblas-pthread-dev, pkg-config and a C compiler (scripts/setup.sh does)",
  });
}

function hashInputs(): string {
  const h = createHash("sha256");
  const add = (rel: string) => {
    const abs = path.join(repoRoot, rel);
    const st = fs.statSync(abs);
    if (st.isDirectory()) for (const e of fs.readdirSync(abs).sort()) add(path.join(rel, e));
    else if (st.isFile() && !rel.endsWith(".map")) h.update(rel).update(fs.readFileSync(abs));
  };
  for (const i of INPUTS) add(i);
  if (fs.existsSync(path.join(repoRoot, "native/sgemm/prebuilds"))) add("native/sgemm/prebuilds");
  return h.digest("hex").slice(0, 12);
}

export interface TestKit {
  /** The released kit folder (what students get). */
  dir: string;
  /** Its .tgz. */
  tgz: string;
  install: InstalledKit;
}

let cached: TestKit | undefined;

/** Releases and installs the kit if this checkout's inputs have no kit yet; returns it. */
export function testKit(): TestKit {
  if (cached !== undefined) return cached;
  ensurePrebuild();
  const out = path.join(repoRoot, "test", "artifacts", `kit-${hashInputs()}`);
  const dir = path.join(out, "lab4-kit");
  const done = path.join(out, "released");
  if (!fs.existsSync(done)) {
    const artifacts = path.dirname(out);
    if (fs.existsSync(artifacts))
      for (const old of fs.readdirSync(artifacts))
        if (old.startsWith("kit-")) fs.rmSync(path.join(artifacts, old), { recursive: true, force: true });
    buildKit({ repoRoot, sourceFile: sourceNotebook, outDir: out, force: true });
    fs.writeFileSync(done, "");
  }
  cached = { dir, tgz: path.join(out, "lab4-kit.tgz"), install: installKit(dir, `${dir}-install`) };
  return cached;
}
