#!/usr/bin/env node
// Builds the optional native GEMM (native/sgemm, OpenBLAS) with npm's own node-gyp.
//
//   node scripts/build-native.js [--required]   source build into native/sgemm/build/Release, linked to
//                                               the system's OpenBLAS (a developer's machine)
//   node scripts/build-native.js --prebuild     the binding shipped in the student kit:
//                                               native/sgemm/prebuilds/linux-x64/lab4_sgemm.napi.glibc.node,
//                                               with Debian's static libopenblas.a linked in
//   node scripts/build-native.js --prefer-prebuild
//                                               the kit's install script: nothing to build when the prebuild
//                                               for this platform loads, else a source build
//
// A source build needs a C compiler, pkg-config and libopenblas-dev (scripts/setup.sh installs them).
// Without any binding the library runs every product on the wasm kernels (several times slower), so
// a failure is reported, and is an error only with --required or --prebuild.
"use strict";
const { spawnSync, execFileSync } = require("child_process");
const { sourceFiles, sourcesSha256 } = require("./native-sources");
const fs = require("fs");
const os = require("os");
const path = require("path");

const prebuild = process.argv.includes("--prebuild");
const required = prebuild || process.argv.includes("--required");
const dir = path.join(__dirname, "..", "native", "sgemm");
const PREBUILD = path.join("prebuilds", "linux-x64", "lab4_sgemm.napi.glibc.node");
// Which sources a prebuild was made from (grading/kit.ts refuses to ship a stale one).
const PREBUILD_SOURCES = path.join("prebuilds", "linux-x64", "lab4_sgemm.sources.sha256");

function nodeGyp() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    const root = execFileSync("npm", ["root", "-g"], { encoding: "utf8" }).trim();
    const p = path.join(root, "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
    if (fs.existsSync(p)) return p;
  } catch {
    // fall through
  }
  return undefined;
}

function fail(why) {
  console.error(`build:native: ${why}`);
  if (!prebuild) console.error("build:native: matrix products will run on tfjs-wasm (correct, but several times slower).");
  process.exit(required ? 1 : 0);
}

/** Loads `file` once and multiplies 2·3: a library that links but cannot load fails here, not in a notebook. */
function check(file) {
  const blas = require(file);
  const c = new Float32Array(1);
  blas.sgemm(new Float32Array([2]), new Float32Array([3]), c, 1, 1, 1, false, false);
  if (c[0] !== 6) throw new Error(`computed 2·3 = ${c[0]}`);
  return `${blas.config().trim()}, ${blas.threads()} threads`;
}

/** node-gyp rebuild in `cwd` with extra gyp variables; exits through fail() when it fails. */
function gypRebuild(cwd, extra) {
  const gyp = nodeGyp();
  if (!gyp) fail("npm's node-gyp was not found");
  const pc = spawnSync("pkg-config", ["--exists", "openblas"]);
  if (pc.error || pc.status !== 0) fail("OpenBLAS not found by pkg-config (apt-get install libopenblas-dev pkg-config)");
  // Build against the local Node headers (offline machines cannot download them).
  const args = [gyp, "rebuild", ...extra];
  const nodedir = process.env.npm_config_nodedir || (fs.existsSync("/usr/include/node/node_api.h") ? "/usr" : "");
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const r = spawnSync(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write((r.stdout || "") + (r.stderr || ""));
    fail(`node-gyp failed in ${cwd}`);
  }
  return path.join(cwd, "build", "Release", "lab4_sgemm.node");
}

function buildPrebuild() {
  if (process.platform !== "linux" || process.arch !== "x64")
    fail(`--prebuild makes the linux-x64 binding; this is ${process.platform}-${process.arch}`);
  const libdir = spawnSync("pkg-config", ["--variable=libdir", "openblas"], { encoding: "utf8" }).stdout?.trim();
  const lib = libdir ? path.join(libdir, "libopenblas.a") : "";
  if (!lib || !fs.existsSync(lib))
    fail(`no static OpenBLAS (${lib || "pkg-config knows no openblas"}): apt-get install libopenblas-pthread-dev pkg-config`);
  // Built in a copy: node-gyp rebuild would wipe the developer's source build in native/sgemm/build.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-prebuild-"));
  try {
    const sha = sourcesSha256(path.dirname(dir));
    // The same layout as native/: sgemm.c includes ../loops/*.c.
    for (const rel of sourceFiles(path.dirname(dir))) {
      fs.mkdirSync(path.join(tmp, path.dirname(rel)), { recursive: true });
      fs.copyFileSync(path.join(path.dirname(dir), rel), path.join(tmp, rel));
    }
    const built = gypRebuild(path.join(tmp, "sgemm"), [`--openblas_static=${lib}`]);
    const out = path.join(dir, PREBUILD);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.copyFileSync(built, out);
    fs.writeFileSync(path.join(dir, PREBUILD_SOURCES), sha + "\n");
    let said;
    try {
      said = check(out);
    } catch (e) {
      fs.rmSync(out, { force: true });
      fail(`cannot load ${out}: ${e.message}`);
    }
    console.log(`build:native: prebuild ok (${out}, OpenBLAS linked from ${lib}; ${said})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The kit's install: true when this platform's prebuild loads (then nothing is built). */
function prebuildLoads() {
  let file;
  try {
    file = require("node-gyp-build").path(dir);
  } catch {
    return false; // no prebuild for this platform (or no loader): build from source
  }
  if (!file.includes(`${path.sep}prebuilds${path.sep}`)) return false;
  try {
    console.log(`build:native: using the prebuilt binding (${file}; ${check(file)})`);
    return true;
  } catch (e) {
    console.error(`build:native: the prebuilt binding ${file} does not load here (${e.message.split("\n")[0]}); building from source`);
    return false;
  }
}

if (prebuild) buildPrebuild();
else if (!(process.argv.includes("--prefer-prebuild") && prebuildLoads())) {
  const file = gypRebuild(dir, []);
  try {
    console.log(`build:native: ok (${file}; ${check(file)})`);
  } catch (e) {
    fail(`cannot load ${file}: ${e.message}`);
  }
}
