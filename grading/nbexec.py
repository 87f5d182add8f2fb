"""Executes a notebook on the tslab kernel with nbclient, robust to tslab issue #19.

tslab answers every request that arrives within 200 ms after a failing cell with status "abort"
and runs nothing (it ignores `stop_on_error`). With errors allowed, nbconvert would then silently
skip the next cells. This driver pauses after a failing cell and re-sends any cell whose reply was
"abort", so every cell runs once. Per-cell timeouts: `metadata.lab4.timeout` (seconds) on a cell
overrides the default. The kernel's peak resident memory (Linux VmHWM, largest process of its tree)
is recorded in the output's `metadata.lab4.kernel_peak_rss_bytes` (the lab report shows it).

usage: nbexec.py SOURCE OUTPUT [--timeout S] [--allow-errors] [--kernel NAME] [--cwd DIR]
Exit status: 0 ok; 1 a cell failed (without --allow-errors) or timed out; 2 bad usage/input; 3 the
kernel never started (the message names its kernelspec and the fix; no OUTPUT is written).
"""
import argparse
import asyncio
import os
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
            "Register it again: bash scripts/setup.sh (it runs npx tslab install --python=/usr/bin/python3 --binary=<repo>/node_modules/.bin/tslab)")


class TslabClient(NotebookClient):
    kernel_peak_rss = None
    cells_started = False

    async def _async_cleanup_kernel(self):
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
        self.cells_started = True
        for attempt in range(3):
            self._lab4_status = None
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            status = self._lab4_status
            if status in ("error", "abort"):
                await asyncio.sleep(TSLAB_ABORT_WINDOW_S)
            if status != "abort":
                return result
            cell.outputs = []  # aborted: nothing ran; send it again after the window
        raise RuntimeError(f"cell {cell_index} was aborted by the kernel {attempt + 1} times")

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
    code = 0
    start_failed = False
    try:
        client.execute()
    except CellTimeoutError as e:
        print(f"timeout: {e}", file=sys.stderr)
        code = 1
    except CellExecutionError as e:
        print(str(e), file=sys.stderr)
        code = 1
    except Exception as e:  # noqa: BLE001 - only a kernel that never ran a cell is handled here
        if client.cells_started:
            raise
        # Missing binary, unknown or stale kernelspec, died at start: say so, and write no "executed"
        # notebook that would be reported as all cells failed.
        print(kernel_start_problem(args.kernel, e), file=sys.stderr)
        start_failed = True
        code = 3
    finally:
        if not start_failed:
            if client.kernel_peak_rss is not None:
                nb.metadata.setdefault("lab4", {})["kernel_peak_rss_bytes"] = client.kernel_peak_rss
            nbformat.write(nb, args.output)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
