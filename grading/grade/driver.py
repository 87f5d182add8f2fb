"""Executes one assembled notebook for the batch grader (grading/grade/run.ts), cell by cell,
with nbclient's kernel management and output handling, on a kernel the grader launched (possibly
inside bubblewrap; see grading/sandbox.ts).

Why not plain `nbconvert --execute --allow-errors`:
  * tslab aborts every request that arrives within 200 ms after a failing cell (tslab #19) and
    reports errors on stderr, not as `error` outputs. Here every cell waits for its own
    execute_reply; after an "error" reply we pause 300 ms, and a cell answered "abort" is sent
    again, so every cell runs exactly once and its status is known.
  * A timed-out cell is interrupted (SIGINT: tslab breaks synchronous loops and abandons
    pending promises). If the kernel does not answer within the grace period it is killed.
  * A kernel that dies (process.exit, out of memory, killed) is restarted and the cells before
    the failure (except test cells and cells that timed out) are replayed silently to rebuild the
    state; then execution continues with the next cell. At most `max_restarts` restarts.
  * The kernel's resident memory (its whole process tree) is polled; above the cap it is killed.

usage: driver.py JOB.json      (the job format is written by run.ts; see `main`)
Writes the executed notebook and a result JSON (per-cell status, seconds, detail). Exit status:
0 done (whatever the cells did), 3 the kernel could not be started, 2 bad job.
"""
import asyncio
import json
import os
import re
try:
    import resource  # Unix only; the driver's own CPU time is not reported without it
except ImportError:
    resource = None
import signal
import sys
import time

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from kernelproc import TSLAB_ABORT_WINDOW_S, signal_tree, tree_cpu_seconds, tree_rss_bytes  # noqa: E402

# An error with one of these texts means the cell ran out of memory, whichever limit tripped first
# (the data rlimit fails an ArrayBuffer or wasm allocation with a catchable error; V8's heap limit
# crashes the kernel). The kernel is restarted without the cell either way: memory the cell still
# holds would otherwise make some later, innocent cell fail or crash instead.
ALLOCATION_FAILED = re.compile(
    r"Array buffer allocation failed|could not allocate memory|Cannot allocate memory|std::bad_alloc|\bout of memory\b",
    re.IGNORECASE,
)
POLL_S = 0.25


# --------------------------------------------------------------------------------------------
# kernel


class GraderKernelManager(AsyncKernelManager):
    """Launches the grader's kernel command instead of the kernelspec's argv."""

    launch = None  # the "kernel" object of the job

    def format_kernel_cmd(self, extra_arguments=None):
        launch = self.launch
        cf = self.connection_file
        if self.transport == "ipc":
            # tslab binds "ipc://<ip>:<port>", jupyter_client connects "ipc://<ip>-<port>":
            # a symlink per socket joins the two (connect() follows symlinks; zmq retries
            # until the kernel has bound).
            for key in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
                port = getattr(self, key)
                link = f"{self.ip}-{port}"
                if not os.path.lexists(link):
                    os.symlink(os.path.basename(f"{self.ip}:{port}"), link)
        uid = launch.get("uid")
        if uid is not None:
            os.chown(cf, uid, uid)
        return [a.replace("{connection_file}", cf) for a in launch["argv"]]


class Kernel:
    def __init__(self, job, log):
        self.job = job
        self.launch = job["kernel"]
        self.log = log
        self.km = None
        self.kc = None
        self.pid = None
        self.starts = 0
        self.cpu_seconds = 0.0  # of kernels already stopped

    async def start(self):
        launch = self.launch
        km = GraderKernelManager(kernel_name=self.job.get("kernel_name", "tslab"), transport=launch["transport"], ip=launch["ip"])
        km.launch = launch
        km.connection_file = launch["connection_file"]
        for stale in os.listdir(os.path.dirname(launch["connection_file"])):
            path = os.path.join(os.path.dirname(launch["connection_file"]), stale)
            if os.path.islink(path) or stale.startswith("s:") or stale == os.path.basename(launch["connection_file"]):
                try:
                    os.unlink(path)
                except OSError:
                    pass
        self.starts += 1
        self.log.write(f"\n--- kernel start {self.starts} ---\n")
        self.log.flush()
        await km.start_kernel(env=launch["env"], cwd=launch["cwd"], stdout=self.log, stderr=self.log)
        self.km = km
        self.pid = km.provisioner.process.pid
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=self.job.get("startup_timeout", 90))
        except Exception:
            kc.stop_channels()
            await self.kill()
            raise
        self.kc = kc

    def alive(self):
        proc = self.km.provisioner.process if self.km is not None and self.km.provisioner is not None else None
        return proc is not None and proc.poll() is None

    def exit_code(self):
        proc = self.km.provisioner.process if self.km is not None and self.km.provisioner is not None else None
        return None if proc is None else proc.poll()

    def interrupt(self):
        if self.pid is not None:
            signal_tree(self.pid, signal.SIGINT, only_comm="node")

    async def kill(self):
        if self.pid is not None:
            self.cpu_seconds += tree_cpu_seconds(self.pid)
            signal_tree(self.pid, signal.SIGKILL)
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - best effort on a dead kernel
                pass
        if self.km is not None:
            try:
                await self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001
                pass
            try:
                await self.km.cleanup_resources()
            except Exception:  # noqa: BLE001
                pass
        self.km = self.kc = self.pid = None


