// The native GEMM's linux-x64 prebuild, as a Linux student gets it: the released kit's runtime package
// carries it, `npm install` in a fresh folder builds nothing, and the library loads it with OpenBLAS
// linked in, so it runs where no OpenBLAS package is installed (shown by hiding Debian's from the
// process). Its products have the source build's bits.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nativeBlasStatus } from "../../lib/engine/kernels/native-blas";
import { BWRAP_INSTALL, requireTool } from "../helpers/require-tool";
import { testKit } from "../kit-fixture";

const PREBUILD = path.join("native", "sgemm", "prebuilds", "linux-x64", "lab4_sgemm.napi.glibc.node");
const onLinuxX64 = process.platform === "linux" && process.arch === "x64";
const kit = testKit();
const home = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-prebuild-"));
const student = path.join(home, "lab4-kit");
const installed = path.join(student, "node_modules", "lab4");

function sh(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: { ...process.env, FORCE_COLOR: "0" }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}
const said = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}${r.stderr}`;

// Training shapes of the Seq2Seq step (the weight gradient, a product with beta = 1) and an odd one.
const PRODUCTS = [
  { m: 2048, n: 512, k: 3128, tA: true, tB: false, beta: 0 },
  { m: 128, n: 2048, k: 1024, tA: false, tB: true, beta: 1 },
  { m: 300, n: 200, k: 257, tA: true, tB: true, beta: 1 },
];

/**
 * A script that loads the library as a notebook does, prints the "Using: …" line, where the binding
 * came from, and sha256 of each product of PRODUCTS with 1 and 2 threads (same LCG as test/engine).
 */
const PROBE = `
const { createHash } = require("crypto");
const lab4 = require("lab4");
function rand(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = s / 2 ** 31 - 1; }
  return out;
}
(async () => {
  const info = await lab4.initBackend({ backend: "wasm" });
  const st = lab4.nativeBlasStatus();
  const sums = [];
  if (st.loaded)
    for (const p of ${JSON.stringify(PRODUCTS)})
      for (const t of [1, 2]) {
        st.blas.setThreads(t);
        const c = rand(p.m * p.n, 3);
        st.blas.sgemm(rand(p.m * p.k, 1), rand(p.k * p.n, 2), c, p.m, p.n, p.k, p.tA, p.tB, p.beta);
        sums.push(createHash("sha256").update(Buffer.from(c.buffer)).digest("hex"));
      }
  console.log(JSON.stringify({ using: lab4.deviceDescription(info), source: st.source, file: st.file, reason: st.reason, sums }));
})();
`;

interface Probe {
  using: string;
  source?: string;
  file?: string;
  reason?: string;
  sums: string[];
}

function probe(prefix: string[] = []): Probe {
  const cmd = [...prefix, process.execPath, "-e", PROBE];
  const r = sh(cmd[0]!, cmd.slice(1), student);
  assert.is(r.status, 0, said(r));
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Probe;
}

/** bwrap arguments that show the whole machine but Debian's OpenBLAS libraries (empty folders in their place). */
function hidingOpenBlas(): string[] | undefined {
  const libdir = "/usr/lib/x86_64-linux-gnu";
  const dirs = fs.existsSync(libdir) ? fs.readdirSync(libdir).filter((d) => d.startsWith("openblas")) : [];
  const works = spawnSync("bwrap", ["--dev-bind", "/", "/", "/usr/bin/true"]);
  if (works.error || works.status !== 0 || dirs.length === 0) return undefined;
  return ["bwrap", "--dev-bind", "/", "/", ...dirs.flatMap((d) => ["--tmpfs", path.join(libdir, d)])];
}

test.before(() => {
  assert.is(spawnSync("tar", ["-xzf", kit.tgz, "-C", home]).status, 0);
  const r = sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--foreground-scripts"], student);
  assert.is(r.status, 0, said(r));
  if (onLinuxX64) assert.match(r.stdout, /build:native: using the prebuilt binding \(.*lab4_sgemm\.napi\.glibc\.node; OpenBLAS /);
});

test("the runtime package ships the linux-x64 prebuild and loads it with node-gyp-build; npm install built nothing", () => {
  if (!onLinuxX64) return console.log(`SKIP (prebuild): it is made for linux-x64, this is ${process.platform}-${process.arch}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };
  assert.is(manifest.scripts.install, "node scripts/build-native.js --prefer-prebuild");
  assert.ok(manifest.dependencies["node-gyp-build"], "node-gyp-build is a run-time dependency");
  assert.ok(fs.statSync(path.join(installed, PREBUILD)).size > 1_000_000, "OpenBLAS is inside the binding");
  assert.ok(fs.existsSync(path.join(installed, "native", "sgemm", "sgemm.c")), "the sources stay for other platforms");
  assert.not.ok(fs.existsSync(path.join(installed, "native", "sgemm", "build")), "no source build was made");
  const p = probe();
  assert.is(p.source, "prebuilt", JSON.stringify(p));
  assert.is(p.file, path.join(fs.realpathSync(installed), PREBUILD));
  assert.match(p.using, /^Using: cpu \(TensorFlow\.js wasm backend, .*matmul on OpenBLAS \S+ GEMM \(prebuilt\), \d+ threads?\)$/);
});

