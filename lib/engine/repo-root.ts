import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

let cached: string | undefined;

/**
 * The repository root: the nearest ancestor of this file holding the `lab4` package.json (the
 * native binding's build and the data files are found from it). Walking up (instead of a fixed
 * `../..`) works from `lib/` (tsx), from `dist/lib/` (built) and through the `node_modules/lab4`
 * symlink the notebooks use (Node resolves it to the real path).
 */
export function repoRoot(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        const name: unknown = (JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name;
        if (name === "lab4") return (cached = dir);
      } catch {
        // An unreadable package.json belongs to something else; keep walking up.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the lab4 repository root above ${__dirname}`);
    dir = parent;
  }
}
