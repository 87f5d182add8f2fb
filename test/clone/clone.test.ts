/**
 * The repository is self-contained: users clone only it. Its committed HEAD is cloned alone into an
 * empty temporary folder (no ../shared, no sibling checkout) and the tests that read fixtures and
 * data run there. With bubblewrap the original checkout (and its ../shared, and the main checkout
 * when this is a git worktree) is also hidden behind an empty tmpfs, so an absolute path into it
 * fails too; without bubblewrap that part is skipped with a printed line, or fails in CI.
 *
 * node_modules: the clone gets a copy of the original's tree made of hard links (same bytes, but
 * paths inside the clone), with symlinks re-created as they are. node resolves symlinks to real
 * paths, so a symlink to the whole original node_modules would send `lab4` (node_modules/lab4 -> ..)
 * and every package back into the original; a relative `..` re-created inside the clone points at
 * the clone. Every symlink is checked to stay inside the clone. The subset runs on tsx and needs no
 * build (none of it imports dist/ or the package name).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BWRAP_INSTALL, requireTool } from "../helpers/require-tool";

const repoRoot = path.resolve(__dirname, "../..");
/** Test folders that read fixtures or data and run in well under a minute together. */
export const SUBSET = ["data", "grading", "helpers", "reference", "text"];

const run = (
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): SpawnSyncReturns<string> => spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...opts });

const inside = (dir: string, p: string): boolean => p === dir || p.startsWith(dir + path.sep);

/**
 * Copies the tree `from` to `to`: folders made, files hard-linked (copied across file systems),
 * symlinks re-created with the same target, which must resolve inside `root`. Returns how many of each.
 */
export function linkTree(from: string, to: string, root: string): { files: number; links: number } {
  const n = { files: 0, links: 0 };
  const walk = (src: string, dst: string): void => {
    fs.mkdirSync(dst);
    for (const e of fs.readdirSync(src, { withFileTypes: true })) {
      const s = path.join(src, e.name);
      const d = path.join(dst, e.name);
      if (e.isSymbolicLink()) {
        const target = fs.readlinkSync(s);
        const lands = path.resolve(path.dirname(d), target);
        if (path.isAbsolute(target) || !inside(root, lands)) {
          throw new Error(`${s} -> ${target}: in the clone it would lead to ${lands}, outside ${root}`);
        }
        fs.symlinkSync(target, d);
        n.links++;
      } else if (e.isDirectory()) {
        walk(s, d);
      } else {
        try {
          fs.linkSync(s, d);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
          fs.copyFileSync(s, d);
        }
        n.files++;
      }
    }
  };
  walk(from, to);
  return n;
}

