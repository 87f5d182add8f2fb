/**
 * Executes a notebook with the real Jupyter machinery: nbclient on the tslab kernel (registered by
 * scripts/setup.sh), through the notebook driver (grading/grade/driver.py, mode "run"), which works
 * around tslab issue #19 (cells sent within 200 ms after a failing cell are silently aborted). One
 * stage, no scoring: callers read the outputs.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { driverScript } from "./grade/driver";

export interface ExecuteOptions {
  /** Default per-cell timeout in seconds; a cell's `metadata.lab4.timeout` overrides it. */
  timeoutCellSeconds?: number;
  /** Extra environment for the kernel (e.g. LAB4_PROFILE). */
  env?: Record<string, string>;
  /** Keep executing after a failing cell; every later cell still runs. */
  allowErrors?: boolean;
  kernelName?: string;
  /** Kernel working directory (default: the source notebook's folder, as nbconvert does). */
  cwd?: string;
  /** Python with Jupyter (Debian's; plain `python3` may be another Python). */
  python?: string;
}

export interface ExecuteResult {
  ok: boolean;
  /** The driver's message when it failed (names the failing cell and its error, or the timeout). */
  message: string;
  seconds: number;
}

/** The driver's job for mode "run" (see driver.py), read from its stdin. */
function runJob(source: string, output: string, opts: ExecuteOptions, progressFd?: number): string {
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  return JSON.stringify({
    mode: "run",
    notebook: source,
    output,
    kernel_name: opts.kernelName ?? "tslab",
    timeout: opts.timeoutCellSeconds ?? 600,
    allow_errors: opts.allowErrors ?? false,
    cwd: opts.cwd ?? null,
    progress_fd: progressFd ?? null,
  });
}

export function executeNotebook(source: string, output: string, opts: ExecuteOptions = {}): ExecuteResult {
  const job = runJob(source, output, opts);
  const t0 = Date.now();
  const r = spawnSync(opts.python ?? "/usr/bin/python3", [driverScript(), "-"], {
    input: job,
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (Date.now() - t0) / 1000;
  if (r.error) return { ok: false, message: `cannot run the notebook driver: ${r.error.message}`, seconds };
  if (r.status !== 0) return { ok: false, message: `executing ${source} failed (exit ${r.status}):\n${r.stderr.slice(-6000)}`, seconds };
  return { ok: true, message: "", seconds };
}

/** What the driver reports while it runs (driver.py, mode "run", on its progress_fd). */
export type DriverEvent =
  | { event: "start"; cells: number }
  /** Code cell `n` of `total` starts; `section` is the nearest Markdown heading above it. */
  | { event: "cell"; n: number; total: number; index: number; section: string }
  /** A text-only display (a progress bar's line) was shown or updated. */
  | { event: "progress"; text: string };

/** One line of the driver's progress stream, or null if it is not a known event. */
export function parseDriverEvent(line: string): DriverEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const num = (k: string): number | null => (typeof o[k] === "number" ? (o[k] as number) : null);
  if (o.event === "start" && num("cells") !== null) return { event: "start", cells: num("cells") as number };
  if (o.event === "cell" && num("n") !== null && num("total") !== null && num("index") !== null && typeof o.section === "string")
    return { event: "cell", n: num("n") as number, total: num("total") as number, index: num("index") as number, section: o.section };
  if (o.event === "progress" && typeof o.text === "string") return { event: "progress", text: o.text };
  return null;
}

export interface RunningNotebook {
  /** Settles when the driver has exited (and written the output notebook, unless it never started). */
  done: Promise<ExecuteResult & { interrupted: boolean }>;
  /** Stops the run: the driver shuts the kernel down, writes what ran so far and exits 130. */
  interrupt(): void;
}

/**
 * executeNotebook without blocking, reporting the driver's progress events as they come. The
 * driver writes them on its file descriptor 3, apart from its messages on stderr.
 */
export function startNotebook(
  source: string,
  output: string,
  opts: ExecuteOptions & { onEvent?: (e: DriverEvent) => void } = {},
): RunningNotebook {
  const job = runJob(source, output, opts, 3);
  const t0 = Date.now();
  const child = spawn(opts.python ?? "/usr/bin/python3", [driverScript(), "-"], {
    env: { ...process.env, ...opts.env },
    stdio: ["pipe", "ignore", "pipe", "pipe"],
  });
  child.stdin?.on("error", () => {}); // a driver that died at once is reported by its exit status
  child.stdin?.end(job);
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (s: string) => {
    stderr = (stderr + s).slice(-6000);
  });
  const events = child.stdio[3];
  if (events && "setEncoding" in events) {
    let pending = "";
    (events as NodeJS.ReadableStream).setEncoding("utf8");
    events.on("data", (s: string) => {
      pending += s;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const e = parseDriverEvent(line);
        if (e && opts.onEvent) opts.onEvent(e);
      }
    });
  }
  const done = new Promise<ExecuteResult & { interrupted: boolean }>((resolve) => {
    child.on("error", (err) =>
      resolve({
        ok: false,
        interrupted: false,
        message: `cannot run the notebook driver: ${err.message}`,
        seconds: (Date.now() - t0) / 1000,
      }),
    );
    child.on("close", (code) => {
      const seconds = (Date.now() - t0) / 1000;
      if (code === 0) resolve({ ok: true, interrupted: false, message: "", seconds });
      else resolve({ ok: false, interrupted: code === 130, message: `executing ${source} failed (exit ${code}):\n${stderr}`, seconds });
    });
  });
  return {
    done,
    interrupt: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    },
  };
}
