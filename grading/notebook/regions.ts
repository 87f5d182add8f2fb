/**
 * Marker regions in cell sources, as nbgrader's ClearSolutions / ClearHiddenTests use them:
 *   // BEGIN SOLUTION ... // END SOLUTION          (solution cells; markdown: BEGIN SOLUTION lines)
 *   // BEGIN HIDDEN TESTS ... // END HIDDEN TESTS  (grade cells)
 * A marker is a whole line: optional indentation, the marker (after `//` in code), nothing else.
 * Regions may not nest (a solution inside hidden tests, or twice the same) and must be closed.
 */

export type RegionKind = "SOLUTION" | "HIDDEN TESTS";

export interface Region {
  kind: RegionKind;
  /** 0-based line of the BEGIN marker. */
  begin: number;
  /** 0-based line of the END marker. */
  end: number;
  /** Whitespace before the BEGIN marker. */
  indent: string;
}

/** A marker problem in one cell; `cell` names it for the message. */
export class MarkerError extends Error {
  override name = "MarkerError";
  constructor(
    readonly cell: string,
    detail: string,
  ) {
    super(`${cell}: ${detail}`);
  }
}

const CODE_MARKER = /^([ \t]*)\/\/[ \t]*(BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*$/;
const TEXT_MARKER = /^([ \t]*)(?:<!--[ \t]*)?(BEGIN|END) (SOLUTION|HIDDEN TESTS)(?:[ \t]*-->)?[ \t]*$/;

/** Splits into lines keeping each line's terminator, so joining gives the text back. */
export function splitLines(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g);
  return lines === null ? [] : lines;
}

function stripEol(line: string): string {
  return line.replace(/\r?\n$/, "");
}

/** Finds the marker regions of a cell source; throws MarkerError naming `cell` on bad nesting. */
export function findRegions(source: string, cell: string, cellType: "code" | "markdown" | "raw"): Region[] {
  const re = cellType === "code" ? CODE_MARKER : TEXT_MARKER;
  const lines = splitLines(source);
  const regions: Region[] = [];
  let open: { kind: RegionKind; begin: number; indent: string } | null = null;
  lines.forEach((raw, i) => {
    const m = re.exec(stripEol(raw));
    if (m === null) {
      // A marker-looking text that is not a whole marker line is most likely a typo; say so rather
      // than leave a solution in the student's notebook.
      const text = stripEol(raw);
      if (/\b(BEGIN|END) (SOLUTION|HIDDEN TESTS)\b/.test(text) && /^\s*(\/\/|<!--)?\s*(BEGIN|END) /.test(text))
        throw new MarkerError(cell, `line ${i + 1}: marker must be alone on its line: ${JSON.stringify(text.trim())}`);
      return;
    }
    const [, indent, which, kind] = m as unknown as [string, string, "BEGIN" | "END", RegionKind];
    if (which === "BEGIN") {
      if (open !== null)
        throw new MarkerError(
          cell,
          `line ${i + 1}: BEGIN ${kind} inside the ${open.kind} region opened on line ${open.begin + 1} (regions cannot nest)`,
        );
      open = { kind, begin: i, indent };
    } else {
      if (open === null) throw new MarkerError(cell, `line ${i + 1}: END ${kind} without a BEGIN ${kind}`);
      if (open.kind !== kind)
        throw new MarkerError(cell, `line ${i + 1}: END ${kind} closes the ${open.kind} region opened on line ${open.begin + 1}`);
      regions.push({ kind, begin: open.begin, end: i, indent: open.indent });
      open = null;
    }
  });
  if (open !== null) {
    const o = open as { kind: RegionKind; begin: number };
    throw new MarkerError(cell, `line ${o.begin + 1}: BEGIN ${o.kind} is never closed (no END ${o.kind})`);
  }
  return regions;
}

/**
 * Rewrites the regions of `kind`: each region (markers included) becomes `replace(indent)` lines
 * (already terminated), or disappears when that is empty. Other text is untouched.
 */
export function rewriteRegions(
  source: string,
  regions: readonly Region[],
  kind: RegionKind,
  replace: (indent: string) => string[],
): string {
  const lines = splitLines(source);
  const out: string[] = [];
  let i = 0;
  for (const r of regions.filter((x) => x.kind === kind).sort((a, b) => a.begin - b.begin)) {
    out.push(...lines.slice(i, r.begin));
    const endLine = lines[r.end] ?? "";
    const replacement = replace(r.indent);
    // keep the file's last-line convention: if the END marker was the unterminated last line, so is
    // the replacement's last line
    if (replacement.length > 0 && !endLine.endsWith("\n") && r.end === lines.length - 1) {
      replacement[replacement.length - 1] = replacement[replacement.length - 1]!.replace(/\n$/, "");
    }
    out.push(...replacement);
    i = r.end + 1;
  }
  out.push(...lines.slice(i));
  let text = out.join("");
  // removing a final region can leave a dangling newline on what is now the last line
  if (!source.endsWith("\n")) text = text.replace(/\n$/, "");
  return text;
}