test("the prebuild needs no OpenBLAS package: no libopenblas in its NEEDED list, and it loads with Debian's hidden", () => {
  if (!onLinuxX64) return;
  const readelf = spawnSync("readelf", ["-d", path.join(installed, PREBUILD)], { encoding: "utf8" });
  if (
    !requireTool({
      what: "the prebuild's NEEDED list",
      present: readelf.status === 0,
      reason: "readelf failed",
      install: "install binutils",
    })
  )
    return;
  const needed = [...readelf.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((m) => m[1]!);
  assert.ok(needed.includes("libc.so.6"), readelf.stdout);
  for (const lib of needed) assert.match(lib, /^(libc|libm|libpthread|libdl|libgcc_s|ld-linux-x86-64)\.so\.\d+$/, `NEEDED ${lib}`);

  const hide = hidingOpenBlas();
  if (
    !requireTool({
      what: "loading the prebuild without OpenBLAS",
      present: !!hide,
      reason: "bwrap cannot hide OpenBLAS",
      install: BWRAP_INSTALL,
    })
  )
    return;
  // The hiding is real: the repository's source build cannot load there.
  const source = nativeBlasStatus();
  if (source.loaded) {
    const r = spawnSync(hide![0]!, [...hide!.slice(1), process.execPath, "-e", `require(${JSON.stringify(source.file)})`], {
      encoding: "utf8",
    });
    assert.match(r.stderr, /libopenblas\.so\.0: cannot open shared object file/);
  }
  const p = probe(hide);
  assert.is(p.source, "prebuilt", JSON.stringify(p));
  assert.is(p.sums.length, PRODUCTS.length * 2);
});

test("the prebuild's products have the source build's bits, with 1 and 2 threads", () => {
  if (!onLinuxX64) return;
  const s = nativeBlasStatus();
  const built = requireTool({
    what: "comparing the prebuild with the source build",
    present: s.loaded && s.source === "source build",
    reason: s.loaded ? `the repository loads ${s.file}` : s.reason,
    install: "npm run build:native (scripts/setup.sh does)",
  });
  if (!built || !s.loaded) return;
  const rand = (n: number, seed: number) => {
    const out = new Float32Array(n);
    let x = seed >>> 0;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      out[i] = x / 2 ** 31 - 1;
    }
    return out;
  };
  const want: string[] = [];
  const before = s.blas.threads();
  for (const p of PRODUCTS)
    for (const t of [1, 2]) {
      s.blas.setThreads(t);
      const c = rand(p.m * p.n, 3);
      s.blas.sgemm(rand(p.m * p.k, 1), rand(p.k * p.n, 2), c, p.m, p.n, p.k, p.tA, p.tB, p.beta);
      want.push(createHash("sha256").update(Buffer.from(c.buffer)).digest("hex"));
    }
  s.blas.setThreads(before);
  assert.equal(probe().sums, want);
});

test.after(() => fs.rmSync(home, { recursive: true, force: true }));

test.run();
