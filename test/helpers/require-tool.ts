// One rule for tests that need a tool from outside npm (PyTorch, bubblewrap, ...): in CI, where
// scripts/setup.sh installs everything, a missing tool FAILS the test; elsewhere the test may skip
// the part that needs it, and says so on its output.

/** True when the CI environment variable is set (anything but "", "0" or "false"). */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

export interface ToolNeed {
  /** What would not be checked without the tool, e.g. "PyTorch comparison". */
  what: string;
  /** Whether the tool is usable here. */
  present: boolean;
  /** Why it is not (shown when it is missing). */
  reason: string;
  /** How to get it, e.g. "install python3-torch (scripts/setup.sh does)". */
  install: string;
}

/** The line printed (outside CI) or thrown (in CI) when the tool is missing. */
export function missingMessage(need: ToolNeed): string {
  return `${need.what}: ${need.reason} — ${need.install}`;
}

/**
 * Returns `need.present`. When the tool is missing: throws in CI (a missing tool is a broken setup,
 * never a pass); elsewhere prints "SKIP (<what>): ..." and returns false, and the caller skips only
 * the part that needs it.
 */
export function requireTool(need: ToolNeed, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = console.log): boolean {
  if (need.present) return true;
  if (inCI(env)) throw new Error(`missing in CI (CI=${env.CI}): ${missingMessage(need)}`);
  log(`SKIP (${need.what}): ${need.reason} — ${need.install}`);
  return false;
}

/** How to get the grading sandbox (bubblewrap needs unprivileged user namespaces too). */
export const BWRAP_INSTALL = "install bubblewrap (scripts/setup.sh does) on a machine that allows unprivileged user namespaces";
