// Runs each test folder (one concept each) in its own uvu process: tfjs keeps one global engine
// and backend per process, so areas that pick different backends stay independent. Prints a
// closing "N passed, N failed" line and exits non-zero if any test failed or a folder crashed.
// Usage: node scripts/test.js [folder ...]   (default: every folder under test/ with *.test.ts)
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const testDir = path.join(root, "test");
const hasTests = (d) => fs.readdirSync(path.join(testDir, d)).some((f) => f.endsWith(".test.ts"));
const wanted = process.argv.slice(2);
const folders = (wanted.length ? wanted : fs.readdirSync(testDir))
  .map((d) => d.replace(/^test\//, "").replace(/\/$/, ""))
  .filter((d) => fs.statSync(path.join(testDir, d)).isDirectory() && hasTests(d))
  // The notebook execution is the slowest; run it last so quick failures show first.
  .sort((a, b) => (a === "notebooks") - (b === "notebooks") || a.localeCompare(b));

let passed = 0;
let failed = 0;
const broken = [];
const skips = []; // "SKIP (...)" lines tests print when a tool is missing outside CI (test/helpers/require-tool.ts)
for (const dir of folders) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, "node_modules", "uvu", "bin.js"), "-r", "tsx", path.join("test", dir)], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = (r.stdout || "") + (r.stderr || "");
  // The last summary: a test's failure message may quote another uvu run's output (test/clone).
  const last = (re) => Number([...out.matchAll(re)].pop()?.[1] ?? 0);
  const total = last(/Total:\s+(\d+)/g);
  const ok = last(/Passed:\s+(\d+)/g);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  passed += ok;
  failed += total - ok;
  const clean = r.status === 0 && total > 0 && ok === total;
  if (!clean) {
    broken.push(dir);
    if (total === ok) failed += 1; // crashed before or after its tests: count the folder as a failure
    process.stdout.write(out + "\n");
  }
  console.log(`${clean ? "ok  " : "FAIL"} test/${dir}: ${ok}/${total} passed (${secs} s)`);
  for (const line of out.split("\n").filter((l) => l.startsWith("SKIP ("))) {
    console.log(`     ${line}`);
    skips.push(`test/${dir}: ${line}`);
  }
}
if (skips.length) console.log(`parts skipped (missing tools; in CI they fail): ${skips.length}`);
if (broken.length) console.log(`failing folders: ${broken.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && broken.length === 0 ? 0 : 1);
