/**
 * The machine-readable `[lab4-marks]` marker that every `marks()` result carries: written here and
 * read here, for the grader, the lab report and the notebook tools alike.
 *
 *   [lab4-marks] {"id":"CORRECTMARK","marks":3,"total":3,"label":null,"seq":1}   (a text line)
 *   <!--[lab4-marks] {...}-->                                                        (in HTML)
 */

/** Prefix of the marker, e.g. for a grader's regex: /^\[lab4-marks\] (\{.*\})$/m. */
export const MARKER_PREFIX = "[lab4-marks]";

/** One marker: `marks` awarded of `total`; `seq` counts marks() calls since the last reset. */
export interface Marker {
  id: "CORRECTMARK" | "WRONGMARK" | "TOTALMARK";
  marks: number;
  total: number;
  label?: string | null;
  seq?: number;
  percent?: number;
  error?: string;
}

/**
 * The single-line JSON marker. '<', '>' and '-' in strings are \u-escaped, so the marker never
 * ends an HTML comment early and is still plain JSON.
 */
export function formatMarker(m: Marker): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(m)) {
    if (value === undefined) continue;
    const v =
      typeof value === "string"
        ? JSON.stringify(value).replace(/[<>-]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))
        : JSON.stringify(value);
    parts.push(`${JSON.stringify(key)}:${v}`);
  }
  return `${MARKER_PREFIX} {${parts.join(",")}}`;
}

// A whole text line, or an HTML comment; the JSON never holds "-->" (see formatMarker).
const MARKER = /(?:^|<!--)\[lab4-marks\] (\{.*?\})(?:-->|$)/gm;

const IDS: ReadonlySet<string> = new Set(["CORRECTMARK", "WRONGMARK", "TOTALMARK"]);

function isMarker(v: unknown): v is Marker {
  const o = v as Partial<Marker> | null;
  return (
    typeof o === "object" &&
    o !== null &&
    typeof o.id === "string" &&
    IDS.has(o.id) &&
    typeof o.marks === "number" &&
    typeof o.total === "number"
  );
}

/**
 * Every marker in `text` (one output's text: stream, HTML and plain text joined), in order. A
 * result shown both as HTML and as text counts once; text that only looks like a marker (not
 * JSON, or not a marker's fields) is someone else's and is skipped.
 */
export function parseMarkers(text: string): Marker[] {
  const seen = new Map<string, Marker>();
  for (const m of text.matchAll(MARKER)) {
    let rec: unknown;
    try {
      rec = JSON.parse(m[1]!);
    } catch {
      continue;
    }
    if (!isMarker(rec)) continue;
    const key = rec.seq === undefined ? m[1]! : `${rec.id}:${rec.seq}`;
    if (!seen.has(key)) seen.set(key, rec);
  }
  return [...seen.values()];
}
