/**
 * Short error reports in notebooks. tslab prints a failing cell's error itself
 * (`console.error(err)` -> util.inspect -> err.stack, on stderr), so a student sees frames from
 * lab4's dist/, tfjs, tslab and node internals, and — for errors escaping `vm.runInThisContext` —
 * a header pointing at the library line that threw ("/…/dist/grading/runtime/marks.js:185 / throw e; / ^").
 *
 * Inside a tslab kernel (the package entry, lib/index.ts, installs it there; LAB4_DEBUG=1 opts out):
 *  - Error.prepareStackTrace keeps the first line (`Name: message`, unchanged: graders read it),
 *    keeps only frames from notebook cells (and the student's own files), written
 *    "at <función> (celda)", and adds one Spanish line naming the likely problem when it
 *    is a known one (assert false, shape mismatch, word not in the vocabulary, NaN loss, …), plus
 *    how to get the full trace. Only the *text* of `stack` changes; error objects, names, messages
 *    and `instanceof` are untouched.
 *  - a filter on the kernel's stderr drops node's source-line header when it points into library
 *    code (a header pointing at the cell's own line is kept: it shows the student's code).
 * `lab4Debug()` prints the full original trace of the last shortened error and turns shortening
 * off (`lab4Debug(false)` turns it back on).
 *
 * TypeScript's errors, which tslab prints before running a cell, stay as they are; the stderr
 * filter adds a Spanish line after those that mean a known mistake (an Array or object where the
 * lab needs a Map: `tok2id`, `id2tok`).
 *
 * Not feasible from here: the cell's line numbers (tslab runs compiled JavaScript without a source map; its
 * lines do not match the TypeScript, so none are shown), and extra enumerable fields util.inspect
 * prints after the trace.
 */
import * as path from "node:path";

interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getTypeName(): string | null;
  isNative(): boolean;
  toString(): string;
}
type Prepare = (err: Error, frames: CallSite[]) => unknown;
interface ErrorCtor {
  prepareStackTrace?: Prepare;
}

/** The lab4 checkout: two levels above lib/notebook, three above dist/lib/notebook. */
function packageRoot(): string {
  const d = path.resolve(__dirname, "..", "..");
  return path.basename(d) === "dist" ? path.dirname(d) : d;
}
const PACKAGE_ROOT = packageRoot();
const LIB_DIRS = ["dist", "lib", "grading", "scripts"].map((d) => path.join(PACKAGE_ROOT, d) + path.sep);

/** True for frames of library code (lab4, node_modules, node itself); false for cells and student files. */
export function isLibraryFile(file: string | null | undefined): boolean {
  if (!file) return true; // native frames ("<anonymous>")
  if (file.startsWith("node:") || file.startsWith("internal/")) return true;
  if (file.includes(`${path.sep}node_modules${path.sep}`)) return true;
  return LIB_DIRS.some((d) => file.startsWith(d));
}

const CELL_FILE = /^evalmachine\.<anonymous>$/;

/**
 * "at nearest (celda)". No line numbers for cells: tslab runs the compiled JavaScript, whose lines
 * do not match the cell's TypeScript (imports become several lines), and a wrong line misleads.
 */
function frameText(f: CallSite): string {
  const file = f.getFileName() ?? "";
  const where = CELL_FILE.test(file) ? "celda" : `${file}:${f.getLineNumber() ?? "?"}`;
  const fn = f.getFunctionName();
  return fn ? `    at ${fn} (${where})` : `    at (${where})`;
}

/** Spanish one-liners for problems students meet; first match wins. */
const HINTS: Array<[RegExp, string]> = [
  [/^AssertionError(: ?)?$/, "la condición de assert(...) es falsa: la verificación no pasó (revise el valor que se comprueba)"],
  [/^AssertionError/, "una verificación (assert) no pasó"],
  [
    /TrainingDiverged|\bNaN\b|\bInfinity\b|not finite/,
    "aparecieron valores NaN/Infinito: el entrenamiento divergió (pruebe un learning rate menor)",
  ],
  [
    /not in the vocabulary|no está en el vocabulario/i,
    "una palabra no está en el vocabulario (¿le aplicó el mismo preprocesamiento/stemming?)",
  ],
  [
    /\bshapes?\b|broadcast|\brank\b|dimensions?\b|must match/i,
    "las dimensiones (shape) de los tensores no son compatibles: revise .shape de cada operando",
  ],
  [/Tensor is disposed|disposed/i, "se usó un tensor ya liberado (dispose o fuera de tf.tidy)"],
  [/^ReferenceError: (\S+) is not defined/, "una variable no está definida: ¿ejecutó las celdas anteriores en orden?"],
  [
    /Cannot read propert(y|ies) of (undefined|null)|is not a function|is not iterable/,
    "se usó un valor undefined/null o algo que no es una función: ¿falta definir o ejecutar algo antes?",
  ],
  [/data file|checksum|sha256|ENOENT/i, "falta un archivo o fue modificado: ejecute `bash scripts/setup.sh` desde la raíz del proyecto"],
  [
    /out of memory|allocation failed|Array buffer allocation|Invalid typed array length/i,
    "memoria insuficiente: reduzca el tamaño del lote o reinicie el kernel",
  ],
];

/** The Spanish hint for an error's first line, or null. */
export function hintFor(header: string): string | null {
  for (const [re, hint] of HINTS) if (re.test(header)) return hint;
  return null;
}

function headerOf(err: Error): string {
  try {
    return Error.prototype.toString.call(err);
  } catch {
    return "Error";
  }
}

interface State {
  installed: boolean;
  debug: boolean;
  previous: Prepare | undefined;
  last: { header: string; full: string } | null;
  stderrHooked: boolean;
}
const STATE = Symbol.for("lab4.friendlyErrors");
function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  return (g[STATE] ??= { installed: false, debug: false, previous: undefined, last: null, stderrHooked: false });
}

