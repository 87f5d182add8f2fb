/**
 * The main job: runs the whole solution notebook headless on the shipped data with the real tslab
 * kernel through nbconvert, then writes the executed notebook and an HTML export to an output folder.
 *
 *   npm run lab                 full profile (the lab as written)
 *   npm run lab -- --quick      reduced profile (LAB4_PROFILE=quick; the notebook prints it)
 *   npm run lab -- --out DIR    output folder (default: out/lab-<timestamp>)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { executeNotebook } from "../grading/execute";
import { readNotebook, collectMarks } from "../grading/notebook";

function main(): void {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const outIdx = args.indexOf("--out");
  const root = path.resolve(__dirname, "..");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const outDir = path.resolve(outIdx >= 0 ? args[outIdx + 1] : path.join(root, "out", `lab-${stamp}`));
  fs.mkdirSync(outDir, { recursive: true });

  const source = path.join(root, "notebooks", "source", "lab4.ipynb");
  const executed = path.join(outDir, "lab4.executed.ipynb");
  const profile = quick ? "quick" : "full";
  console.log(`lab: executing ${path.relative(root, source)} (profile: ${profile}) ...`);
  const t0 = Date.now();
  const result = executeNotebook(source, executed, {
    env: { LAB4_PROFILE: profile },
    timeoutCellSeconds: quick ? 600 : 6 * 3600,
  });
  const seconds = (Date.now() - t0) / 1000;
  if (!result.ok) {
    console.error(result.message);
    process.exit(1);
  }
  const nb = readNotebook(executed);
  const summary = collectMarks(nb);
  const html = spawnSync("jupyter", ["nbconvert", "--to", "html", "--output-dir", outDir, executed], {
    encoding: "utf8",
  });
  if (html.status !== 0) console.error(`lab: HTML export failed:\n${html.stderr}`);
  fs.writeFileSync(
    path.join(outDir, "summary.json"),
    JSON.stringify({ profile, seconds, ...summary }, null, 2) + "\n",
  );
  console.log(`lab: ${summary.earned}/${summary.possible} marks in ${seconds.toFixed(0)} s`);
  console.log(`lab: output in ${outDir}`);
}

main();