def log_tail(path, n=4000):
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - n))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def death(kernel, log_path):
    """(status, detail) of a kernel that is gone: "memory" when V8 crashed on its heap limit, else "died"."""
    code = kernel.exit_code()
    tail = log_tail(log_path)
    # only what this kernel wrote: an earlier kernel's crash must not explain this one's
    tail = tail[tail.rfind("--- kernel start"):] if "--- kernel start" in tail else tail
    if "heap out of memory" in tail or "Allocation failed" in tail:
        return "memory", "out of memory (the kernel crashed: JavaScript heap out of memory)"
    if code is None:
        return "died", "the kernel stopped answering"
    if code < 0:
        return "died", f"the kernel was killed by signal {-code}"
    if code >= 128:
        return "died", f"the kernel was killed by signal {code - 128}"
    return "died", f"the kernel process exited with code {code}"


# --------------------------------------------------------------------------------------------
# cells


async def run_cell(client, kernel, cell, index, timeout, job, log_path):
    """Executes one cell; returns (status, detail). Statuses: ok, error, timeout (interrupted,
    kernel alive), killed (did not answer the interrupt), died, memory."""
    kc = kernel.kc
    cell.outputs = []
    client.clear_before_next_output = False
    msg_id = kc.execute(cell.source, store_history=True, stop_on_error=False)
    out_task = asyncio.ensure_future(client._async_poll_output_msg(msg_id, cell, index))
    deadline = time.monotonic() + timeout
    interrupted = False
    grace = job.get("interrupt_grace", 5)
    mem_cap = job.get("memory_kill_bytes")
    reply = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if not interrupted:
                    interrupted = True
                    kernel.interrupt()
                    deadline = time.monotonic() + grace
                    continue
                await kernel.kill()
                return "killed", f"timeout after {timeout:g} s; the kernel did not answer the interrupt and was killed"
            try:
                msg = await kc.shell_channel.get_msg(timeout=min(POLL_S, remaining))
            except Exception:  # queue.Empty
                if not kernel.alive():
                    return death(kernel, log_path)
                if mem_cap and kernel.pid is not None and tree_rss_bytes(kernel.pid) > mem_cap:
                    await kernel.kill()
                    return "memory", f"killed: the kernel used more than {mem_cap // (1024 * 1024)} MiB of memory"
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                reply = msg
                break
    finally:
        if reply is None:
            out_task.cancel()
    try:
        await asyncio.wait_for(out_task, job.get("iopub_timeout", 5))
    except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - outputs are best effort
        out_task.cancel()
    status = reply["content"].get("status", "error")
    if interrupted:
        return "timeout", f"timeout after {timeout:g} s; interrupted"
    if status == "abort":
        return "abort", "the kernel aborted the request (tslab #19)"
    if status == "ok":
        return "ok", ""
    failed = ALLOCATION_FAILED.search(stderr_text(cell))
    if failed:
        return "memory", f"out of memory in the cell ({failed.group(0)}); the kernel was restarted without it"
    return "error", ""


def stderr_text(cell):
    """What the cell wrote to stderr (tslab reports errors there, not as `error` outputs)."""
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            parts.append(o.get("text", "") if isinstance(o.get("text"), str) else "".join(o.get("text", [])))
        elif o.get("output_type") == "error":
            parts.append(f"{o.get('ename', '')}: {o.get('evalue', '')}")
    return "".join(parts)


