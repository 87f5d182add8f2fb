"""The notebook driver: executes a notebook on the tslab kernel with nbclient, cell by cell.

usage: driver.py JOB.json    (or `-`: the job on stdin). The job's "mode" says what to do:

"run": plain execution (grading/execute.ts; `npm run lab`, the tests). Job: notebook, output,
  kernel_name, timeout (default seconds per cell; a cell's `metadata.lab4.timeout` overrides it),
  allow_errors, cwd (default: the notebook's folder, as nbconvert does), progress_fd. The kernel's
  peak resident memory (Linux VmHWM, largest process of its tree) goes into the output's
  `metadata.lab4.kernel_peak_rss_bytes` (the lab report shows it).
  Progress (progress_fd N): one JSON object per line on file descriptor N: {"event": "start",
  "cells": N}, {"event": "cell", "n": k, "total": N, "index": i, "section": "<nearest Markdown
  heading above>"} when code cell k of N starts, and {"event": "progress", "text": "..."} for every
  display whose only representation is text/plain (the kernel's progress bars; charts carry
  Vega-Lite and are not relayed).
  SIGINT (Ctrl-C) shuts the kernel down, marks the cell that was running with a KeyboardInterrupt
  error, writes the output with what ran so far and exits 130.
  Exit status: 0 ok; 1 a cell failed (without allow_errors) or timed out; 2 bad job or notebook;
  3 the kernel never started (the message names its kernelspec and the fix; no output is written);
  130 interrupted by SIGINT.

"grade": one assembled submission for the batch grader (grading/grade/run.ts via driver.ts), on a
  kernel the grader launched (possibly inside bubblewrap; see grading/grade/sandbox.ts). Job: see
  `execute_graded` and driver.ts. Writes the executed notebook and a result JSON (per-cell status,
  seconds, detail).
  * A timed-out cell is interrupted (SIGINT: tslab breaks synchronous loops and abandons
    pending promises). If the kernel does not answer within the grace period it is killed.
  * A kernel that dies (process.exit, out of memory, killed) is restarted and the cells before
    the failure (except test cells and cells that timed out) are replayed silently to rebuild the
    state; then execution continues with the next cell. At most `max_restarts` restarts.
  * The kernel's resident memory (its whole process tree) is polled; above the cap it is killed.
  Exit status: 0 done (whatever the cells did), 3 the kernel could not be started, 2 bad job.

Both modes: tslab answers every request that arrives within 200 ms after a failing cell with
status "abort" and runs nothing (tslab #19), and it reports errors on stderr, not as `error`
outputs, so plain `nbconvert --execute --allow-errors` would silently skip cells. Every cell here
waits for its own execute_reply and goes through kernelproc.until_not_aborted, so every cell
runs exactly once and its status is known.
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
from nbclient.exceptions import CellExecutionError, CellTimeoutError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernelproc import (  # noqa: E402
    signal_tree, tree_cpu_seconds, tree_rss_bytes, tree_status_bytes, until_not_aborted,
)

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
# mode "grade": the kernel


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
# mode "grade": the cells


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


async def execute_graded(job, nb):
    """Job: notebook, output, result, kernel_log, cells (one {timeout, replay} per cell),
    kernel_name, kernel (the launch: argv, env, cwd, transport, ip, connection_file, uid),
    memory_kill_bytes, budget_seconds, max_restarts, startup_timeout, interrupt_grace, iopub_timeout."""
    specs = job["cells"]
    if len(specs) != len(nb.cells):
        raise BadJob(f"the job has {len(specs)} cell specs for the notebook's {len(nb.cells)} cells")
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
                st, _, _ = await until_not_aborted(
                    lambda: run_cell(client, kernel, scratch, j, specs[j]["timeout"], job, log_path), tries=4)
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
            status, detail, attempts = await until_not_aborted(
                lambda: run_cell(client, kernel, cell, i, timeout, job, log_path), tries=4)
            results[i] = {"status": status, "seconds": round(time.monotonic() - t_cell, 3), "detail": detail, "attempts": attempts}
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


# --------------------------------------------------------------------------------------------
# mode "run": plain execution on a kernelspec's kernel


def kernel_start_problem(name, error):
    """One line on why the kernel would not start: which kernelspec, what it runs, how to fix it."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
        try:
            spec = KernelSpecManager().get_kernel_spec(name)
            where = f"{os.path.join(spec.resource_dir, 'kernel.json')} runs {spec.argv[0] if spec.argv else '(nothing)'}"
        except NoSuchKernel:
            where = "no kernelspec of that name is registered"
    except Exception as e:  # noqa: BLE001 - the hint must never hide the error itself
        where = f"kernelspec not readable: {e}"
    return (f'cannot start the "{name}" kernel ({where}): {type(error).__name__}: {error}. '
            "Register it again: bash scripts/setup.sh "
            "(it runs npx tslab install --python=/usr/bin/python3 --binary=<repo>/node_modules/.bin/tslab)")


