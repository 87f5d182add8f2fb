/**
 * Splits each check of a grade cell into what the student's kernel must compute and what the
 * grader decides by itself ("values in, verdicts out").
 *
 * A grade cell is a sequence of statements; each `marks(n, () => BODY[, label])` at top level is a
 * check. Inside BODY every maximal sub-expression that needs the student's state (a name, a member
 * access, a call of anything but a grading function, `await`, ...) is a *leaf*. Leaves run in the
 * kernel, which prints their values (grading/grade/observe.ts); the rest of BODY — the calls to
 * checkScalar/checkString/checkHash/compareNumbers/assert/..., operators, literals (the expected
 * hashes) — runs in the grader's own process on those values, with the grading library loaded
 * there. So a student cell that redefines `checkScalar`, `assert` or `marks`, patches the grading
 * module, or prints fake markers changes nothing: a check passes only if the values observed in
 * the kernel are right, which is exactly as hard as producing the right answer.
 *
 * What this cannot protect (and `warnings` points out): a check whose decision itself is a leaf,
 * e.g. `assert(isCorrect(x))` with a helper evaluated in the kernel, or an expected value that is
 * read from the kernel instead of written in the cell.
 */
import * as ts from "typescript";

/** Grading functions that are pure (no kernel state) and so are evaluated by the grader. */
export const TRUSTED_FUNCTIONS: readonly string[] = Object.freeze([
  "assert",
  "checkScalar",
  "checkString",
  "checkHash",
  "arrayHash",
  "strictArrayHash",
  "scalarHash",
  "stringHash",
  "toNumericArray",
  "compareNumbers",
  "newRepresentation",
  "hexToFloat",
  "formatExp",
  "formatFixed",
  "pyRepr",
  "floatHex",
  "floatFromHex",
  "floatFromString",
  "pythonLower",
  "check_scalar",
  "check_string",
  "check_hash",
  "array_hash",
  "strict_array_hash",
  "_check_scalar",
  "new_representation",
  "hex_to_float",
  "compare_numbers",
]);

/** For each check function, which arguments carry the expected answer (must be written in the cell). */
const EXPECTED_ARGS: Readonly<Record<string, readonly number[]>> = {
  checkScalar: [1],
  check_scalar: [1],
  checkString: [1],
  check_string: [1],
  checkHash: [1],
  check_hash: [1],
  compareNumbers: [1, 2],
  compare_numbers: [1, 2],
};

/** Global functions the grader may evaluate itself (its own intrinsics, not the kernel's). */
const TRUSTED_GLOBAL_CALLS = new Set(["Number", "String", "Boolean", "parseFloat", "parseInt", "isNaN", "isFinite"]);
const TRUSTED_NAMESPACES = new Set(["Math", "Number", "Object", "Array", "JSON", "String"]);
const TRUSTED_NAMESPACE_MEMBERS: Readonly<Record<string, ReadonlySet<string>>> = {
  Object: new Set(["is"]),
  Array: new Set(["isArray"]),
  JSON: new Set(["stringify"]),
  String: new Set(["fromCharCode"]),
};
const CONSTANT_NAMES = new Set(["undefined", "NaN", "Infinity"]);

export interface CompiledCheck {
  /** 1-based position among the checks of the cell. */
  index: number;
  /** Marks awarded when the check passes (the literal n of marks(n, ...)). */
  points: number;
  label: string | null;
  /** Inside a // BEGIN HIDDEN TESTS region. */
  hidden: boolean;
  /** 1-based line in the cell. */
  line: number;
  /** Leaf expressions (TypeScript, evaluated in the kernel, in this order). */
  leaves: string[];
  /** Whether the kernel must await the leaves (the check body is async). */
  async: boolean;
  /** JavaScript of the check function with leaves replaced by `$leaf(i)` (evaluated by the grader). */
  verdictJs: string;
  /** Places where this check still trusts the kernel (see the file header). */
  warnings: string[];
}

export type CellStatement = { kind: "code"; text: string } | { kind: "check"; check: CompiledCheck };

export interface CompiledGradeCell {
  gradeId: string;
  /** Import declarations (hoisted before the instrumented block). */
  imports: string[];
  statements: CellStatement[];
  checks: CompiledCheck[];
  /** Sum of the points of all checks, hidden ones included. */
  points: number;
}

export class CheckCompileError extends Error {
  override name = "CheckCompileError";
}

function isMarksCall(node: ts.Node): node is ts.CallExpression {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "marks";
}

