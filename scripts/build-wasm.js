#!/usr/bin/env node
// Builds the WebAssembly SIMD loops (native/loops/wasm.c) with Debian's clang-14 and wasm-ld-14
// (scripts/setup.sh installs clang-14 and lld-14). The .wasm files are committed and shipped, so
// students need no compiler; `--check` rebuilds into a temporary folder and fails when the bytes
// differ from the committed ones (the build is reproducible: no paths or versions in the output).
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.join(__dirname, "..");
const dir = path.join("native", "loops");
const CC = process.env.LAB4_WASM_CC || "clang-14";

// One module for tfjs-wasm's plain memory, one for the threaded build's shared memory.
const VARIANTS = [
  { file: "lab4-loops.wasm", flags: [] },
  { file: "lab4-loops-shared.wasm", flags: ["-matomics", "-Wl,--shared-memory", "-Wl,--max-memory=4294967296"] },
];
const COMMON = [
  "--target=wasm32",
  "-msimd128",
  "-mbulk-memory",
  "-mnontrapping-fptoint", // float-to-int conversions saturate as on x86 instead of trapping on NaN
  "-O3",
  "-ffp-contract=off",
  "-fno-math-errno",
  "-ffreestanding",
  "-nostdlib",
  "-Wall",
  "-Wextra",
  "-Werror",
  "-Wl,--no-entry",
  "-Wl,--import-memory",
  "-Wl,-z,stack-size=0",
  "-Wl,--strip-all",
];

function build(outDir) {
  for (const v of VARIANTS) {
    const out = path.join(outDir, v.file);
    const r = spawnSync(CC, [...COMMON, ...v.flags, "-o", out, path.join(dir, "wasm.c")], { cwd: root, encoding: "utf8" });
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : (r.stderr || "").trim();
      console.error(`build:wasm: ${CC} failed for ${v.file}: ${why}`);
      console.error("build:wasm: install clang-14 and lld-14 (scripts/setup.sh does)");
      process.exit(1);
    }
    fs.chmodSync(out, 0o644);
  }
}

if (process.argv.includes("--check")) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-wasm-"));
  try {
    build(tmp);
    const differ = VARIANTS.filter((v) => {
      const committed = path.join(root, dir, v.file);
      return !fs.existsSync(committed) || !fs.readFileSync(committed).equals(fs.readFileSync(path.join(tmp, v.file)));
    });
    if (differ.length > 0) {
      console.error(
        `build:wasm: ${differ.map((v) => path.join(dir, v.file)).join(", ")} differ from a fresh build: run npm run build:wasm and commit`,
      );
      process.exit(1);
    }
    console.log(`build:wasm: ${VARIANTS.map((v) => v.file).join(", ")} match a fresh build`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
} else {
  build(path.join(root, dir));
  console.log(`build:wasm: ok (${VARIANTS.map((v) => path.join(dir, v.file)).join(", ")})`);
}