def section_titles(cells):
    """For each cell, the nearest Markdown heading above it (its text without the #s), or ""."""
    titles, current = [], ""
    for cell in cells:
        titles.append(current)
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    current = line.lstrip("#").strip()
    return titles


def runs(cell):
    return cell.cell_type == "code" and bool(cell.source.strip())


class Progress:
    """JSON lines to a file descriptor (or nowhere)."""

    def __init__(self, fd):
        self.out = os.fdopen(fd, "w", buffering=1, encoding="utf-8") if fd is not None else None

    def send(self, **event):
        if self.out is None:
            return
        try:
            self.out.write(json.dumps(event, ensure_ascii=False) + "\n")
        except OSError:
            self.out = None  # the reader went away: progress is optional, the run is not


class Interrupted(Exception):
    """SIGINT came: run no more cells."""


class TslabClient(NotebookClient):
    kernel_peak_rss = None
    cells_started = False
    interrupted = False
    progress = Progress(None)
    running_cell = None  # the code cell being executed, if any
    interrupted_cell = None  # the one that was running at SIGINT
    stopping = None  # the kernel's shutdown, once started

    def prepare_progress(self, progress):
        self.progress = progress
        self.titles = section_titles(self.nb.cells)
        self.code_numbers = {}
        for i, cell in enumerate(self.nb.cells):
            if runs(cell):
                self.code_numbers[i] = len(self.code_numbers) + 1
        progress.send(event="start", cells=len(self.code_numbers))

    def on_sigint(self):
        # Replaces nbclient's own handler (which only shuts the kernel down): remember why the
        # kernel died, so the run ends as "interrupted" with what it executed so far.
        if self.interrupted:
            return
        self.interrupted = True
        self.interrupted_cell = self.running_cell
        print("driver: SIGINT, apagando el kernel", file=sys.stderr)
        asyncio.ensure_future(self._async_cleanup_kernel())

    async def _async_cleanup_kernel(self):
        # Once: at SIGINT it starts while a cell runs, and nbclient calls it again on the way out.
        if self.stopping is None:
            self.stopping = asyncio.ensure_future(self._cleanup_kernel_once())
        await self.stopping

    async def _cleanup_kernel_once(self):
        # Read the peak before the kernel is shut down (its /proc entry goes with it).
        try:
            pid = self.km.provisioner.process.pid if self.km is not None and self.km.provisioner is not None else None
        except AttributeError:
            pid = None
        if pid is not None:
            peaks = tree_status_bytes(pid, "VmHWM")  # largest process of the kernel's tree
            if peaks:
                self.kernel_peak_rss = max(self.kernel_peak_rss or 0, *peaks)
        return await super()._async_cleanup_kernel()

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if not self.cells_started:
            self.cells_started = True
            try:
                asyncio.get_running_loop().add_signal_handler(signal.SIGINT, self.on_sigint)
            except (RuntimeError, NotImplementedError):  # not the main thread, or Windows
                pass
        if self.interrupted:
            raise Interrupted()
        if runs(cell):
            self.running_cell = cell
            self.progress.send(event="cell", n=self.code_numbers.get(cell_index, 0), total=len(self.code_numbers),
                               index=cell_index, section=self.titles[cell_index])

        async def once():
            self._lab4_status = None
            result = await super(TslabClient, self).async_execute_cell(cell, cell_index, execution_count, store_history)
            if self._lab4_status == "abort":
                cell.outputs = []  # nothing ran; it is sent again after the window
            return self._lab4_status, result

        status, result, attempts = await until_not_aborted(once, tries=3)
        if status == "abort":
            raise RuntimeError(f"cell {cell_index} was aborted by the kernel {attempts} times")
        self.running_cell = None
        return result

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] in ("display_data", "update_display_data"):
            data = msg["content"].get("data", {})
            if set(data) == {"text/plain"}:
                text = data["text/plain"]
                self.progress.send(event="progress", text="".join(text) if isinstance(text, list) else text)
        return super().process_message(msg, cell, cell_index)

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        if exec_reply is not None:
            self._lab4_status = exec_reply["content"].get("status")
        return await super()._check_raise_for_error(cell, cell_index, exec_reply)


