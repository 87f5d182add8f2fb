/**
 * Rich output for notebooks: one `display_data` message carrying a whole MIME bundle.
 *
 * tslab's public `display.raw` sends one MIME type per message, so a chart would arrive as several
 * outputs. tslab keeps the kernel's writer in `tslab/dist/jupyter.lastWriteDisplayData` (1.0.x);
 * we use it when present and fall back to the public API (one type) if tslab's internals change.
 * Outside a kernel (scripts, tests) the text/plain part is printed.
 */
export type MimeBundle = Record<string, unknown>;

interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}
type WriteDisplayData = (msg: DisplayMessage, update: boolean) => void;

interface TslabInternals {
  lastWriteDisplayData: WriteDisplayData | null;
}
interface TslabPublic {
  display: { raw(contentType: string, b: string | Uint8Array): unknown };
}

function tryRequire<T>(id: string): T | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(id) as T;
  } catch {
    return null;
  }
}

function kernelWriter(): WriteDisplayData | null {
  const jupyter = tryRequire<TslabInternals>("tslab/dist/jupyter");
  return jupyter && typeof jupyter.lastWriteDisplayData === "function" ? jupyter.lastWriteDisplayData : null;
}

/** True inside a running tslab kernel (a cell is executing). */
export function inKernel(): boolean {
  return kernelWriter() !== null;
}

let warnedFallback = false;

/**
 * Shows `bundle`. With `displayId`, later calls with the same id and `update: true` replace the
 * output in place (Jupyter `update_display_data`).
 */
export function displayBundle(bundle: MimeBundle, opts: { displayId?: string; update?: boolean } = {}): void {
  const write = kernelWriter();
  if (write) {
    write({ data: bundle, metadata: {}, transient: opts.displayId ? { display_id: opts.displayId } : {} }, !!opts.update);
    return;
  }
  const tslab = tryRequire<TslabPublic>("tslab");
  const text = typeof bundle["text/plain"] === "string" ? (bundle["text/plain"] as string) : "";
  if (tslab && tslab.display && inKernelByPublicApi(tslab)) {
    if (!warnedFallback) {
      warnedFallback = true;
      console.warn("lab4: tslab internals changed; showing charts as text/plain only");
    }
    tslab.display.raw("text/plain", text);
    return;
  }
  if (!opts.update) console.log(text);
}

function inKernelByPublicApi(tslab: TslabPublic): boolean {
  try {
    // Outside a kernel tslab's display throws "Not ready"; nothing is sent.
    tslab.display.raw("text/plain", "");
    return true;
  } catch {
    return false;
  }
}
