/** Test helpers: capture stdout, console.warn and display messages. */
import { setDisplaySink, DisplayMessage } from "../../lib/notebook/display";

/** What fn writes to stdout. */
export function captureStdout(fn: () => void): string {
  const orig = process.stdout.write.bind(process.stdout);
  let out = "";
  (process.stdout as { write: unknown }).write = (s: string | Uint8Array) => ((out += String(s)), true);
  try {
    fn();
  } finally {
    (process.stdout as { write: unknown }).write = orig;
  }
  return out;
}

/** What fn passes to console.warn, one line per call. */
export function captureWarn(fn: () => void): string[] {
  const orig = console.warn;
  const lines: string[] = [];
  console.warn = (...a: unknown[]) => void lines.push(a.map(String).join(" "));
  try {
    fn();
  } finally {
    console.warn = orig;
  }
  return lines;
}

export interface Sent {
  msg: DisplayMessage;
  update: boolean;
}

/** Every display message fn sends (as a notebook kernel would receive them). */
export function captureDisplays(fn: () => void): Sent[] {
  const got: Sent[] = [];
  const prev = setDisplaySink((msg, update) => got.push({ msg, update }));
  try {
    fn();
  } finally {
    setDisplaySink(prev);
  }
  return got;
}
