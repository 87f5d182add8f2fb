/**
 * The one-hot cell's classic slip, `vec.set(input_, 1)` for `vec.set(1, input_)` (tf.buffer's
 * `set(value, ...locs)` puts the value first; PyTorch's `vec[input_] = 1` has no order to get
 * wrong). tfjs accepts both silently and the check fails a cell later; inside tslab kernels lab4
 * wraps `TensorBuffer.prototype.set` to stop the swapped call where it is written.
 *
 * Flagged only when every sign agrees: a notebook cell calls `set` on a rank-1 float32 buffer that
 * is still all zeros, with position 1 and an integer value in [2, size) — an index, not a one-hot
 * value. Other calls (tfjs's own, other shapes, other values) pass through after a few compares.
 */
import * as tf from "@tensorflow/tfjs-core";

interface CallSite {
  getFileName(): string | null | undefined;
}
type Prepare = (err: Error, frames: CallSite[]) => unknown;
type SetFn = (this: tf.TensorBuffer<tf.Rank>, value: unknown, ...locs: number[]) => void;

const GUARDED = Symbol.for("lab4.bufferSetGuard");

/** True when the code calling `set` (two frames up: set's wrapper, then its caller) is a notebook cell. */
function calledFromCell(): boolean {
  const E = Error as unknown as { prepareStackTrace?: Prepare; stackTraceLimit: number };
  const prev = E.prepareStackTrace;
  const holder: { stack?: unknown } = {};
  try {
    E.prepareStackTrace = (_e, frames) => frames;
    Error.captureStackTrace(holder, guardedSet);
    const frames = holder.stack as CallSite[];
    return /^evalmachine\./.test(frames[0]?.getFileName() ?? "");
  } finally {
    E.prepareStackTrace = prev;
  }
}

/** The swapped one-hot call's shape (see the file header); cheap compares first. */
export function looksSwapped(
  buf: { rank: number; size: number; dtype: string; values: ArrayLike<number> },
  value: unknown,
  locs: number[],
): boolean {
  if (buf.rank !== 1 || buf.dtype !== "float32" || locs.length !== 1 || locs[0] !== 1) return false;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 2 || value >= buf.size) return false;
  for (let i = 0; i < buf.values.length; i++) if (buf.values[i] !== 0) return false;
  return true;
}

let original: SetFn | null = null;

function guardedSet(this: tf.TensorBuffer<tf.Rank>, value: unknown, ...locs: number[]): void {
  if (looksSwapped(this as unknown as Parameters<typeof looksSwapped>[0], value, locs) && calledFromCell())
    throw new Error(
      `vec.set(${value}, 1): set recibe primero el valor y después la posición; para poner un 1 en la posición ${value} ` +
        `escriba vec.set(1, ${value}) (el vec[${value}] = 1 del original)`,
    );
  original!.call(this, value, ...locs);
}

/** Installs the guard (idempotent). */
export function installBufferSetGuard(): void {
  const proto = tf.TensorBuffer.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[GUARDED]) return;
  original = proto.set as SetFn;
  proto.set = guardedSet;
  proto[GUARDED] = true;
}

/** In a tslab kernel and not opted out (LAB4_DEBUG=1): install. */
export function autoInstallBufferSetGuard(env: NodeJS.ProcessEnv = process.env): boolean {
  const inTslab = typeof (globalThis as { __tslab__?: unknown }).__tslab__ === "object";
  if (!inTslab || /^(1|true|yes|on)$/i.test(env.LAB4_DEBUG ?? "")) return false;
  installBufferSetGuard();
  return true;
}