/** Unwraps parentheses and type-only wrappers (as, !, satisfies, <T>x). */
function unwrap(node: ts.Expression): ts.Expression {
  let n = node;
  for (;;) {
    if (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n) || ts.isTypeAssertionExpression(n))
      n = n.expression;
    else if (ts.isSatisfiesExpression(n)) n = n.expression;
    else return n;
  }
}

interface Classified {
  leaves: ts.Expression[];
}

/**
 * Walks a check body expression, collecting leaves (sub-expressions the kernel must evaluate).
 * Returns true when `node` itself is evaluated by the grader.
 */
function collectLeaves(node: ts.Expression, acc: Classified, trusted: ReadonlySet<string>): void {
  const n = unwrap(node);
  const leaf = (): void => {
    acc.leaves.push(node);
  };
  if (
    ts.isNumericLiteral(n) ||
    ts.isStringLiteral(n) ||
    ts.isNoSubstitutionTemplateLiteral(n) ||
    ts.isBigIntLiteral(n) ||
    ts.isRegularExpressionLiteral(n) ||
    n.kind === ts.SyntaxKind.TrueKeyword ||
    n.kind === ts.SyntaxKind.FalseKeyword ||
    n.kind === ts.SyntaxKind.NullKeyword
  )
    return;
  if (ts.isIdentifier(n)) {
    if (CONSTANT_NAMES.has(n.text)) return;
    return leaf();
  }
  if (ts.isPrefixUnaryExpression(n)) {
    if (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken) return leaf();
    return collectLeaves(n.operand, acc, trusted);
  }
  if (ts.isTypeOfExpression(n)) return collectLeaves(n.expression, acc, trusted);
  if (ts.isBinaryExpression(n)) {
    const op = n.operatorToken.kind;
    if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) return leaf();
    if (op === ts.SyntaxKind.CommaToken || op === ts.SyntaxKind.InKeyword || op === ts.SyntaxKind.InstanceOfKeyword) return leaf();
    collectLeaves(n.left, acc, trusted);
    collectLeaves(n.right, acc, trusted);
    return;
  }
  if (ts.isConditionalExpression(n)) {
    collectLeaves(n.condition, acc, trusted);
    collectLeaves(n.whenTrue, acc, trusted);
    collectLeaves(n.whenFalse, acc, trusted);
    return;
  }
  if (ts.isTemplateExpression(n)) {
    for (const span of n.templateSpans) collectLeaves(span.expression, acc, trusted);
    return;
  }
  if (ts.isArrayLiteralExpression(n)) {
    for (const e of n.elements) {
      if (ts.isSpreadElement(e)) collectLeaves(e.expression, acc, trusted);
      else if (ts.isOmittedExpression(e)) continue;
      else collectLeaves(e, acc, trusted);
    }
    return;
  }
  if (ts.isObjectLiteralExpression(n)) {
    const simple = n.properties.every(
      (p) => ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name)),
    );
    if (!simple) return leaf();
    for (const p of n.properties) collectLeaves((p as ts.PropertyAssignment).initializer, acc, trusted);
    return;
  }
  if (
    ts.isPropertyAccessExpression(n) &&
    ts.isIdentifier(n.expression) &&
    (n.expression.text === "Math" || n.expression.text === "Number")
  ) {
    // Math.PI, Number.EPSILON, ...: the grader's own constants
    return;
  }
  if (ts.isCallExpression(n) && !n.questionDotToken) {
    const callee = unwrap(n.expression);
    let trustedCallee = false;
    if (ts.isIdentifier(callee)) trustedCallee = trusted.has(callee.text) || TRUSTED_GLOBAL_CALLS.has(callee.text);
    else if (
      ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      TRUSTED_NAMESPACES.has(callee.expression.text)
    ) {
      const ns = callee.expression.text;
      const allowed = TRUSTED_NAMESPACE_MEMBERS[ns];
      trustedCallee = ns === "Math" || ns === "Number" || (allowed !== undefined && allowed.has(callee.name.text));
    }
    if (!trustedCallee) return leaf();
    for (const a of n.arguments) {
      if (ts.isSpreadElement(a)) collectLeaves(a.expression, acc, trusted);
      else collectLeaves(a, acc, trusted);
    }
    return;
  }
  leaf();
}

