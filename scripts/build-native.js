#!/usr/bin/env node
// Builds the optional native GEMM (native/sgemm, OpenBLAS) with npm's own node-gyp.
// Needs a C compiler, pkg-config and libopenblas-dev (scripts/setup.sh installs them). Without
// it the library runs every product on the wasm kernels (several times slower), so a failure is
// reported, and is an error only with --required (as setup.sh asks, so CI tests the fast path).
"use strict";
const { spawnSync, execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const required = process.argv.includes("--required");
const dir = path.join(__dirname, "..", "native", "sgemm");

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
  console.error("build:native: matrix products will run on tfjs-wasm (correct, but several times slower).");
  process.exit(required ? 1 : 0);
}

const gyp = nodeGyp();
if (!gyp) fail("npm's node-gyp was not found");
const pc = spawnSync("pkg-config", ["--exists", "openblas"]);
if (pc.error || pc.status !== 0) fail("OpenBLAS not found by pkg-config (apt-get install libopenblas-dev pkg-config)");
// Build against the local Node headers (offline machines cannot download them).
const args = [gyp, "rebuild"];
const nodedir = process.env.npm_config_nodedir || (fs.existsSync("/usr/include/node/node_api.h") ? "/usr" : "");
if (nodedir) args.push(`--nodedir=${nodedir}`);
const r = spawnSync(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
if (r.status !== 0) {
  process.stderr.write((r.stdout || "") + (r.stderr || ""));
  fail(`node-gyp failed in ${dir}`);
}
// Load it once: a library that links but cannot load (missing .so at run time) fails here, not in a notebook.
const file = path.join(dir, "build", "Release", "lab4_sgemm.node");
try {
  const blas = require(file);
  const c = new Float32Array(1);
  blas.sgemm(new Float32Array([2]), new Float32Array([3]), c, 1, 1, 1, false, false);
  if (c[0] !== 6) fail(`${file} computed 2·3 = ${c[0]}`);
  console.log(`build:native: ok (${file}; ${blas.config().trim()}, ${blas.threads()} threads)`);
} catch (e) {
  fail(`cannot load ${file}: ${e.message}`);
}
