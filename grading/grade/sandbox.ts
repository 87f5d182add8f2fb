/**
 * How a grading kernel is started: in a bubblewrap sandbox when the machine allows it, else as a
 * plain process with resource limits only. The grader (driver.py) runs OUTSIDE and talks to the
 * kernel over ZeroMQ; with bwrap the sockets are Unix sockets in a per-submission folder, so the
 * kernel can have no network at all.
 *
 * Kernels run on an installed student kit (grading/kit.ts), never on the repository: what they can
 * import is exactly what students have.
 *
 * bwrap mode, what the kernel sees and can do:
 *   - its own mount namespace: /usr (+ the /bin,/lib symlinks), a few /etc files, the kit's
 *     node_modules READ-ONLY; a private copy of the kit's data (tmpfs over node_modules/lab4/data,
 *     filled at start); a private tmpfs as working folder (<kit install>/work) and /tmp; its socket
 *     folder. NOT visible: the repository (instructor notebook, reference implementations, tests),
 *     other submissions, their work folders, the gradebook, feedback, /root, /home, /work.
 *   - its own pid, IPC, UTS, cgroup and network namespaces (no network, not even loopback to other
 *     kernels; cannot see or signal other processes); no new user namespaces; a new session.
 *   - when the grader runs as root: a separate unprivileged uid per parallel slot (65534-style,
 *     61000+slot), so even a mistake in the mounts would not expose root-only files.
 *   - limits: address space for data (RLIMIT_DATA = the memory cap; V8's heap below it), file size
 *     1 GiB, no core files, processes/threads (per slot uid, root only); tmpfs sizes cap the disk
 *     it can fill. driver.py also watches the kernel's resident memory and kills it above the cap.
 * Not isolated: CPU (only per-cell timeouts and the total budget), kernel exploits, timing side
 * channels; /usr is readable (system software only).
 *
 * none mode (no bwrap, or --sandbox none): the kernel runs as the grader's user in its own
 * temporary folder with the same rlimits and a copy of the data, but it CAN read and write
 * whatever that user can (other submissions, the instructor notebook, the gradebook).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Whether a command is on PATH. */
export function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((d) => d !== "" && fs.existsSync(path.join(d, cmd)));
}

export type SandboxMode = "bwrap" | "none";
export type SandboxRequest = "auto" | SandboxMode;

export interface SandboxProbe {
  mode: SandboxMode;
  /** Why this mode (e.g. "bwrap 0.8.0 works" or why it cannot be used). */
  reason: string;
  /** Kernels run under a separate unprivileged uid (grader is root). */
  dropUid: boolean;
}

let probed: Map<SandboxRequest, SandboxProbe> | null = null;

function bwrapWorks(): { ok: boolean; detail: string } {
  const which = spawnSync("bwrap", ["--version"], { encoding: "utf8" });
  if (which.error || which.status !== 0) return { ok: false, detail: "bwrap is not installed (apt-get install bubblewrap)" };
  const version = which.stdout.trim();
  const args = ["--unshare-all", "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"];
  for (const l of ["/bin", "/lib", "/lib64"]) {
    try {
      const st = fs.lstatSync(l);
      if (st.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(l), l);
      else args.push("--ro-bind", l, l);
    } catch {
      /* absent */
    }
  }
  args.push("--perms", "0777", "--size", String(1 << 20), "--tmpfs", "/tmp", "/usr/bin/true");
  const cmd =
    process.getuid?.() === 0 ? ["setpriv", "--reuid=61000", "--regid=61000", "--clear-groups", "bwrap", ...args] : ["bwrap", ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 20_000 });
  if (r.error || r.status !== 0)
    return { ok: false, detail: `${version} cannot create namespaces here: ${(r.stderr || String(r.error ?? "")).trim().split("\n")[0]}` };
  return { ok: true, detail: `${version} works (namespaces: mount, pid, net, ipc, uts, user)` };
}

/** Which sandbox to use; `auto` takes bwrap when it works here. Cached per process. */
export function probeSandbox(request: SandboxRequest = "auto"): SandboxProbe {
  probed ??= new Map();
  const hit = probed.get(request);
  if (hit) return hit;
  let result: SandboxProbe;
  const root = process.getuid?.() === 0;
  if (request === "none") result = { mode: "none", reason: "sandbox disabled (--sandbox none)", dropUid: false };
  else {
    const w = bwrapWorks();
    if (w.ok) result = { mode: "bwrap", reason: w.detail, dropUid: root };
    else if (request === "bwrap") throw new Error(`--sandbox bwrap: ${w.detail}`);
    else result = { mode: "none", reason: `no sandbox: ${w.detail}`, dropUid: false };
  }
  probed.set(request, result);
  return result;
}