/** Statements a check body may contain: expressions, return, if/else, throw, nested blocks. */
function collectStatementLeaves(stmt: ts.Statement, acc: Classified, trusted: ReadonlySet<string>, where: string): void {
  if (ts.isExpressionStatement(stmt)) return collectLeaves(stmt.expression, acc, trusted);
  if (ts.isReturnStatement(stmt)) {
    if (stmt.expression) collectLeaves(stmt.expression, acc, trusted);
    return;
  }
  if (ts.isThrowStatement(stmt)) return collectLeaves(stmt.expression, acc, trusted);
  if (ts.isIfStatement(stmt)) {
    collectLeaves(stmt.expression, acc, trusted);
    collectStatementLeaves(stmt.thenStatement, acc, trusted, where);
    if (stmt.elseStatement) collectStatementLeaves(stmt.elseStatement, acc, trusted, where);
    return;
  }
  if (ts.isBlock(stmt)) {
    for (const s of stmt.statements) collectStatementLeaves(s, acc, trusted, where);
    return;
  }
  if (ts.isEmptyStatement(stmt)) return;
  throw new CheckCompileError(
    `${where}: a check body may only contain expressions, return, if and throw (found ${ts.SyntaxKind[stmt.kind]}); ` +
      `compute values in a statement before marks(...) instead`,
  );
}

