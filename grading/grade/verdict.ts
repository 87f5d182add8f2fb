/**
 * Stage: scores, decided in the grader's process from the values the kernel printed.
 *
 * For each check of a grade cell (checks.ts) we run the instructor's check function with the
 * real `marks()` of this grading library, its leaves replaced by the observed values, so the
 * result and its jhwutils HTML / [lab4-marks] marker are exactly what the notebook would show.
 * A cell stops at its first failing check, as it does in the notebook (marks() rethrows), so the
 * checks after it score 0 ("not reached"). A check with no observation scores 0 with the reason
 * the cell did not get that far (its error, a timeout, a dead kernel, ...).
 */
import * as grading from "../runtime";
import { setWarningSink } from "../runtime/checkarr";
import { marks, resetMarks, setMarksOutput } from "../runtime/marks";
import type { NotebookOutput } from "../notebook";
import type { CompiledGradeCell } from "./checks";
import { decodeLeaf, ObservationError, type DecodedLeaf, type Observation } from "./observe";

export type CheckStatus = "passed" | "failed" | "not-reached" | "not-run";

export interface CheckResult {
  /** `${gradeId}:${index}` */
  key: string;
  gradeId: string;
  index: number;
  points: number;
  awarded: number;
  hidden: boolean;
  label: string | null;
  status: CheckStatus;
  /** Why it did not pass (error text, timeout, ...); null when it passed. */
  reason: string | null;
  /** Lines the check functions printed (jhwutils "Warning: Got ..."). */
  printed: string[];
  /** Outputs to show for this check (the jhwutils HTML + text marker). */
  outputs: NotebookOutput[];
}

export const HIDDEN_LABEL = "Prueba oculta";

const TRUSTED_BINDINGS = grading as unknown as Record<string, unknown>;

function leafError(message: string): Error {
  const m = /^([A-Za-z_$][\w$]*): ([\s\S]*)$/.exec(message);
  const e = new Error(m ? m[2] : message);
  e.name = m ? m[1]! : "Error";
  return e;
}

/** The check function, built from the compiled JavaScript with the grader's bindings. */
function verdictFunction(js: string, leaves: DecodedLeaf[]): () => unknown {
  const $leaf = (i: number): unknown => {
    const l = leaves[i];
    if (l === undefined) throw new Error(`grader: no value for leaf ${i}`);
    if (!l.ok) throw leafError(l.error);
    return l.value;
  };
  const names = Object.keys(TRUSTED_BINDINGS).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
  const prelude = `const { ${names.join(", ")} } = $g;\n`;
  const exportsObj: { __check?: () => unknown } = {};
  // The instructor's code (trusted, from the source notebook) with the leaves as data.
  const factory = new Function("exports", "$g", "$leaf", prelude + js) as (e: object, g: object, l: (i: number) => unknown) => void;
  factory(exportsObj, TRUSTED_BINDINGS, $leaf);
  if (typeof exportsObj.__check !== "function") throw new Error("grader: compiled check is not a function");
  return exportsObj.__check;
}

/** Hidden checks show only the kind of failure, never text that could reveal the test. */
function publicReason(reason: string, hidden: boolean): string {
  if (!hidden) return reason;
  const m = /^([A-Za-z]*Error)\b/.exec(reason);
  return m ? m[1]! : "falló";
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `fn` alone: marks() keeps its totals in one registry per process. */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

/** Evaluates a check function, capturing what the grading functions print. */
async function evaluate(fn: () => unknown): Promise<{ error: string | null; printed: string[] }> {
  const printed: string[] = [];
  const prevSink = setWarningSink((line) => printed.push(line));
  try {
    await fn();
    return { error: null, printed };
  } catch (e) {
    return { error: e instanceof Error ? (e.message ? `${e.name}: ${e.message}` : e.name) : String(e), printed };
  } finally {
    setWarningSink(prevSink);
  }
}

/** The notebook outputs of a decided check: printed lines, then marks()' own HTML and marker. */
async function markOutputs(points: number, label: string | null, error: string | null, printed: string[]): Promise<NotebookOutput[]> {
  const outputs: NotebookOutput[] = [];
  let html = "";
  let text = "";
  const prevOut = setMarksOutput({ html: (h) => (html = h), text: (t) => (text = t) });
  try {
    marks(
      points,
      () => {
        if (error !== null) throw leafError(error);
      },
      label ?? undefined,
    );
  } catch {
    /* marks() rethrows the failure it just displayed */
  } finally {
    setMarksOutput(prevOut);
  }
  if (printed.length > 0) outputs.push({ output_type: "stream", name: "stdout", text: printed.map((l) => l + "\n").join("") });
  outputs.push({ output_type: "display_data", data: { "text/html": html, "text/plain": text }, metadata: {} });
  return outputs;
}

/**
 * Scores one grade cell. `observations` are those found in the cell's outputs (this run's nonce);
 * `notRunReason` explains missing observations (the cell's error, timeout, ...).
 */
export function judgeCell(cell: CompiledGradeCell, observations: Observation[], notRunReason: string): Promise<CheckResult[]> {
  return exclusive(async () => {
    resetMarks();
    const byCheck = new Map<number, Observation[]>();
    for (const o of observations) {
      if (o.cell !== cell.gradeId) continue;
      byCheck.set(o.check, [...(byCheck.get(o.check) ?? []), o]);
    }
    const results: CheckResult[] = [];
    let stoppedBy: number | null = null;
    for (const check of cell.checks) {
      const label = check.hidden ? (check.label ? `${HIDDEN_LABEL}: ${check.label}` : HIDDEN_LABEL) : check.label;
      const base = {
        key: `${cell.gradeId}:${check.index}`,
        gradeId: cell.gradeId,
        index: check.index,
        points: check.points,
        hidden: check.hidden,
        label,
      };
      const fail = async (status: CheckStatus, reason: string): Promise<CheckResult> => {
        const outputs = await markOutputs(check.points, label, publicReason(reason, check.hidden), []);
        return { ...base, awarded: 0, status, reason, printed: [], outputs };
      };
      if (stoppedBy !== null) {
        results.push(await fail("not-reached", `not reached: check ${stoppedBy} of this cell failed first (the cell stops there)`));
        continue;
      }
      const obs = byCheck.get(check.index) ?? [];
      if (obs.length === 0) {
        results.push(await fail("not-run", notRunReason));
        stoppedBy = check.index;
        continue;
      }
      if (obs.length > 1) {
        results.push(await fail("failed", `conflicting results: the check reported ${obs.length} times (tampering?)`));
        stoppedBy = check.index;
        continue;
      }
      let leaves: DecodedLeaf[];
      try {
        leaves = obs[0]!.leaves.map(decodeLeaf);
        if (leaves.length !== check.leaves.length)
          throw new ObservationError(`${leaves.length} values for ${check.leaves.length} expressions`);
      } catch (e) {
        results.push(await fail("failed", `unreadable result from the kernel (${(e as Error).message})`));
        stoppedBy = check.index;
        continue;
      }
      const r = await evaluate(verdictFunction(check.verdictJs, leaves));
      // hidden checks show the marks line only: their warnings would print the expected hashes
      const shownError = r.error === null ? null : publicReason(r.error, check.hidden);
      const outputs = await markOutputs(check.points, label, shownError, check.hidden ? [] : r.printed);
      results.push({
        ...base,
        awarded: r.error === null ? check.points : 0,
        status: r.error === null ? "passed" : "failed",
        reason: r.error,
        printed: r.printed,
        outputs,
      });
      if (r.error !== null) stoppedBy = check.index;
    }
    resetMarks();
    return results;
  });
}
