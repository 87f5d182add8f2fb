/**
 * A real single-node Slurm cluster for tests, from Debian's slurm-wlm and munge, with everything in
 * a temporary folder: munged (as user munge, its own key and socket), slurmctld and slurmd in the
 * foreground as children of this process, on free ports, with a slurm.conf written here
 * (proctrack/linuxproc, task/none: no cgroups, no systemd). Clients find it through SLURM_CONF
 * (`cluster.env`). `stop()` cancels what is left and kills the daemons it started, by pid.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { ToolNeed } from "./require-tool";

const SBIN = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

function which(name: string): string | null {
  for (const d of [...(process.env.PATH ?? "").split(":"), ...SBIN]) if (d && fs.existsSync(path.join(d, name))) return path.join(d, name);
  return null;
}

/** Whether a cluster can be started here (the tools, and root: slurmd starts jobs as their user). */
export function slurmNeed(): ToolNeed {
  const tools = ["slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "munged", "mungekey"].filter((t) => which(t) === null);
  const root = process.getuid?.() === 0;
  return {
    what: "real Slurm cluster",
    present: tools.length === 0 && root && which("runuser") !== null,
    reason:
      tools.length > 0
        ? `missing ${tools.join(", ")}`
        : root
          ? "runuser missing"
          : "needs root (slurmd runs jobs as their user; munged as user munge)",
    install: "install slurm-wlm and munge (scripts/setup.sh does) and run the test as root",
  };
}

export interface SlurmCluster {
  dir: string;
  conf: string;
  /** process.env plus SLURM_CONF: give it to sbatch/squeue/scontrol. */
  env: NodeJS.ProcessEnv;
  /** Runs a Slurm client command; throws with its output when it fails. */
  run(cmd: string, args: string[]): string;
  /** Resolves when none of `jobIds` is pending or running (or rejects after `timeoutMs`). */
  waitGone(jobIds: string[], timeoutMs: number): Promise<void>;
  /** JobState of a job Slurm still remembers (e.g. "COMPLETED", "CANCELLED"). */
  state(jobId: string): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs: number, logs: () => string): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`slurm test cluster: ${what} did not happen in ${timeoutMs / 1000} s\n${logs()}`);
    await sleep(200);
  }
}

function tail(file: string, n = 20): string {
  return fs.existsSync(file) ? `--- ${file}\n${fs.readFileSync(file, "utf8").split("\n").slice(-n).join("\n")}` : "";
}

/** Starts munged, slurmctld and slurmd; waits until the node is idle. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-slurm-"));
  fs.chmodSync(dir, 0o755);
  const children: ChildProcess[] = [];
  // munged checks its files: the key's folder private to munge, the socket's folder readable by all
  const mungeDir = path.join(dir, "munge");
  const mungeRun = path.join(dir, "munge-run");
  const mungeUid = Number(spawnSync("id", ["-u", "munge"], { encoding: "utf8" }).stdout.trim());
  const mungeGid = Number(spawnSync("id", ["-g", "munge"], { encoding: "utf8" }).stdout.trim());
  for (const [d, mode] of [
    [mungeDir, 0o700],
    [mungeRun, 0o755],
  ] as const) {
    fs.mkdirSync(d);
    fs.chownSync(d, mungeUid, mungeGid);
    fs.chmodSync(d, mode);
  }
  const key = path.join(mungeDir, "munge.key");
  const socket = path.join(mungeRun, "munge.socket");
  const logs = () =>
    [path.join(mungeDir, "munged.log"), path.join(dir, "slurmctld.log"), path.join(dir, "slurmd.log")].map((f) => tail(f)).join("\n");
  const stop = async () => {
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
    if (fs.existsSync(path.join(dir, "slurm.conf")) && alive.length === children.length && children.length === 3)
      spawnSync(which("scancel")!, ["--user=root"], { env: { ...process.env, SLURM_CONF: path.join(dir, "slurm.conf") }, timeout: 10_000 });
    for (const c of [...children].reverse()) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
    const t0 = Date.now();
    while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() - t0 < 10_000) await sleep(100);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const mk = spawnSync("runuser", ["-u", "munge", "--", which("mungekey")!, "--create", `--keyfile=${key}`], { encoding: "utf8" });
    if (mk.status !== 0) throw new Error(`mungekey: ${mk.stderr}`);
    const spawnDaemon = (argv: string[], name: string) => {
      const out = fs.openSync(path.join(dir, `${name}.out`), "w");
      const c = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", out, out] });
      fs.closeSync(out);
      children.push(c);
      return c;
    };
    spawnDaemon(
      [
        "runuser",
        "-u",
        "munge",
        "--",
        which("munged")!,
        "--foreground",
        `--socket=${socket}`,
        `--key-file=${key}`,
        `--log-file=${path.join(mungeDir, "munged.log")}`,
        `--pid-file=${path.join(mungeRun, "munged.pid")}`,
        `--seed-file=${path.join(mungeDir, "munged.seed")}`,
      ],
      "munged",
    );
    await until("munged's socket", () => fs.existsSync(socket), 10_000, logs);
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const memMb = Math.floor(os.totalmem() / 2 ** 20) - 512;
    const conf = path.join(dir, "slurm.conf");
    for (const d of ["state", "spool"]) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(
      conf,
      [
        "ClusterName=lab4test",
        "SlurmctldHost=localhost",
        "SlurmUser=root",
        "SlurmdUser=root",
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        "AuthType=auth/munge",
        "CredType=cred/munge",
        `AuthInfo=socket=${socket}`,
        `StateSaveLocation=${path.join(dir, "state")}`,
        `SlurmdSpoolDir=${path.join(dir, "spool")}`,
        `SlurmctldPidFile=${path.join(dir, "slurmctld.pid")}`,
        `SlurmdPidFile=${path.join(dir, "slurmd.pid")}`,
        `SlurmctldLogFile=${path.join(dir, "slurmctld.log")}`,
        `SlurmdLogFile=${path.join(dir, "slurmd.log")}`,
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "SchedulerType=sched/backfill",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        "ReturnToService=2",
        "MpiDefault=none",
        // finished jobs stay visible to scontrol for this long (the tests read their final state)
        "MinJobAge=600",
        `NodeName=localhost CPUs=${os.cpus().length} RealMemory=${memMb} State=UNKNOWN`,
        "PartitionName=lab4 Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
        "",
      ].join("\n"),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
    spawnDaemon([which("slurmctld")!, "-D", "-i", "-f", conf], "slurmctld");
    spawnDaemon([which("slurmd")!, "-D", "-N", "localhost", "-f", conf], "slurmd");
    const run = (cmd: string, args: string[]) => {
      const r = spawnSync(which(cmd) ?? cmd, args, { encoding: "utf8", env, timeout: 30_000 });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    const sinfo = () => spawnSync(which("sinfo")!, ["-h", "-o", "%T"], { encoding: "utf8", env, timeout: 10_000 }).stdout?.trim() ?? "";
    await until("the node to become idle", () => sinfo() === "idle", 60_000, logs);
    return {
      dir,
      conf,
      env,
      run,
      state: (id) => /JobState=(\S+)/.exec(run("scontrol", ["show", "job", id]))?.[1] ?? "?",
      waitGone: (ids, timeoutMs) =>
        until(
          `jobs ${ids.join(",")} to finish`,
          () => run("squeue", ["-h", "-t", "PD,R,CG,CF,S", "-j", ids.join(",")]).trim() === "",
          timeoutMs,
          logs,
        ),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
