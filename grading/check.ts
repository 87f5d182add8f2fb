/**
 * `lab4 check lab4.ipynb`: a student's self-check before submitting (nbgrader's `validate`). Runs
 * the notebook through the grader's own stages (grading/grade/run.ts) on the kit the student
 * installed, with the test cells of the released notebook the kit carries (so edited or deleted
 * tests are put back, as when grading) — the visible tests only: the kit has no hidden ones.
 * Prints, in Spanish as the lab, the marks per part, the checks that fail and why, and the student
 * cells that raised.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installedKit, CHECK_NOTEBOOK } from "./kit";
import { repoRootFrom } from "./grade/driver";
import { gradebookSource, lab4Settings, prepareBatch, scoreSubmission, UsageError, type GradeOptions } from "./grade/run";
import { parseSubmission, Refusal } from "./grade/submission";

export interface CheckOptions {
  timeoutCell: number;
  memoryMb: number;
  log: (line: string) => void;
}

/** The installed kit this command runs from, or a one-line reason why it is not in one. */
function ownKit(): { pkgRoot: string; nodeModules: string } {
  const pkgRoot = repoRootFrom(__dirname);
  const nodeModules = path.dirname(pkgRoot);
  if (path.basename(nodeModules) !== "node_modules" || !fs.existsSync(path.join(pkgRoot, CHECK_NOTEBOOK)))
    throw new UsageError(
      `lab4 check: esto no es un kit de estudiante instalado (${pkgRoot}); use el kit que publicó su curso: npm install en su ` +
        `carpeta y luego npx lab4 check lab4.ipynb`,
    );
  return { pkgRoot, nodeModules };
}

/** Spanish for the grader's most common reasons; anything else is shown as the grader wrote it. */
export function reasonEs(reason: string): string {
  return reason
    .replace(/^the test cell failed: /, "la celda de prueba falló: ")
    .replace(/^the test cell failed$/, "la celda de prueba falló")
    .replace(
      /^not reached: check (\d+) of this cell failed first \(the cell stops there\)$/,
      "no se llegó: la prueba $1 de esta celda falló antes (la celda se detiene ahí)",
    )
    .replace(/^the check did not report a result \(the cell ended early\)$/, "la prueba no dio resultado (la celda terminó antes)")
    .replace(/^the test cell did not run \((.*)\)$/, "la celda de prueba no corrió ($1)");
}

/** Runs the check; returns the exit status (0: every visible check passes, 1: not, 2: bad input). */
export async function checkNotebook(file: string, o: CheckOptions): Promise<number> {
  const { log } = o;
  const kit = ownKit();
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    log(`lab4 check: no se puede leer ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return 2;
  }
  const sourceFile = path.join(kit.pkgRoot, CHECK_NOTEBOOK);
  try {
    parseSubmission(file, bytes, { name: "tslab", language: "typescript" });
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    log(`lab4 check: ${file} no se puede revisar: ${e.message.replace(/\s+/g, " ")}`);
    return 2;
  }
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-check-"));
  const opts: GradeOptions = {
    sourceFile,
    released: true,
    outDir: out,
    jobs: 1,
    shard: null,
    timeoutCell: o.timeoutCell,
    timeoutTotal: 0,
    memoryMb: o.memoryMb,
    force: true,
    // the student's own code on the student's own machine: no sandbox needed (nor usually available)
    sandbox: "none",
    env: lab4Settings(),
    feedback: false,
    keepWork: false,
    runtime: installedKit(path.dirname(kit.nodeModules)),
    log,
  };
  const profile = process.env.LAB4_PROFILE ?? "full";
  log(`lab4 check: ejecutando ${file} como el calificador (perfil ${profile}; puede tardar)…`);
  try {
    const ctx = prepareBatch(opts);
    const { row, graded } = await scoreSubmission({ student: "check", file }, 0, ctx, false);
    if (graded === null) {
      log(`lab4 check: no se pudo ejecutar el notebook: ${row.reason}`);
      return 2;
    }
    const columns = gradebookSource(ctx.source, ctx.sourceSha).checks;
    for (const part of ctx.source.parts) {
      const p = graded.totals.parts[part] ?? { total: 0, possible: 0 };
      log(`${part}: ${p.total}/${p.possible} puntos`);
      for (const c of columns.filter((k) => k.part === part && (row.checks[k.key] ?? 0) < k.points))
        log(`  ✗ ${c.gradeId}, prueba ${c.index} (${c.points} puntos): ${reasonEs(row.checkReasons[c.key] ?? "no pasó")}`);
    }
    if (graded.errors.length > 0) {
      log("Celdas con errores:");
      for (const e of graded.errors) log(`  celda ${e.cell}: ${e.summary}`);
    }
    for (const n of row.notes) log(`Nota: ${n}`);
    log(`Total (pruebas visibles): ${row.total}/${row.possible} puntos. Las pruebas ocultas se califican al entregar.`);
    return row.total === row.possible ? 0 : 1;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
