// Shared helpers for the grading tests: repository paths, the jhwutils reference vectors, and
// capture of the lines checks print.
import * as path from "node:path";
import { setWarningSink } from "../../grading/runtime/checkarr";
import { readReference } from "../helpers/reference";

export const repoRoot = path.resolve(__dirname, "../..");

export type VectorCase =
  | { kind: "scalar"; x: string; is_int: boolean; hash: string; hex: string | null }
  | { kind: "string"; s: string; hash: string }
  | { kind: "array"; data: (number | null)[]; shape: number[]; stat: number };

export function jhwutilsVectors(): VectorCase[] {
  const parsed = JSON.parse(readReference("jhwutils-vectors.json")) as { cases: VectorCase[] };
  if (!Array.isArray(parsed.cases) || parsed.cases.length !== 340) {
    throw new Error(`jhwutils-vectors.json: expected 340 cases, found ${parsed.cases?.length}`);
  }
  return parsed.cases;
}

/** Run fn with check warnings captured; returns [result, printed lines]. */
export function captureWarnings<T>(fn: () => T): [T, string[]] {
  const lines: string[] = [];
  const prev = setWarningSink((l) => lines.push(l));
  try {
    return [fn(), lines];
  } finally {
    setWarningSink(prev);
  }
}

/** Nest a flat row-major list into the given shape (as a notebook would pass it). */
export function nest(flat: readonly number[], shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  if (shape.length === 1) return [...flat];
  const [d, ...rest] = shape;
  const step = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: d! }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}
