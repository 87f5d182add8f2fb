"""Executes a notebook on the tslab kernel with nbclient, robust to tslab issue #19.

tslab answers every request that arrives within 200 ms after a failing cell with status "abort"
and runs nothing (it ignores `stop_on_error`). With errors allowed, nbconvert would then silently
skip the next cells. This driver pauses after a failing cell and re-sends any cell whose reply was
"abort", so every cell runs once. Per-cell timeouts: `metadata.lab4.timeout` (seconds) on a cell
overrides the default. The kernel's peak resident memory (Linux VmHWM, largest process of its tree)
is recorded in the output's `metadata.lab4.kernel_peak_rss_bytes` (the lab report shows it).

Progress (`--progress-fd N`): one JSON object per line on file descriptor N, for a caller that shows
it (scripts/run-lab.ts): {"event": "start", "cells": N}, {"event": "cell", "n": k, "total": N,
"index": i, "section": "<nearest Markdown heading above>"} when code cell k of N starts, and
{"event": "progress", "text": "..."} for every display whose only representation is text/plain (the
kernel's progress bars, lib/progress/bar.ts; charts carry Vega-Lite and are not relayed).

SIGINT (Ctrl-C) shuts the kernel down, marks the cell that was running with a KeyboardInterrupt
error, writes OUTPUT with what ran so far and exits 130.

usage: nbexec.py SOURCE OUTPUT [--timeout S] [--allow-errors] [--kernel NAME] [--cwd DIR] [--progress-fd N]
Exit status: 0 ok; 1 a cell failed (without --allow-errors) or timed out; 2 bad usage/input; 3 the
kernel never started (the message names its kernelspec and the fix; no OUTPUT is written);
130 interrupted by SIGINT (OUTPUT holds the cells executed so far).
"""
import argparse
import asyncio
import json
import os
import signal
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernelproc import TSLAB_ABORT_WINDOW_S, tree_status_bytes  # noqa: E402


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
        print("nbexec: SIGINT, apagando el kernel", file=sys.stderr)
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
        for attempt in range(3):
            self._lab4_status = None
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            status = self._lab4_status
            if status in ("error", "abort"):
                await asyncio.sleep(TSLAB_ABORT_WINDOW_S)
            if status != "abort":
                self.running_cell = None
                return result
            cell.outputs = []  # aborted: nothing ran; send it again after the window
        raise RuntimeError(f"cell {cell_index} was aborted by the kernel {attempt + 1} times")

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


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("output")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--allow-errors", action="store_true")
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--cwd", default=None)
    ap.add_argument("--progress-fd", type=int, default=None)
    args = ap.parse_args(argv)
    try:
        nb = nbformat.read(args.source, as_version=4)
    except Exception as e:  # noqa: BLE001 - any unreadable notebook is a usage error
        print(f"{args.source}: cannot read notebook: {e}", file=sys.stderr)
        return 2

    def timeout_for(cell):
        t = cell.get("metadata", {}).get("lab4", {}).get("timeout")
        return int(t) if isinstance(t, (int, float)) and t > 0 else args.timeout

    client = TslabClient(
        nb,
        timeout_func=timeout_for,
        kernel_name=args.kernel,
        allow_errors=args.allow_errors,
        # like nbconvert, run the kernel in the notebook's folder unless told otherwise
        resources={"metadata": {"path": args.cwd or os.path.dirname(os.path.abspath(args.source))}},
    )
    client.prepare_progress(Progress(args.progress_fd))
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
            print(kernel_start_problem(args.kernel, e), file=sys.stderr)
            start_failed = True
            code = 3
    finally:
        if client.interrupted:
            mark_interrupted(client.interrupted_cell)
            print("nbexec: interrumpido (SIGINT); el notebook guarda lo ejecutado hasta ahora", file=sys.stderr)
            code = 130
        if not start_failed:
            if client.kernel_peak_rss is not None:
                nb.metadata.setdefault("lab4", {})["kernel_peak_rss_bytes"] = client.kernel_peak_rss
            nbformat.write(nb, args.output)
    return code


def mark_interrupted(cell):
    """The cell that was running at SIGINT keeps its partial outputs and gets an error saying so."""
    if cell is not None:
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename="KeyboardInterrupt", evalue="ejecución interrumpida (SIGINT / Ctrl-C)", traceback=[]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