async def execute(job):
    nb = nbformat.read(job["notebook"], as_version=4)
    specs = job["cells"]
    if len(specs) != len(nb.cells):
        raise ValueError(f"job has {len(specs)} cell specs for {len(nb.cells)} cells")
    log_path = job["kernel_log"]
    results = []
    for c in nb.cells:
        if c.cell_type != "code" or not c.source.strip():
            results.append({"status": "skipped", "seconds": 0.0, "detail": ""})
        else:
            results.append({"status": "not-run", "seconds": 0.0, "detail": ""})
    t_start = time.monotonic()
    budget = job.get("budget_seconds") or 1e12
    max_restarts = job.get("max_restarts", 2)
    restarts = 0
    startup = []
    summary = {"restarts": 0, "startup_seconds": startup, "fatal": None}

    with open(log_path, "a", buffering=1) as log:
        kernel = Kernel(job, log)
        client = NotebookClient(nb, kernel_name=job.get("kernel_name", "tslab"), allow_errors=True, record_timing=False)
        t0 = time.monotonic()
        try:
            await kernel.start()
        except Exception as e:  # noqa: BLE001
            summary["fatal"] = f"the kernel did not start: {e}; {log_tail(log_path, 1500).strip()}"
            return nb, results, summary
        startup.append(time.monotonic() - t0)
        client.km, client.kc = kernel.km, kernel.kc
        dead_reason = None  # set when the kernel is gone for good

        async def replay(upto):
            """Re-runs earlier cells on a fresh kernel (outputs discarded); False if that failed."""
            for j in range(upto):
                if not specs[j].get("replay") or results[j]["status"] not in ("ok", "error"):
                    continue
                scratch = nbformat.from_dict(json.loads(json.dumps(nb.cells[j])))
                st, _ = await run_cell(client, kernel, scratch, j, specs[j]["timeout"], job, log_path)
                if st == "error":
                    await asyncio.sleep(TSLAB_ABORT_WINDOW_S)
                if st not in ("ok", "error"):
                    return False
            return True

        for i, cell in enumerate(nb.cells):
            if results[i]["status"] == "skipped":
                continue
            if dead_reason is not None:
                results[i] = {"status": "not-run", "seconds": 0.0, "detail": dead_reason}
                continue
            remaining = budget - (time.monotonic() - t_start)
            if remaining <= 1:
                results[i] = {"status": "not-run", "seconds": 0.0, "detail": f"the submission's time budget ({budget:g} s) was used up"}
                continue
            timeout = min(float(specs[i]["timeout"]), remaining)
            t_cell = time.monotonic()
            for attempt in range(4):
                status, detail = await run_cell(client, kernel, cell, i, timeout, job, log_path)
                if status == "error":
                    await asyncio.sleep(TSLAB_ABORT_WINDOW_S)
                if status != "abort":
                    break
                await asyncio.sleep(TSLAB_ABORT_WINDOW_S)
            results[i] = {"status": status, "seconds": round(time.monotonic() - t_cell, 3), "detail": detail, "attempts": attempt + 1}
            if status in ("killed", "died", "memory"):
                await kernel.kill()
                if restarts >= max_restarts:
                    dead_reason = f"not run: the kernel failed {restarts + 1} times (last: {detail})"
                    continue
                restarts += 1
                t0 = time.monotonic()
                try:
                    await kernel.start()
                except Exception as e:  # noqa: BLE001
                    dead_reason = f"not run: the kernel could not be restarted ({e})"
                    continue
                startup.append(time.monotonic() - t0)
                client.km, client.kc = kernel.km, kernel.kc
                if not await replay(i):
                    await kernel.kill()
                    dead_reason = f"not run: the earlier cells could not be re-run after the kernel was restarted (cell {i}: {detail})"
        summary["restarts"] = restarts
        await kernel.kill()
        summary["kernel_cpu_seconds"] = round(kernel.cpu_seconds, 3)
    return nb, results, summary


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    # what the driver writes (the executed notebook holds the hidden tests' code) is for the grader only
    os.umask(0o077)
    with open(argv[0]) as f:
        job = json.load(f)
    t0 = time.monotonic()
    nb, results, summary = asyncio.run(execute(job))
    summary["seconds"] = round(time.monotonic() - t0, 3)
    if resource is not None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        summary["driver_cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 3)
    summary["cells"] = results
    nbformat.write(nb, job["output"])
    tmp = job["result"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(summary, f)
    os.replace(tmp, job["result"])
    return 3 if summary["fatal"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
