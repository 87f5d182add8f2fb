/**
 * What `npm run lab` shows while the notebook runs: the cell (n of N), its section (the nearest
 * Markdown heading above it), the time, and the kernel's own progress line (a progress bar's
 * text: epoch, batch of total, ETA, loss) relayed from the notebook driver (grading/grade/driver.py).
 *
 * On a terminal: one status line redrawn in place (\r + clear to end of line), cut to its width.
 * Otherwise (a pipe, a file, a CI log): one line per cell start, and between them a status line
 * at most every `intervalMs` (default 5 s), only when the kernel's progress changed or, as a
 * heartbeat, every `heartbeatMs` (default 60 s) — never \r.
 */
import type { DriverEvent } from "../grading/execute";
import { formatDuration } from "../lib/progress/format";

export interface LabProgressOptions {
  tty: boolean;
  write: (s: string) => void;
  /** Terminal width (0 or undefined: 100). */
  columns?: () => number | undefined;
  intervalMs?: number;
  heartbeatMs?: number;
  now?: () => number;
}

export class LabProgress {
  private readonly start: number;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly heartbeatMs: number;
  private cell: { n: number; total: number; section: string; start: number } | null = null;
  private kernelLine = "";
  private kernelChanged = false;
  private lastLine = -Infinity; // pipe: when the last line was written
  private lastDraw = -Infinity; // tty: when the status line was last drawn
  private drawn = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: LabProgressOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.start = this.now();
    this.intervalMs = opts.intervalMs ?? 5000;
    this.heartbeatMs = opts.heartbeatMs ?? 60_000;
    this.timer = setInterval(() => this.tick(), opts.tty ? 1000 : 500);
    this.timer.unref();
  }

  /** How many cells have started, of how many (null before the first). */
  get position(): { n: number; total: number } | null {
    return this.cell && { n: this.cell.n, total: this.cell.total };
  }

  onEvent(e: DriverEvent): void {
    const t = this.now();
    if (e.event === "cell") {
      this.cell = { n: e.n, total: e.total, section: e.section, start: t };
      this.kernelLine = "";
      this.kernelChanged = false;
      if (this.opts.tty) this.draw(t);
      else this.line(t, `lab: celda ${e.n}/${e.total}${e.section ? ` · ${e.section}` : ""} · total ${formatDuration(t - this.start)}`);
    } else if (e.event === "progress") {
      const text = e.text.split("\n")[0].trim();
      if (text === this.kernelLine) return;
      this.kernelLine = text;
      this.kernelChanged = true;
      if (this.opts.tty && t - this.lastDraw >= 250) this.draw(t);
    }
  }

  /** Clears the status line (terminal) and stops the timer; call before printing the results. */
  finish(): void {
    clearInterval(this.timer);
    if (this.opts.tty && this.drawn) this.opts.write("\r\x1b[K");
    this.drawn = false;
  }

  private status(t: number): string {
    if (!this.cell) return `lab: iniciando el kernel · ${formatDuration(t - this.start)}`;
    const c = this.cell;
    const head =
      `lab: celda ${c.n}/${c.total}${c.section ? ` · ${c.section}` : ""} · ${formatDuration(t - c.start)} (total ` +
      `${formatDuration(t - this.start)})`;
    return this.kernelLine ? `${head} · ${this.kernelLine}` : head;
  }

  private tick(): void {
    const t = this.now();
    if (this.opts.tty) {
      this.draw(t);
      return;
    }
    if (!this.cell || t - this.lastLine < this.intervalMs) return;
    if (this.kernelChanged || t - this.lastLine >= this.heartbeatMs) {
      this.kernelChanged = false;
      this.line(t, this.status(t));
    }
  }

  private draw(t: number): void {
    const width = Math.max(20, this.opts.columns?.() || 100);
    let status = this.status(t);
    // too wide: the bar's glyphs go first (its "n/N lotes" stays), then the end of the line
    if (Array.from(status).length > width - 1) status = status.replace(/ [█░]+ /, " ");
    const chars = Array.from(status);
    const text = chars.length > width - 1 ? chars.slice(0, width - 2).join("") + "…" : chars.join("");
    this.opts.write(`\r\x1b[K${text}`);
    this.drawn = true;
    this.lastDraw = t;
  }

  private line(t: number, text: string): void {
    this.opts.write(text + "\n");
    this.lastLine = t;
  }
}