function lineOf(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

/** Warnings for places where the verdict would still depend on the kernel. */
function trustWarnings(body: ts.Node, leaves: ReadonlySet<ts.Node>, where: string): string[] {
  const warnings: string[] = [];
  const containsLeaf = (node: ts.Node): boolean => {
    if (leaves.has(node)) return true;
    return ts.forEachChild(node, (c) => (containsLeaf(c) ? true : undefined)) === true;
  };
  const visit = (node: ts.Node): void => {
    if (leaves.has(node)) return;
    if (ts.isCallExpression(node) && ts.isIdentifier(unwrap(node.expression))) {
      const name = (unwrap(node.expression) as ts.Identifier).text;
      const expected = EXPECTED_ARGS[name];
      if (expected !== undefined) {
        for (const i of expected) {
          const arg = node.arguments[i];
          if (arg !== undefined && containsLeaf(arg))
            warnings.push(`${where}: the expected value (argument ${i + 1} of ${name}) is computed in the student's kernel`);
        }
      }
      if (name === "assert" && node.arguments[0] !== undefined) {
        let a = unwrap(node.arguments[0]);
        while (ts.isPrefixUnaryExpression(a) && a.operator === ts.SyntaxKind.ExclamationToken) a = unwrap(a.operand);
        if (leaves.has(a) || leaves.has(node.arguments[0]))
          warnings.push(
            `${where}: assert() of a value decided in the student's kernel; only checks against values written in the cell resist ` +
              `tampering`,
          );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return warnings;
}

function compileCheck(
  call: ts.CallExpression,
  sf: ts.SourceFile,
  index: number,
  hidden: boolean,
  trusted: ReadonlySet<string>,
  cellLabel: string,
): CompiledCheck {
  const line = lineOf(sf, call);
  const where = `${cellLabel}, check ${index} (line ${line})`;
  const [nArg, fnArg, labelArg] = call.arguments;
  if (nArg === undefined || fnArg === undefined || call.arguments.length > 3)
    throw new CheckCompileError(`${where}: expected marks(n, () => ..., label?)`);
  const nExpr = unwrap(nArg);
  if (!ts.isNumericLiteral(nExpr)) throw new CheckCompileError(`${where}: the marks of a check must be a number literal`);
  const points = Number(nExpr.text);
  let label: string | null = null;
  if (labelArg !== undefined) {
    const l = unwrap(labelArg);
    if (!ts.isStringLiteral(l) && !ts.isNoSubstitutionTemplateLiteral(l))
      throw new CheckCompileError(`${where}: the label of a check must be a string literal`);
    label = l.text;
  }
  const fn = unwrap(fnArg);
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn))
    throw new CheckCompileError(`${where}: the second argument of marks() must be a function written in the cell`);
  if (fn.parameters.length > 0) throw new CheckCompileError(`${where}: the check function must take no parameters`);
  const isAsync = (fn.modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);

  const acc: Classified = { leaves: [] };
  if (ts.isBlock(fn.body)) collectStatementLeaves(fn.body, acc, trusted, where);
  else collectLeaves(fn.body, acc, trusted);
  const leafSet = new Set<ts.Node>(acc.leaves);
  for (const l of acc.leaves) {
    // marks() or an await inside a leaf of a synchronous check would change what the cell means
    ts.forEachChild(l, function visit(c): void {
      if (isMarksCall(c)) throw new CheckCompileError(`${where}: marks() cannot be nested inside a check`);
      if (ts.isAwaitExpression(c) && !isAsync) throw new CheckCompileError(`${where}: await in a non-async check`);
      ts.forEachChild(c, visit);
    });
  }
  const leaves = acc.leaves.map((l) => l.getText(sf));

  // The verdict: the same function with each leaf replaced by $leaf(i).
  const transformer: ts.TransformerFactory<ts.Node> = (ctx) => {
    const visit = (node: ts.Node): ts.Node => {
      const i = acc.leaves.indexOf(node as ts.Expression);
      if (i >= 0)
        return ts.factory.createCallExpression(ts.factory.createIdentifier("$leaf"), undefined, [ts.factory.createNumericLiteral(i)]);
      return ts.visitEachChild(node, visit, ctx);
    };
    return (root) => ts.visitNode(root, visit) as ts.Node;
  };
  const result = ts.transform<ts.Node>(fn, [transformer]);
  const printer = ts.createPrinter({ removeComments: true });
  const printed = printer.printNode(ts.EmitHint.Expression, result.transformed[0]!, sf);
  result.dispose();
  const js = ts.transpileModule(`export const __check = (${printed});`, {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, removeComments: true },
  }).outputText;

  return {
    index,
    points,
    label,
    hidden,
    line,
    leaves,
    async: isAsync,
    verdictJs: js,
    warnings: trustWarnings(fn.body, leafSet, where),
  };
}

/**
 * Compiles a grade cell. `hiddenLines` holds the 0-based line ranges [begin, end] of its hidden-test
 * regions (markers included). Throws CheckCompileError naming the cell and line on anything the
 * grader could not score faithfully.
 */
export function compileGradeCell(
  source: string,
  gradeId: string,
  hiddenLines: ReadonlyArray<readonly [number, number]> = [],
  trusted: readonly string[] = TRUSTED_FUNCTIONS,
): CompiledGradeCell {
  const cellLabel = `grade cell ${gradeId}`;
  const diag =
    ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } }).diagnostics ?? [];
  if (diag.length > 0) {
    const d = diag[0]!;
    const msg = ts.flattenDiagnosticMessageText(d.messageText, " ");
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    throw new CheckCompileError(`${cellLabel}: line ${line}: ${msg}`);
  }
  const sf = ts.createSourceFile(`${gradeId}.ts`, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const trustedSet = new Set(trusted);
  const imports: string[] = [];
  const statements: CellStatement[] = [];
  const checks: CompiledCheck[] = [];
  const inHidden = (line0: number) => hiddenLines.some(([b, e]) => line0 >= b && line0 <= e);

  for (const stmt of sf.statements) {
    if (ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt)) {
      imports.push(stmt.getText(sf));
      continue;
    }
    let call: ts.Expression | null = null;
    if (ts.isExpressionStatement(stmt)) {
      let e = unwrap(stmt.expression);
      if (ts.isAwaitExpression(e)) e = unwrap(e.expression);
      if (isMarksCall(e)) call = e;
    }
    if (call !== null) {
      const line0 = sf.getLineAndCharacterOfPosition(stmt.getStart(sf)).line;
      const check = compileCheck(call as ts.CallExpression, sf, checks.length + 1, inHidden(line0), trustedSet, cellLabel);
      checks.push(check);
      statements.push({ kind: "check", check });
      continue;
    }
    ts.forEachChild(stmt, function visit(c): void {
      if (isMarksCall(c))
        throw new CheckCompileError(
          `${cellLabel}: line ${lineOf(sf, c)}: marks() must be a statement of its own at the top of the cell (not inside other code)`,
        );
      ts.forEachChild(c, visit);
    });
    statements.push({ kind: "code", text: stmt.getText(sf) });
  }
  return { gradeId, imports, statements, checks, points: checks.reduce((s, c) => s + c.points, 0) };
}

/**
 * The code the kernel runs in place of the grade cell: imports, then one block with the cell's own
 * statements and, for each check, a call of the observer that prints its leaves' values tagged
 * with `nonce`. Nothing of the grading library runs in the kernel.
 */
export function kernelCode(cell: CompiledGradeCell, nonce: string, observerPath: string): string {
  const lines: string[] = [];
  lines.push(...cell.imports);
  lines.push("{");
  lines.push(`const __lab4_observer: any = require(${JSON.stringify(observerPath)});`);
  for (const st of cell.statements) {
    if (st.kind === "code") {
      lines.push(st.text);
      continue;
    }
    const c = st.check;
    const thunks = c.leaves.map((l) => (c.async ? `async () => (${l})` : `() => (${l})`)).join(", ");
    const call =
      `__lab4_observer.${c.async ? "observeAsync" : "observe"}(${JSON.stringify(nonce)}, ${JSON.stringify(cell.gradeId)}, ` +
      `${c.index}, [${thunks}])`;
    lines.push(c.async ? `await ${call};` : `${call};`);
  }
  lines.push("}");
  return lines.join("\n");
}
