/**
 * A training progress bar for notebook loops:
 *
 *   const bar = progressBar({ total: dataloader_train.length, label: "Época 1" });
 *   for (const batch of dataloader_train) { ...; bar.update({ loss }); }
 *   bar.close();
 *
 * shows one line such as
 *   Época 1 ███████████░░░░░░░░░ 12/20 lotes · 0:07 transcurrido · faltan ~0:05 · loss 5.4321 (media 5.6012)
 * In a kernel it is ONE output replaced in place (update_display_data, at most every `intervalMs`,
 * default 500 ms; the last state is always sent by close(), so an executed notebook keeps the final
 * line). Outside a kernel it prints a plain line (no \r) at most every `logIntervalMs` (default
 * 10 s) plus the final line, so logs stay readable.
 */
import { afterDisplay, displayBundle, inKernel, newDisplayId } from "../notebook/display";
import { formatDuration, formatLoss, textBar } from "./format";

export interface ProgressBarOptions {
  /** Steps expected, e.g. `dataloader_train.length` (batches per epoch). Omit if unknown (no bar, no ETA). */
  total?: number;
  /** Shown first, e.g. "Época 1". */
  label?: string;
  /** What a step is called (default "lotes"). */
  unit?: string;
  /** Minimum ms between in-place updates in a notebook (default 500). */
  intervalMs?: number;
  /** Minimum ms between printed lines outside a notebook (default 10000). */
  logIntervalMs?: number;
  /** Characters of the bar (default 24). */
  width?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface ProgressUpdate {
  /** Loss of the step(s) just done; the bar shows it and the running mean. */
  loss?: number;
  /** Steps just done (default 1). */
  steps?: number;
}

function checkCount(name: string, v: unknown, allowZero: boolean): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new Error(`progressBar: ${name} debe ser un número ${allowZero ? "≥ 0" : "> 0"}, se recibió ${String(v)}`);
  return v;
}

export class ProgressBar {
  readonly total: number | undefined;
  readonly label: string;
  private readonly unit: string;
  private readonly intervalMs: number;
  private readonly logIntervalMs: number;
  private readonly width: number;
  private readonly now: () => number;
  private readonly kernel: boolean;
  private readonly displayId: string;
  private readonly start: number;
  private lastSent: number;
  private doneSteps = 0;
  private lossSum = 0;
  private lossCount = 0;
  private last = NaN;
  private closed = false;
  private dirty = false;

  constructor(opts: ProgressBarOptions = {}) {
    this.total = opts.total === undefined ? undefined : Math.floor(checkCount("total", opts.total, false));
    this.label = opts.label ?? "";
    this.unit = opts.unit ?? "lotes";
    this.intervalMs = opts.intervalMs === undefined ? 500 : checkCount("intervalMs", opts.intervalMs, true);
    this.logIntervalMs = opts.logIntervalMs === undefined ? 10_000 : checkCount("logIntervalMs", opts.logIntervalMs, true);
    this.width = opts.width === undefined ? 24 : Math.max(1, Math.floor(checkCount("width", opts.width, false)));
    this.now = opts.now ?? (() => performance.now());
    this.kernel = inKernel();
    this.displayId = newDisplayId();
    this.start = this.now();
    this.lastSent = this.start;
    if (this.kernel) displayBundle({ "text/plain": this.line() }, { displayId: this.displayId });
  }

  /** Steps done so far. */
  get done(): number {
    return this.doneSteps;
  }

  /** Mean of the losses given so far (NaN before the first). */
  get meanLoss(): number {
    return this.lossCount === 0 ? NaN : this.lossSum / this.lossCount;
  }

  /** The last loss given (NaN before the first). */
  get lastLoss(): number {
    return this.last;
  }

  get elapsedMs(): number {
    return this.now() - this.start;
  }

  /** Estimated ms left (NaN without a total or before the first step). */
  get etaMs(): number {
    if (this.total === undefined || this.doneSteps === 0) return NaN;
    return (this.elapsedMs / this.doneSteps) * Math.max(0, this.total - this.doneSteps);
  }

  /**
   * Records steps (default 1) and their loss; redraws if `intervalMs` has passed. In a kernel,
   * `await bar.update(...)` in a long loop lets the kernel send the redraw (one event-loop turn,
   * only when it redrew): without any await, a kernel cannot deliver output until the cell ends.
   */
  update(u: ProgressUpdate = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const steps = u.steps === undefined ? 1 : checkCount("steps", u.steps, true);
    this.doneSteps += steps;
    if (u.loss !== undefined) {
      // A NaN loss is shown as NaN (the training loop decides whether to stop), not an error here.
      this.last = u.loss;
      this.lossSum += u.loss;
      this.lossCount++;
    }
    this.dirty = true;
    const t = this.now();
    if (t - this.lastSent < (this.kernel ? this.intervalMs : this.logIntervalMs)) return Promise.resolve();
    this.lastSent = t;
    this.flush();
    return afterDisplay(this.kernel);
  }

  /** Sends the final state (always; idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dirty = true;
    this.flush(true);
  }

  private flush(final = false): void {
    if (!this.dirty) return;
    this.dirty = false;
    const line = this.line();
    if (this.kernel) displayBundle({ "text/plain": line }, { displayId: this.displayId, update: true, final });
    else process.stdout.write(line + "\n");
  }

  /** The current line. */
  line(): string {
    const parts: string[] = [];
    const head = this.label ? `${this.label} ` : "";
    if (this.total !== undefined) {
      parts.push(`${head}${textBar(this.doneSteps / this.total, this.width)} ${this.doneSteps}/${this.total} ${this.unit}`);
    } else parts.push(`${head}${this.doneSteps} ${this.unit}`);
    parts.push(`${formatDuration(this.elapsedMs)} transcurrido`);
    if (this.closed) parts.push("terminado");
    else if (this.total !== undefined && this.doneSteps > 0) parts.push(`faltan ~${formatDuration(this.etaMs)}`);
    if (this.lossCount > 0) parts.push(`loss ${formatLoss(this.last)} (media ${formatLoss(this.meanLoss)})`);
    return parts.join(" · ");
  }

  toString(): string {
    return this.line();
  }
}

/** A progress bar (see ProgressBar). */
export function progressBar(opts: ProgressBarOptions = {}): ProgressBar {
  return new ProgressBar(opts);
}