function fullStack(err: Error, frames: CallSite[], previous: Prepare | undefined): string {
  if (previous) {
    const s = previous(err, frames);
    if (typeof s === "string") return s;
  }
  return [headerOf(err), ...frames.map((f) => `    at ${f.toString()}`)].join("\n");
}

/** The shortened stack text (exported for tests). */
export function shortStack(err: Error, frames: CallSite[]): string {
  const header = headerOf(err);
  // consecutive identical lines (nested anonymous cell frames) once
  const mine = frames
    .filter((f) => !isLibraryFile(f.getFileName()))
    .map(frameText)
    .filter((l, i, all) => i === 0 || l !== all[i - 1]);
  const lines = [header, ...(mine.length ? mine : ["    at (código de la librería lab4 o de sus dependencias)"])];
  const hint = hintFor(header);
  if (hint) lines.push(`lab4: ${hint}.`);
  lines.push("lab4: traza completa con lab4Debug() en una celda nueva (o LAB4_DEBUG=1).");
  return lines.join("\n");
}

const prepare: Prepare = (err, frames) => {
  const s = state();
  const full = fullStack(err, frames, s.previous);
  if (s.debug) return full;
  // Errors created entirely inside libraries (and caught there) keep their trace as is.
  if (!frames.some((f) => !isLibraryFile(f.getFileName()))) return full;
  s.last = { header: headerOf(err), full };
  return shortStack(err, frames);
};

/** Node's "file:line\ncode\n   ^\n\n" header on an error print, when `file` is library code. */
const ARROW = /^((?:[A-Za-z]:)?[^\n]*?):(\d+)\n[^\n]*\n[ \t]*\^+[^\n]*\n(?:[ \t]*\n)+/;

/** TypeScript diagnostics (as tslab prints them: "line:col - message") that mean a known mistake. */
const TS_HINTS: Array<[RegExp, string]> = [
  [
    new RegExp(
      String.raw`is missing the following properties from type '(Readonly)?Map<` +
        String.raw`|Property '(get|size|has|entries|keys)' does not exist on type '[^']*(\[\]|\}|Record<)`,
    ),
    "tok2id e id2tok deben ser un Map (el dict de Python): constrúyalo con new Map(...) a partir de pares [clave, valor] " +
      "(un Array o un objeto no tienen .get ni .size)",
  ],
];

/** `text` plus a Spanish line for each known mistake a TypeScript diagnostic in it names. */
export function withDiagnosticHints(text: string): string {
  if (!/^\d+:\d+ - /m.test(text)) return text;
  const hints = TS_HINTS.filter(([re]) => re.test(text)).map(([, h]) => `lab4: ${h}.`);
  if (!hints.length) return text;
  return text.endsWith("\n") ? `${text}${hints.join("\n")}\n` : `${text}\n${hints.join("\n")}`;
}

/** Drops node's source-line header from an error print when it points into library code. */
export function stripLibraryArrow(text: string): string {
  const m = ARROW.exec(text);
  if (!m || !isLibraryFile(m[1]) || m[1].startsWith("evalmachine")) return text;
  return text.slice(m[0].length);
}

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

/** tslab reassigns process.stderr.write for every cell; an accessor keeps our filter in front. */
function hookStderr(s: State): void {
  if (s.stderrHooked) return;
  const stream = process.stderr as unknown as { write: Write };
  let inner: Write = stream.write;
  const filtered: Write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    const st = state();
    const c = st.installed && !st.debug && typeof chunk === "string" ? withDiagnosticHints(stripLibraryArrow(chunk)) : chunk;
    return inner.call(this ?? stream, c, ...rest);
  };
  try {
    Object.defineProperty(stream, "write", {
      configurable: true,
      enumerable: true,
      get: () => filtered,
      set: (fn: Write) => {
        inner = fn;
      },
    });
    s.stderrHooked = true;
  } catch {
    // A stream whose write cannot be redefined keeps node's header; the stack is still short.
  }
}

/** Installs the short error reports (idempotent). Called by lab4 itself inside tslab kernels. */
export function installFriendlyErrors(): void {
  const s = state();
  if (s.installed) return;
  const E = Error as unknown as ErrorCtor;
  s.previous = E.prepareStackTrace;
  E.prepareStackTrace = prepare;
  s.installed = true;
  hookStderr(s);
}

/** Restores the previous Error.prepareStackTrace (tests, tools). The stderr filter stays (inert when off). */
export function uninstallFriendlyErrors(): void {
  const s = state();
  if (!s.installed) return;
  (Error as unknown as ErrorCtor).prepareStackTrace = s.previous;
  s.installed = false;
  s.debug = false;
}

/**
 * `lab4Debug()`: prints the full trace of the last shortened error and shows full traces from now
 * on; `lab4Debug(false)`: back to short ones. Returns that full trace ("" if none).
 */
export function lab4Debug(on = true): string {
  const s = state();
  s.debug = on;
  const full = s.last?.full ?? "";
  if (on) console.log(full ? `Traza completa del último error:\n${full}` : "lab4: todavía no hubo un error acortado.");
  return full;
}

/** In a tslab kernel and not opted out: install (called once by the package entry, lib/index.ts). */
export function autoInstallFriendlyErrors(env: NodeJS.ProcessEnv = process.env): boolean {
  const inTslab = typeof (globalThis as { __tslab__?: unknown }).__tslab__ === "object";
  const optOut = /^(1|true|yes|on)$/i.test(env.LAB4_DEBUG ?? "");
  if (!inTslab || optOut) return false;
  installFriendlyErrors();
  return true;
}