def mark_interrupted(cell):
    """The cell that was running at SIGINT keeps its partial outputs and gets an error saying so."""
    if cell is not None:
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename="KeyboardInterrupt", evalue="ejecución interrumpida (SIGINT / Ctrl-C)", traceback=[]))


def execute_plain(job, nb):
    """Mode "run": returns the exit status (see the module's doc)."""
    kernel_name = job.get("kernel_name", "tslab")
    default_timeout = job.get("timeout", 600)

    def timeout_for(cell):
        t = cell.get("metadata", {}).get("lab4", {}).get("timeout")
        return int(t) if isinstance(t, (int, float)) and t > 0 else default_timeout

    client = TslabClient(
        nb,
        timeout_func=timeout_for,
        kernel_name=kernel_name,
        allow_errors=bool(job.get("allow_errors", False)),
        # like nbconvert, run the kernel in the notebook's folder unless told otherwise
        resources={"metadata": {"path": job.get("cwd") or os.path.dirname(os.path.abspath(job["notebook"]))}},
    )
    client.prepare_progress(Progress(job.get("progress_fd")))
    code = 0
    start_failed = False
    try:
        client.execute()
    except KeyboardInterrupt:  # SIGINT before the first cell (nbclient's handler was not set yet)
        client.interrupted = True
    except CellTimeoutError as e:
        if not client.interrupted:
            print(f"timeout: {e}", file=sys.stderr)
            code = 1
    except CellExecutionError as e:
        if not client.interrupted:
            print(str(e), file=sys.stderr)
            code = 1
    except Exception as e:  # noqa: BLE001 - only a kernel that never ran a cell is handled here
        if not client.interrupted:
            if client.cells_started:
                raise
            # Missing binary, unknown or stale kernelspec, died at start: say so, and write no
            # "executed" notebook that would be reported as all cells failed.
            print(kernel_start_problem(kernel_name, e), file=sys.stderr)
            start_failed = True
            code = 3
    finally:
        if client.interrupted:
            mark_interrupted(client.interrupted_cell)
            print("driver: interrumpido (SIGINT); el notebook guarda lo ejecutado hasta ahora", file=sys.stderr)
            code = 130
        if not start_failed:
            if client.kernel_peak_rss is not None:
                nb.metadata.setdefault("lab4", {})["kernel_peak_rss_bytes"] = client.kernel_peak_rss
            nbformat.write(nb, job["output"])
    return code


# --------------------------------------------------------------------------------------------
# the job


class BadJob(Exception):
    """The job cannot be run as given (exit 2)."""


# The fields each mode needs, with their JSON types; the rest are optional.
REQUIRED = {
    "run": {"notebook": str, "output": str},
    "grade": {"notebook": str, "output": str, "result": str, "kernel_log": str, "cells": list, "kernel": dict},
}


def read_job(arg):
    where = "the job on stdin" if arg == "-" else arg
    try:
        if arg == "-":
            job = json.load(sys.stdin)
        else:
            with open(arg, encoding="utf-8") as f:
                job = json.load(f)
    except (OSError, ValueError) as e:
        raise BadJob(f"{where}: cannot read the job: {e}")
    if not isinstance(job, dict):
        raise BadJob(f"{where}: the job must be a JSON object")
    mode = job.get("mode")
    if mode not in REQUIRED:
        raise BadJob(f'{where}: "mode" must be "run" or "grade", not {json.dumps(mode)}')
    for key, kind in REQUIRED[mode].items():
        if not isinstance(job.get(key), kind):
            raise BadJob(f'{where}: mode "{mode}" needs "{key}" ({kind.__name__}), got {json.dumps(job.get(key))}')
    return job


def read_notebook(path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception as e:  # noqa: BLE001 - any unreadable notebook is a bad job
        raise BadJob(f"{path}: cannot read notebook: {e}")


def grade(job):
    # what the driver writes (the executed notebook holds the hidden tests' code) is for the grader only
    os.umask(0o077)
    nb = read_notebook(job["notebook"])
    t0 = time.monotonic()
    nb, results, summary = asyncio.run(execute_graded(job, nb))
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


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        job = read_job(argv[0])
        if job["mode"] == "run":
            return execute_plain(job, read_notebook(job["notebook"]))
        return grade(job)
    except BadJob as e:
        print(f"driver: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
