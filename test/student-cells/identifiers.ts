/**
 * What a student reads in the notebook that the original lab does not have: identifiers of the
 * instructor notebook's code cells with no counterpart in the original's code (compared
 * case-insensitively without underscores, so `zeroGrad` matches `zero_grad`), leaving out
 * TypeScript's own words. Also the number of lines inside solution regions.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";

export const ORIGINAL = path.join(__dirname, "../fixtures/seed/lab4-pytorch-original.txt");
export const ORIGINAL_SHA256 = "c9acb5c009f72fb0c15c26b849f9ca8aae6ba42cf4ca42f882d4ec241f8b9871";
export const BASELINE = path.join(__dirname, "../fixtures/seed/student-cells-baseline.json");

// TypeScript/JavaScript words a PyTorch notebook cannot have a counterpart for.
const LANGUAGE = new Set(
  (
    "abstract any as async await boolean break case catch class const constructor continue declare default delete do else " +
    "enum export extends false finally for from function get if implements import in instanceof interface let new null " +
    "number of private protected public readonly return set static string super switch this throw true try type typeof " +
    "undefined var void while yield unknown never override Promise Array Map Set Math Number String Object Error JSON " +
    "console log Infinity NaN Date length push map filter reduce slice entries keys values Float64Array Int32Array " +
    "Float32Array toFixed padStart trunc exp now isFinite min max ceil floor sort"
  ).split(/\s+/),
);

const norm = (id: string) => id.toLowerCase().replace(/_/g, "");

/** Identifiers of code with comments and string literals removed (template `${…}` kept). */
function identifiers(code: string, lineComment: "//" | "#"): string[] {
  let s = code;
  if (lineComment === "//") s = s.replace(/\/\*[\s\S]*?\*\//g, " ");
  // template literals: only the expressions inside ${…} are code
  s = s.replace(/`(?:[^`\\]|\\.)*`/g, (t) => [...t.matchAll(/\$\{([^}]*)\}/g)].map((m) => ` ${m[1]} `).join(" "));
  s = s.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, " ");
  s = s.replace(lineComment === "//" ? /\/\/.*$/gm : /#.*$/gm, " ");
  if (lineComment === "//") s = s.replace(/\/(?:[^/\\\n]|\\.)+\/[gimsuy]*/g, " "); // regex literals
  return s.match(/[A-Za-z_$][\w$]*/g) ?? [];
}

function originalCode(): string {
  const text = fs.readFileSync(ORIGINAL, "utf8");
  const sha = createHash("sha256").update(text).digest("hex");
  if (sha !== ORIGINAL_SHA256) throw new Error(`${ORIGINAL} changed (sha256 ${sha}); see test/fixtures/seed/README.md`);
  const blocks = text.split(/^```.*$/m).filter((_, i) => i % 2 === 1);
  return blocks.map((b) => b.replace(/^In \[ ?\]:/gm, "")).join("\n");
}

export interface StudentCellsMeasure {
  /** Identifiers with no counterpart in the original, sorted. */
  identifiers: string[];
  /** Lines between `// BEGIN SOLUTION` and `// END SOLUTION`. */
  solutionLines: number;
}

export function measure(notebookPath: string): StudentCellsMeasure {
  const nb = JSON.parse(fs.readFileSync(notebookPath, "utf8")) as { cells: Array<{ cell_type: string; source: string | string[] }> };
  const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
  const known = new Set(identifiers(originalCode(), "#").map(norm));
  const extra = new Set<string>();
  let solutionLines = 0;
  for (const src of code) {
    for (const id of identifiers(src, "//")) if (!LANGUAGE.has(id) && !known.has(norm(id))) extra.add(id);
    let inside = false;
    for (const line of src.split("\n")) {
      if (/^\s*\/\/ END SOLUTION/.test(line)) inside = false;
      else if (inside) solutionLines++;
      if (/^\s*\/\/ BEGIN SOLUTION/.test(line)) inside = true;
    }
  }
  return { identifiers: [...extra].sort(), solutionLines };
}

if (require.main === module) {
  const i = process.argv.indexOf("--baseline");
  if (i < 0 || !process.argv[i + 1]) throw new Error("usage: tsx test/student-cells/identifiers.ts --baseline <instructor notebook>");
  fs.writeFileSync(BASELINE, JSON.stringify(measure(process.argv[i + 1]), null, 1) + "\n");
  console.log(`wrote ${BASELINE}`);
}