export interface KernelLaunch {
  /** Command with "{connection_file}" where the connection file goes. */
  argv: string[];
  /** Environment of the launcher process. */
  env: Record<string, string>;
  /** Working folder of the launcher (outside the sandbox). */
  cwd: string;
  transport: "ipc" | "tcp";
  /** ipc: socket path prefix; tcp: 127.0.0.1. */
  ip: string;
  connectionFile: string;
  /** uid the kernel runs as (the driver makes its files readable to it), or null. */
  uid: number | null;
}

/** An installed student kit (grading/kit.ts installs it): what every kernel runs on. */
export interface InstalledKit {
  /** The install's node_modules (mounted read-only into kernels). */
  nodeModules: string;
  /** The runtime package inside it (node_modules/lab4). */
  packageRoot: string;
  sha256: string;
}

export interface LaunchOptions {
  probe: SandboxProbe;
  /** The kit the kernel runs on: its node_modules (with lab4 and tslab inside). */
  nodeModules: string;
  /** Per-submission folder (exists, private to the grader). */
  workDir: string;
  /** Parallel slot (0-based), for the per-slot uid. */
  slot: number;
  memoryBytes: number;
  /** Environment for the kernel (LAB4_PROFILE, ...). */
  env: Record<string, string>;
  /** Cores the kernel may keep busy with helper threads (its share; see `coreShare`, `kernelNodeFlags`). */
  helperThreads: number;
}

export const SLOT_UID_BASE = 61000;
const MiB = 1024 * 1024;

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

function limits(memoryBytes: number, nproc: boolean): string[] {
  const l = [`--data=${memoryBytes}`, `--fsize=${1024 * MiB}`, "--core=0"];
  if (nproc) l.push("--nproc=1024");
  return l;
}

/** Node's own heap limit, below the data limit so V8 fails with its clear message first. */
function nodeOptions(memoryBytes: number): string {
  return `--max-old-space-size=${Math.max(256, Math.floor((memoryBytes * 0.75) / MiB))}`;
}

let v8OptionsText: string | null = null;

/** Whether this node's V8 knows a flag (node refuses to start on an unknown one). */
function v8Knows(flag: string): boolean {
  v8OptionsText ??= spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" }).stdout ?? "";
  return v8OptionsText.includes(`  ${flag} (`);
}

/**
 * Node flags for a kernel that may keep `helperThreads` cores busy. With one core to itself (as many
 * `--jobs` as cores), V8's background work (GC, optimising compiler) only takes time from the
 * kernel's own run: no background tasks at all (`--single-threaded`: GC and compiles on the main
 * thread, nothing to contend with or synchronise), one platform worker, and a 15x larger tier-up
 * budget so that only really hot code is compiled: kernels that share the cores this way finish
 * sooner than with V8's defaults (`npm run bench -- grade`). With spare cores V8's defaults stay:
 * there the background threads run beside the kernel, and limiting them slowed a lone kernel down.
 */
export function kernelNodeFlags(helperThreads: number): string[] {
  if (Math.floor(helperThreads) > 1) return [];
  const flags = ["--v8-pool-size=1"];
  if (v8Knows("--interrupt-budget")) flags.push("--interrupt-budget=1000000");
  if (v8Knows("--single-threaded")) flags.push("--single-threaded");
  return flags;
}

function tslabEntry(nodeModules: string): string {
  const p = path.join(nodeModules, "tslab", "bin", "tslab");
  if (!fs.existsSync(p)) throw new Error(`tslab is not installed (${p} missing): install the kit again`);
  return p;
}

function copyDir(src: string, dst: string): void {
  fs.cpSync(src, dst, { recursive: true, dereference: true });
}

