/**
 * The main job: runs the whole solution notebook headless on the shipped data with the real tslab
 * kernel through nbconvert, then writes to an output folder
 *   lab4.executed.ipynb   the executed notebook (charts as Vega-Lite + PNG, marks, timings)
 *   report.html           a standalone report (charts as PNG, marks per part, errors, timings,
 *                         backend, profile) — see scripts/report.ts
 *   summary.json          the same facts for tools
 * and prints the report's path at the end.
 *
 *   npm run lab                 full profile (the lab as written)
 *   npm run lab -- --quick      reduced profile (LAB4_PROFILE=quick; the notebook and report say so)
 *   npm run lab -- --out DIR    output folder (default: out/lab-<timestamp>)
 *
 * The kernel runs in a folder inside the repository (the output folder, or a temporary one under
 * out/ when --out points elsewhere), so `import "lab4"` resolves through node_modules and files the
 * notebook writes (checkpoints) land next to the results, not in notebooks/source. A failing cell
 * does not lose the run: execution goes on (grading/execute.ts, errors allowed), the report lists
 * what the kernel printed on stderr, and the exit code is 1 (failed checks alone do not change it:
 * the quick profile trains too little for the Seq2Seq checks to pass).
 *
 * While it runs it shows which cell runs (n of N, its section, the time) and the kernel's progress
 * bars (epoch, batch, loss, ETA): one redrawn line on a terminal, a line every few seconds in a
 * pipe or log (scripts/lab-progress.ts). Ctrl-C (SIGINT) stops the kernel, still writes the
 * executed-so-far notebook, report and summary, and exits 130 with one line saying where they are.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startNotebook } from "../grading/execute";
import { LabProgress } from "./lab-progress";
import { writeReport } from "./report";

interface Args {
  quick: boolean;
  out: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") args.quick = true;
    else if (a === "--out") {
      args.out = argv[++i];
      if (!args.out) throw new Error("--out needs a folder");
    } else if (a === "--help" || a === "-h") {
      console.log("usage: npm run lab [-- --quick] [-- --out DIR]");
      process.exit(0);
    } else throw new Error(`unknown option ${a} (use --quick, --out DIR)`);
  }
  return args;
}

function inside(dir: string, root: string): boolean {
  const rel = path.relative(root, dir);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const root = path.resolve(__dirname, "..");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const outDir = path.resolve(args.out ?? path.join(root, "out", `lab-${stamp}`));
  fs.mkdirSync(outDir, { recursive: true });
  // tslab resolves `import "lab4"` (and its type checking) from the notebook's folder.
  if (!inside(outDir, root)) fs.mkdirSync(path.join(root, "out"), { recursive: true });
  const runDir = inside(outDir, root) ? outDir : fs.mkdtempSync(path.join(root, "out", ".run-"));

  const source = path.join(root, "notebooks", "source", "lab4.ipynb");
  const executed = path.join(runDir, "lab4.executed.ipynb");
  const profile = args.quick ? "quick" : "full";
  const command = `npm run lab${args.quick ? " -- --quick" : ""}`;
  console.log(`lab: ejecutando ${path.relative(root, source)} (perfil: ${profile}${args.quick ? ", REDUCIDO" : ""}) ...`);
  const started = new Date();
  const progress = new LabProgress({
    tty: process.stdout.isTTY === true,
    write: (s) => process.stdout.write(s),
    columns: () => process.stdout.columns,
  });
  const run = startNotebook(source, executed, {
    env: { LAB4_PROFILE: profile },
    timeoutCellSeconds: args.quick ? 900 : 6 * 3600,
    allowErrors: true,
    cwd: runDir,
    onEvent: (e) => progress.onEvent(e),
  });
  // Ctrl-C reaches the driver too (same process group); a SIGINT sent to this process alone is
  // passed on. Either way the driver writes what ran and exits 130.
  let stopping = false;
  const stop = () => {
    stopping = true;
    run.interrupt();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const result = await run.done;
  progress.finish();
  const interrupted = result.interrupted || stopping;
  if (!fs.existsSync(executed)) {
    console.error(result.message || "lab: nbconvert produced no executed notebook");
    return 1;
  }
  const report = writeReport({
    notebook: executed,
    out: path.join(runDir, "report.html"),
    profile,
    seconds: result.seconds,
    command,
    started,
  });
  fs.writeFileSync(
    path.join(runDir, "summary.json"),
    JSON.stringify(
      {
        profile,
        seconds: result.seconds,
        earned: report.earned,
        possible: report.possible,
        errors: report.errors,
        failedChecks: report.failedChecks,
        charts: report.charts,
        backend: report.backend,
        reportBytes: report.bytes,
        kernelPeakRssBytes: report.peakRssBytes,
        nbconvertOk: result.ok,
        interrupted,
      },
      null,
      2,
    ) + "\n",
  );
  if (runDir !== outDir) {
    for (const f of fs.readdirSync(runDir)) fs.cpSync(path.join(runDir, f), path.join(outDir, f), { recursive: true });
    fs.rmSync(runDir, { recursive: true, force: true });
  }
  if (interrupted) {
    const where = progress.position ? ` en la celda ${progress.position.n}/${progress.position.total}` : " antes de la primera celda";
    console.error(`lab: interrumpido${where} tras ${result.seconds.toFixed(0)} s; lo ejecutado (notebook e informe) está en ${outDir}`);
    return 130;
  }
  if (!result.ok) console.error(result.message);
  console.log(
    `lab: ${report.earned}/${report.possible} puntos (${report.failedChecks} verificación(es) fallida(s)), ${report.charts} gráficos, ` +
      `${report.errors} celda(s) con errores, ${result.seconds.toFixed(0)} s`,
  );
  if (report.peakRssBytes !== null) console.log(`lab: memoria máxima del kernel ${(report.peakRssBytes / 2 ** 30).toFixed(2)} GiB`);
  console.log(`lab: informe (${(report.bytes / 1024 / 1024).toFixed(2)} MB) y notebook ejecutado en ${outDir}`);
  console.log(path.join(outDir, "report.html"));
  return result.ok && report.errors === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
