/**
 * The student kit: what `lab4 release` hands to a class, and the runtime `lab4 grade` runs.
 *
 *   <out>/lab4-kit/                    the folder students get (also packed as <out>/lab4-kit.tgz)
 *     lab4.ipynb                        the student notebook (no solutions, no hidden tests)
 *     package.json, package-lock.json   `npm install` brings the runtime and its exact dependencies
 *     lab4-<version>.tgz                the runtime package `lab4`: built JS + types of lib/ and
 *                                       grading/, the data files, the native GEMM's sources and
 *                                       its linux-x64 prebuild (OpenBLAS linked in), the
 *                                       WebAssembly loops (native/loops), the Jupyter drivers and
 *                                       a pristine copy of the notebook for `lab4 check`; nothing
 *                                       of reference/, test/ or the instructor notebook
 *     LEEME.md, README.md               how to install and work, in Spanish and English
 *
 * The grader installs the same kit (`installKit`: `npm ci` from its lock) and mounts that install,
 * read-only, into every kernel, so a student's machine and the grader run the same bytes.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNotebook } from "./notebook";
import { releaseNotebook, serializeNotebook, writeFileAtomic } from "./notebook/release";
import { validateSource } from "./grade/validate";
import type { InstalledKit } from "./grade/sandbox";
import { repoRoot as repoRootOfCode } from "../lib/engine/repo-root";

export type { InstalledKit };

/** Where `lab4 check` finds the released notebook's test cells inside the runtime package. */
export const CHECK_NOTEBOOK = path.join("check", "lab4.ipynb");
export const KIT_NOTEBOOK = "lab4.ipynb";
const SHA_FILE = ".lab4-kit.sha256";

export class KitError extends Error {
  override name = "KitError";
}

interface RootPackage {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

export interface KitOptions {
  /** The repository (built: dist/ must be current). */
  repoRoot: string;
  /** The instructor notebook. */
  sourceFile: string;
  /** Folder that receives lab4-kit/ and lab4-kit.tgz. */
  outDir: string;
  /** Replace a kit folder that is not empty. */
  force: boolean;
  /** Names the runtime exports that answer a task of `sourceFile` (refused when non-empty). */
  exportedAnswers?: (sourceFile: string) => string[];
  log?: (line: string) => void;
}

export interface Kit {
  dir: string;
  tgz: string;
  runtimeTgz: string;
}

function run(cmd: string, args: readonly string[], cwd: string, what: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, shell: process.platform === "win32" });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new KitError(`${what} failed (${cmd} ${args.join(" ")} in ${cwd}): ${r.error?.message ?? `exit ${r.status}`}\n${out}`);
  }
  return r.stdout;
}

function readRootPackage(repoRoot: string): RootPackage {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as RootPackage;
}

/** Copies `src` to `dst`, keeping only the files `keep` accepts (by path relative to `src`). */
function copyTree(src: string, dst: string, keep: (rel: string) => boolean): void {
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(src, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && keep(r)) {
        fs.mkdirSync(path.dirname(path.join(dst, r)), { recursive: true });
        fs.copyFileSync(path.join(src, r), path.join(dst, r));
      }
    }
  };
  walk("");
}

/** The runtime package's manifest: the repository's run-time dependencies, no dev tools. */
function runtimeManifest(root: RootPackage): Record<string, unknown> {
  for (const dep of ["tslab", "typescript"])
    if (root.dependencies?.[dep] === undefined)
      throw new KitError(`package.json: "${dep}" must be a run-time dependency (the kit's kernel needs it)`);
  return {
    name: root.name,
    version: root.version,
    description: "Lab 4 (Word2Vec + Seq2Seq) runtime for students: the lab4 library, the notebook checks and `lab4 check`",
    license: root.license,
    main: "dist/lib/index.js",
    types: "dist/lib/index.d.ts",
    bin: { lab4: "dist/grading/cli.js" },
    exports: { ".": "./dist/lib/index.js", "./grading": "./dist/grading/index.js", "./package.json": "./package.json" },
    typesVersions: { "*": { grading: ["dist/grading/index.d.ts"] } },
    engines: root.engines,
    // The native GEMM is optional: the prebuild for this platform if it loads, else a source build;
    // the script reports why neither worked and exits 0 (the library then runs on wasm).
    scripts: { install: "node scripts/build-native.js --prefer-prebuild" },
    dependencies: root.dependencies,
  };
}

/** sha256 over the native binding's sources: scripts/native-sources.js, which build-native.js records with. */
function bindingSourcesSha256(nativeDir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script shared with scripts/build-native.js
  const sources = require(path.join(repoRootOfCode(), "scripts", "native-sources.js")) as { sourcesSha256(nativeDir: string): string };
  return sources.sourcesSha256(nativeDir);
}

