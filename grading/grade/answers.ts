/**
 * The names a notebook's tasks define, and which of a library's exports would hand them out.
 *
 * A student who can `import { Seq2Seq } from "lab4"` does not have to write it, so the library's
 * public API must not export any name a solution region defines. `answerNames` reads those names
 * from the instructor notebook (nbgrader solution cells, `// BEGIN SOLUTION … // END SOLUTION`)
 * with the TypeScript parser, so comments, strings and assignments to existing names do not count;
 * `exportedAnswers` matches them against an export list (test/api/exports.test.ts uses both).
 */
import * as ts from "typescript";
import { cellSource, type Notebook, type NotebookCell } from "../notebook";
import { isSolution, nbgraderMeta } from "../notebook/nbgrader";
import { findRegions, splitLines } from "../notebook/regions";

/** Character range [start, end) of one solution region, markers included. */
interface Span {
  start: number;
  end: number;
}

function cellName(cell: NotebookCell, index: number): string {
  return nbgraderMeta(cell)?.grade_id ?? `cell ${index}`;
}

function solutionSpans(source: string, name: string): Span[] {
  const lines = splitLines(source);
  const offsets: number[] = [];
  let at = 0;
  for (const line of lines) {
    offsets.push(at);
    at += line.length;
  }
  offsets.push(at);
  return findRegions(source, name, "code")
    .filter((r) => r.kind === "SOLUTION")
    .map((r) => ({ start: offsets[r.begin]!, end: offsets[r.end + 1]! }));
}

/** Names bound by a declaration's name: `x`, or every name of `{ a, b: [c, ...d] }`. */
function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const out: string[] = [];
  for (const el of name.elements) if (!ts.isOmittedExpression(el)) out.push(...boundNames(el.name));
  return out;
}

function parse(source: string, name: string): ts.SourceFile {
  // A cell is a script in tslab (top-level await, no module wrapper): parse it as a .ts file.
  return ts.createSourceFile(`${name}.ts`, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/**
 * The names the solution regions of `nb` define, in notebook order without repeats:
 *   - declared inside a region: `const`/`let`/`var` (destructuring included), `function`, `class`;
 *   - enclosing a region: the function or class around it (a method's class: `Encoder` for a
 *     region in its constructor), or the top-level `const`/`let`/`var` whose initializer holds it.
 * Only cells that nbgrader marks as solution cells count. Marker errors propagate (MarkerError).
 */
export function answerNames(nb: Notebook): string[] {
  const names = new Set<string>();
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code" || !isSolution(cell)) return;
    const source = cellSource(cell);
    const name = cellName(cell, index);
    const spans = solutionSpans(source, name);
    if (spans.length === 0) return;
    const file = parse(source, name);
    const inside = (n: ts.Node): boolean => spans.some((s) => n.getStart(file) >= s.start && n.end <= s.end);
    const encloses = (n: ts.Node): boolean => spans.some((s) => n.getStart(file) < s.start && n.end > s.end);
    const visit = (node: ts.Node, topLevel: boolean): void => {
      if (ts.isVariableDeclaration(node)) {
        if (inside(node) || (topLevel && encloses(node))) boundNames(node.name).forEach((n) => names.add(n));
      } else if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
        if (node.name !== undefined && (inside(node) || encloses(node))) names.add(node.name.text);
      }
      // Top level: the statements of the cell and the declarations of their variable statements.
      const childTop = topLevel && (ts.isSourceFile(node) || ts.isVariableStatement(node) || ts.isVariableDeclarationList(node));
      ts.forEachChild(node, (child) => visit(child, childTop));
    };
    visit(file, true);
  });
  return [...names];
}

/** The names a notebook imports from module `from` (`import { a, b as c } from "lab4"` → a, b). */
export function importedNames(nb: Notebook, from: string): string[] {
  const names = new Set<string>();
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const file = parse(cellSource(cell), cellName(cell, index));
    for (const st of file.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== from) continue;
      const bindings = st.importClause?.namedBindings;
      if (bindings !== undefined && ts.isNamedImports(bindings))
        for (const el of bindings.elements) names.add((el.propertyName ?? el.name).text);
    }
  });
  return [...names];
}

/**
 * Building blocks that legitimately share (part of) a name with a task's variable, and why each is
 * given code rather than an answer. Without this list they would count as answers.
 */
export const SHARED_NAME_EXPORTS: ReadonlyMap<string, string> = new Map([
  // contains `vocab` (Part 1's word list); torchtext's Vocab class, built by Field.buildVocab in Part 2
  ["TorchtextVocab", "torchtext's Vocab (Field.buildVocab), not Part 1's vocab list"],
  // contain `train` (Part 2's train function); the guard that function calls after each batch
  ["checkTrainingStep", "the NaN/explosion guard the notebook's train() calls"],
  ["TrainingDivergedError", "the error checkTrainingStep throws"],
  // contains `seq2seq` (Part 2's model class); plots the loss history the notebook collects
  ["plotSeq2SeqHistory", "plots the notebook's loss history, not the model"],
]);

/** Lower case without `_`: `one_hot_encode`, `oneHotEncode` and `OneHotEncode` compare equal. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/_/g, "");
}

/** Answer names this long or longer also match inside an export (`makeWindowizer` ⊃ `windowizer`). */
export const MIN_CONTAINED_ANSWER = 5;

/**
 * The exports that give out an answer: after normalising, an export that equals an answer name, or
 * contains one of at least MIN_CONTAINED_ANSWER characters (shorter ones like `idx`, `clip` would
 * match half the library). Names in `allowed` are never reported. Export order, no repeats.
 */
export function exportedAnswers(
  exported: readonly string[],
  answers: readonly string[],
  allowed: ReadonlyMap<string, string> = SHARED_NAME_EXPORTS,
): string[] {
  const keys = [...new Set(answers.map(normalise))];
  const hits = exported.filter((e) => {
    if (allowed.has(e)) return false;
    const n = normalise(e);
    return keys.some((a) => n === a || (a.length >= MIN_CONTAINED_ANSWER && n.includes(a)));
  });
  return [...new Set(hits)];
}