export function kernelLaunch(o: LaunchOptions): KernelLaunch {
  const node = fs.realpathSync(process.execPath);
  const nodeModules = path.resolve(o.nodeModules);
  const tslab = tslabEntry(nodeModules);
  const dataDir = path.join(nodeModules, "lab4", "data");
  const kdir = path.join(o.workDir, "k");
  fs.mkdirSync(kdir, { recursive: true, mode: 0o700 });
  const uid = o.probe.dropUid ? SLOT_UID_BASE + o.slot : null;
  const kernelCmd = [node, ...kernelNodeFlags(o.helperThreads), tslab, "kernel", "--config-path", "{connection_file}"];
  const baseEnv: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "C.UTF-8",
    NODE_OPTIONS: nodeOptions(o.memoryBytes),
    ...o.env,
  };
  const pdeath = ["setpriv", "--pdeathsig", "KILL"];

  if (o.probe.mode === "none") {
    const nbDir = path.join(o.workDir, "nb");
    const home = path.join(o.workDir, "home");
    const data = path.join(o.workDir, "data");
    fs.mkdirSync(nbDir, { recursive: true });
    fs.mkdirSync(home, { recursive: true });
    copyDir(dataDir, data);
    // tslab resolves `import "lab4"` (and its types) from the working folder upwards
    fs.symlinkSync(nodeModules, path.join(nbDir, "node_modules"), "junction");
    // setpriv and prlimit (util-linux) exist on Linux only; elsewhere the kernel runs without them
    const wrap = [...(onPath("setpriv") ? pdeath : []), ...(onPath("prlimit") ? ["prlimit", ...limits(o.memoryBytes, false), "--"] : [])];
    return {
      argv: [...wrap, ...kernelCmd],
      env: { ...baseEnv, HOME: home, LAB4_DATA_DIR: data },
      cwd: nbDir,
      transport: "tcp",
      ip: "127.0.0.1",
      connectionFile: path.join(kdir, "kernel.json"),
      uid: null,
    };
  }

  if (uid !== null) fs.chownSync(kdir, uid, uid);
  if (!fs.realpathSync(path.join(nodeModules, "lab4")).startsWith(fs.realpathSync(nodeModules) + path.sep))
    throw new Error(`${nodeModules}/lab4 is a link out of the kit: grade on an installed kit (lab4 release, then lab4 grade --kit)`);
  const workFolder = path.join(path.dirname(nodeModules), "work");
  if (uid !== null) {
    // the kernel's unprivileged user must be able to reach the kit through every folder above it
    for (let d = path.dirname(nodeModules); d !== path.dirname(d); d = path.dirname(d))
      if ((fs.statSync(d).mode & 0o001) === 0)
        throw new Error(
          `the kit install ${path.dirname(nodeModules)} is out of reach of the sandbox's unprivileged user: ${d} is not searchable ` +
            `by others (chmod o+x it, or install the kit elsewhere with --kit-install DIR)`,
        );
  }
  const args: string[] = [
    "bwrap",
    "--die-with-parent",
    "--new-session",
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--ro-bind",
    "/usr",
    "/usr",
  ];
  for (const l of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    try {
      const st = fs.lstatSync(l);
      if (st.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(l), l);
      else if (st.isDirectory()) args.push("--ro-bind", l, l);
    } catch {
      /* absent on this system */
    }
  }
  // alternatives: Debian reaches some shared libraries through it (libopenblas.so.0 ->
  // /etc/alternatives/… -> openblas-pthread/…); without it the native GEMM cannot load in the kernel.
  for (const f of [
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "passwd",
    "group",
    "nsswitch.conf",
    "localtime",
    "fonts",
    "hosts",
  ]) {
    const p = path.join("/etc", f);
    if (fs.existsSync(p)) args.push("--ro-bind", p, p);
  }
  if (!node.startsWith("/usr/")) {
    const prefix = path.dirname(path.dirname(node));
    args.push("--ro-bind", prefix, prefix);
  }
  const dataBytes = dirBytes(dataDir);
  const dataSrc = "/run/lab4/data-src";
  args.push(
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--perms",
    "1777",
    "--size",
    String(256 * MiB),
    "--tmpfs",
    "/tmp",
    // the kit: lab4 (with its native GEMM when the install built it), tslab, typescript, tfjs …
    "--ro-bind",
    nodeModules,
    nodeModules,
    "--ro-bind",
    fs.realpathSync(dataDir),
    dataSrc,
    "--perms",
    "0777",
    "--size",
    String(Math.max(64 * MiB, 2 * dataBytes + 16 * MiB)),
    "--tmpfs",
    dataDir,
    "--perms",
    "0777",
    "--size",
    String(512 * MiB),
    "--tmpfs",
    workFolder,
    "--bind",
    kdir,
    kdir,
    "--chdir",
    workFolder,
    "--clearenv",
  );
  for (const [k, v] of Object.entries({ ...baseEnv, HOME: "/tmp" })) args.push("--setenv", k, v);
  // the kernel's own copy of the data, made inside the sandbox (so it is private and size-capped)
  args.push("--", "/bin/sh", "-c", `cp -R ${dataSrc}/. "$0"/ && exec "$@"`, dataDir, ...kernelCmd);
  const drop = uid !== null ? [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"] : [];
  return {
    argv: [...pdeath, ...drop, "prlimit", ...limits(o.memoryBytes, uid !== null), "--", ...args],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" },
    cwd: o.workDir,
    transport: "ipc",
    ip: path.join(kdir, "s"),
    connectionFile: path.join(kdir, "kernel.json"),
    uid,
  };
}