/**
 * The binding prebuilds to ship (paths relative to native/sgemm, e.g.
 * "prebuilds/linux-x64/lab4_sgemm.napi.glibc.node"). Refuses one made from other sources than
 * the ones shipped beside it.
 */
export function bindingPrebuilds(repoRoot: string): string[] {
  const sgemm = path.join(repoRoot, "native", "sgemm");
  const root = path.join(sgemm, "prebuilds");
  if (!fs.existsSync(root)) return [];
  const want = bindingSourcesSha256(path.dirname(sgemm));
  const found: string[] = [];
  for (const tuple of fs.readdirSync(root).sort())
    for (const f of fs.readdirSync(path.join(root, tuple)).sort()) {
      if (!f.endsWith(".node")) continue;
      const rel = path.join("prebuilds", tuple, f);
      const shaFile = path.join(root, tuple, `${f.split(".")[0]}.sources.sha256`);
      const made = fs.existsSync(shaFile) ? fs.readFileSync(shaFile, "utf8").trim() : "unknown sources";
      if (made !== want)
        throw new KitError(
          `native/sgemm/${rel} was built from other sources than native/sgemm's (${made.slice(0, 12)} ≠ ${want.slice(0, 12)}): ` +
            "run npm run build:native -- --prebuild",
        );
      found.push(rel);
    }
  return found;
}

/**
 * Stages the runtime package in `dir`: compiled lib/ and grading/ (JS + .d.ts), the Python
 * drivers, the data, the native GEMM's sources, prebuilds and build script, the check notebook.
 */
function stageRuntime(repoRoot: string, studentNotebook: string, dir: string): void {
  const dist = path.join(repoRoot, "dist");
  for (const part of ["lib", "grading"]) {
    if (!fs.existsSync(path.join(dist, part, "index.js"))) throw new KitError(`${path.join(dist, part)} is not built: run npm run build`);
    copyTree(path.join(dist, part), path.join(dir, "dist", part), (r) => r.endsWith(".js") || r.endsWith(".d.ts"));
  }
  // the notebook driver `lab4 check` runs (grade/driver.py), what it imports and the HTML renderer
  copyTree(path.join(repoRoot, "grading"), path.join(dir, "grading"), (r) => r.startsWith(`grade${path.sep}`) && r.endsWith(".py"));
  copyTree(path.join(repoRoot, "data"), path.join(dir, "data"), () => true);
  copyTree(
    path.join(repoRoot, "native", "sgemm"),
    path.join(dir, "native", "sgemm"),
    (r) => !r.startsWith("build") && !r.startsWith("prebuilds") && /\.(c|h|gyp)$/.test(r),
  );
  for (const rel of bindingPrebuilds(repoRoot)) {
    fs.mkdirSync(path.dirname(path.join(dir, "native", "sgemm", rel)), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, "native", "sgemm", rel), path.join(dir, "native", "sgemm", rel));
  }
  // the loops' C (sgemm.c includes it) and its committed WebAssembly build, used without the binding
  copyTree(path.join(repoRoot, "native", "loops"), path.join(dir, "native", "loops"), (r) => /\.(c|h|wasm)$/.test(r));
  fs.mkdirSync(path.join(dir, "scripts"), { recursive: true });
  for (const f of ["build-native.js", "native-sources.js"])
    fs.copyFileSync(path.join(repoRoot, "scripts", f), path.join(dir, "scripts", f));
  writeFileAtomic(path.join(dir, CHECK_NOTEBOOK), studentNotebook);
  writeFileAtomic(path.join(dir, "package.json"), JSON.stringify(runtimeManifest(readRootPackage(repoRoot)), null, 2) + "\n");
}

function kitManifest(root: RootPackage, runtimeTgz: string): Record<string, unknown> {
  return {
    name: "lab4-kit",
    version: root.version,
    private: true,
    description: "Laboratorio 4 (Word2Vec + Seq2Seq) en TypeScript: kit del estudiante",
    scripts: { check: `lab4 check ${KIT_NOTEBOOK}`, kernel: "lab4 install-kernel" },
    dependencies: {
      lab4: `file:${runtimeTgz}`,
      tslab: root.dependencies?.tslab,
      typescript: root.dependencies?.typescript,
    },
  };
}