/** Folders a test in the clone must not reach: this checkout, its ../shared, and the main checkout of a worktree. */
function originals(): string[] {
  const dirs = [repoRoot, path.resolve(repoRoot, "../shared")];
  const common = run("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd: repoRoot });
  if (common.status === 0 && path.basename(common.stdout.trim()) === ".git") dirs.push(path.dirname(common.stdout.trim()));
  return [...new Set(dirs)].filter((d) => fs.existsSync(d));
}

/** bubblewrap arguments that hide `dirs` behind empty tmpfs mounts, if bubblewrap works here. */
function hidingArgs(dirs: string[]): { args: string[] | null; reason: string } {
  const args = ["--dev-bind", "/", "/", ...dirs.flatMap((d) => ["--tmpfs", d]), "--"];
  const probe = run("bwrap", [...args, "/bin/sh", "-c", 'test ! -e "$1"', "sh", path.join(repoRoot, "package.json")]);
  if (probe.error) return { args: null, reason: `bwrap: ${probe.error.message}` };
  if (probe.status !== 0) return { args: null, reason: `bwrap cannot hide ${repoRoot} (exit ${probe.status}): ${probe.stderr.trim()}` };
  return { args, reason: "" };
}

test(`the committed HEAD, cloned alone into an empty folder, passes test/{${SUBSET.join(",")}}`, () => {
  const git = run("git", ["--version"]);
  assert.ok(git.status === 0, `git is needed to clone the repository (required, never skipped): ${git.error?.message ?? git.stderr}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-clone-"));
  try {
    const clone = path.join(tmp, "lab4");
    const c = run("git", ["clone", "--quiet", "--no-hardlinks", repoRoot, clone]);
    assert.is(c.status, 0, `git clone failed: ${c.stderr}`);
    assert.equal(fs.readdirSync(tmp), ["lab4"], "the clone has no sibling folders");
    assert.not.ok(fs.existsSync(path.join(clone, "node_modules")), "node_modules is not committed");

    const n = linkTree(path.join(repoRoot, "node_modules"), path.join(clone, "node_modules"), clone);
    assert.ok(n.files > 1000 && n.links > 0, `node_modules: ${n.files} files, ${n.links} symlinks`);
    assert.is(fs.realpathSync(path.join(clone, "node_modules", "lab4")), fs.realpathSync(clone), "lab4 -> .. is the clone");

    const hide = hidingArgs(originals());
    const hidden = requireTool({
      what: "hiding the original checkout from the clone's tests",
      present: hide.args !== null,
      reason: hide.reason,
      install: BWRAP_INSTALL,
    });

    // Nothing in the environment may point back into the original checkout (npm_package_json, INIT_CWD, ...).
    const env: NodeJS.ProcessEnv = { FORCE_COLOR: "0" };
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !v.includes(repoRoot) && k !== "LAB4_DATA_DIR" && k !== "NODE_PATH") env[k] = v;
    }
    const cmd = [process.execPath, path.join(clone, "scripts", "test.js"), ...SUBSET];
    const r =
      hidden && hide.args
        ? run("bwrap", [...hide.args, ...cmd], { cwd: clone, env, timeout: 300_000 })
        : run(cmd[0]!, cmd.slice(1), { cwd: clone, env, timeout: 300_000 });
    const out = `${r.stdout}${r.stderr}`;
    assert.is(r.status, 0, `the subset failed in the clone:\n${out.slice(-6000)}`);
    for (const dir of SUBSET) assert.match(out, new RegExp(`^ok   test/${dir}: (\\d+)/\\1 passed`, "m"), dir);
    const total = /^(\d+) passed, 0 failed$/m.exec(out);
    assert.ok(total && Number(total[1]) > 100, out.slice(-2000));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("linkTree refuses a symlink that would lead out of the clone", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-linktree-"));
  try {
    const src = path.join(tmp, "src");
    fs.mkdirSync(path.join(src, "pkg"), { recursive: true });
    fs.writeFileSync(path.join(src, "pkg", "index.js"), "1");
    fs.symlinkSync("..", path.join(src, "self"));
    fs.mkdirSync(path.join(tmp, "clone"));
    const n = linkTree(src, path.join(tmp, "clone", "node_modules"), path.join(tmp, "clone"));
    assert.equal(n, { files: 1, links: 1 });
    assert.is(fs.realpathSync(path.join(tmp, "clone", "node_modules", "self")), fs.realpathSync(path.join(tmp, "clone")));
    assert.is(
      fs.statSync(path.join(tmp, "clone", "node_modules", "pkg", "index.js")).ino,
      fs.statSync(path.join(src, "pkg", "index.js")).ino,
    );

    fs.symlinkSync(path.join(src, "pkg"), path.join(src, "absolute"));
    assert.throws(() => linkTree(src, path.join(tmp, "clone", "nm2"), path.join(tmp, "clone")), /absolute -> .*outside/);
    fs.rmSync(path.join(src, "absolute"));
    fs.symlinkSync("../../..", path.join(src, "pkg", "up"));
    assert.throws(() => linkTree(src, path.join(tmp, "clone", "nm3"), path.join(tmp, "clone")), /up -> \.\.\/\.\.\/\.\.: .*outside/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