function kitFolderFree(dir: string, force: boolean): void {
  if (!fs.existsSync(dir)) return;
  if (fs.readdirSync(dir).length > 0 && !force) throw new KitError(`${dir} exists and is not empty: remove it or pass --force`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** `lab4 release`'s kit. Returns where it was written. */
export function buildKit(o: KitOptions): Kit {
  const log = o.log ?? (() => {});
  const source = readNotebook(o.sourceFile);
  validateSource(source, o.sourceFile);
  const leaked = o.exportedAnswers?.(o.sourceFile) ?? [];
  if (leaked.length > 0)
    throw new KitError(
      `the runtime would export answers to tasks of ${o.sourceFile}: ${leaked.join(", ")} (move them to reference/ or rename the task)`,
    );
  const studentNotebook = serializeNotebook(releaseNotebook(source));
  const root = readRootPackage(o.repoRoot);
  const kitDir = path.join(o.outDir, "lab4-kit");
  const kitTgz = path.join(o.outDir, "lab4-kit.tgz");
  kitFolderFree(kitDir, o.force);
  fs.mkdirSync(kitDir, { recursive: true });

  if (bindingPrebuilds(o.repoRoot).length === 0)
    log("kit: no prebuilt native GEMM (npm run build:native -- --prebuild makes linux-x64's): students build it from source or run wasm");
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-runtime-"));
  try {
    stageRuntime(o.repoRoot, studentNotebook, stage);
    run("npm", ["pack", "--silent", "--pack-destination", kitDir], stage, "npm pack (runtime)");
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  const runtimeTgz = `${root.name}-${root.version}.tgz`;
  if (!fs.existsSync(path.join(kitDir, runtimeTgz))) throw new KitError(`npm pack did not write ${runtimeTgz} in ${kitDir}`);
  writeFileAtomic(path.join(kitDir, KIT_NOTEBOOK), studentNotebook);
  writeFileAtomic(path.join(kitDir, "package.json"), JSON.stringify(kitManifest(root, runtimeTgz), null, 2) + "\n");
  for (const doc of ["LEEME.md", "README.md"]) fs.copyFileSync(path.join(o.repoRoot, "grading", "kit-docs", doc), path.join(kitDir, doc));
  // Resolve every dependency now, so students and the grader install exactly the same versions.
  run(
    "npm",
    ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"],
    kitDir,
    "npm install --package-lock-only (kit)",
  );
  run("tar", ["-czf", kitTgz, "-C", o.outDir, "lab4-kit"], o.outDir, "tar (kit)");
  log(`kit: ${kitDir} (${runtimeTgz}), packed as ${kitTgz}`);
  return { dir: kitDir, tgz: kitTgz, runtimeTgz: path.join(kitDir, runtimeTgz) };
}

/** The files that make a kit's install: its manifest, its lock and the runtime package the manifest names. */
function kitFiles(kitDir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(kitDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const runtime = manifest.dependencies?.lab4?.replace(/^file:/, "");
  if (runtime === undefined || !fs.existsSync(path.join(kitDir, runtime)))
    throw new KitError(`${kitDir} is not a lab4 kit (no lab4 runtime package in package.json)`);
  return ["package.json", "package-lock.json", runtime];
}

/** sha256 over a kit's manifest, lock and runtime package: what makes two installs the same. */
export function kitSha256(kitDir: string): string {
  const h = createHash("sha256");
  for (const f of kitFiles(kitDir)) h.update(fs.readFileSync(path.join(kitDir, f)));
  return h.digest("hex");
}

/** An installed kit found at `dir` (its node_modules/lab4 must be a real folder, not a link). */
export function installedKit(dir: string, sha = ""): InstalledKit {
  const nodeModules = path.join(dir, "node_modules");
  const packageRoot = path.join(nodeModules, "lab4");
  if (!fs.existsSync(path.join(packageRoot, "package.json")) || fs.lstatSync(packageRoot).isSymbolicLink())
    throw new KitError(`${dir} holds no installed kit (node_modules/lab4 missing or a link)`);
  return { nodeModules, packageRoot, sha256: sha };
}

/**
 * Installs the kit at `kitDir` into `target` (`npm ci` from the kit's lock; the runtime's install
 * script uses the native GEMM's prebuild, or builds it when a compiler and OpenBLAS are present). Reuses an
 * install of the same kit (same sha256) instead of installing again.
 */
export function installKit(kitDir: string, target: string, log: (line: string) => void = () => {}): InstalledKit {
  const sha = kitSha256(kitDir);
  const marker = path.join(target, SHA_FILE);
  if (fs.existsSync(marker) && fs.readFileSync(marker, "utf8").trim() === sha) return installedKit(target, sha);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  for (const f of kitFiles(kitDir)) fs.copyFileSync(path.join(kitDir, f), path.join(target, f));
  const t0 = Date.now();
  run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], target, `installing the kit ${kitDir}`);
  fs.writeFileSync(marker, sha + "\n");
  log(`kit installed in ${target} (${((Date.now() - t0) / 1000).toFixed(1)} s, sha256 ${sha.slice(0, 12)})`);
  return installedKit(target, sha);
}
