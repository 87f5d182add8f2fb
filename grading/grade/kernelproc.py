"""What the notebook driver (driver.py) needs to know about a tslab kernel: its process tree in
/proc (memory, CPU, signals) and tslab's abort window, with the one loop that waits it out.
Without /proc (macOS, Windows: `lab4 check` on a student's machine) the tree is the kernel process
alone and its memory and CPU read as 0 (no memory watch; the time limits still hold).
"""
import asyncio
import os

# tslab answers "abort" to every request that arrives within 200 ms after a failing cell and runs
# nothing (tslab #19); the driver waits this long after an error before sending the next cell.
TSLAB_ABORT_WINDOW_S = 0.3


async def until_not_aborted(run_once, tries):
    """Runs a cell until tslab answers something other than "abort" (tslab #19), at most `tries` times.

    run_once() -> (status, value) sends the cell once. After an "error" or "abort" reply the loop
    waits out the abort window, so the next request (a retry or the next cell) is not aborted too.
    Returns (status, value, attempts); status is "abort" only when every try was aborted.
    """
    for attempt in range(1, tries + 1):
        status, value = await run_once()
        if status in ("error", "abort"):
            await asyncio.sleep(TSLAB_ABORT_WINDOW_S)
        if status != "abort":
            break
    return status, value, attempt


def _children_map():
    kids = {}
    if not os.path.isdir("/proc"):
        return kids
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def process_tree(root):
    """root and all its descendants (pids)."""
    kids = _children_map()
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def tree_status_bytes(root, field):
    """A /proc/<pid>/status memory field (e.g. "VmRSS", "VmHWM") in bytes, for root and each descendant."""
    out = []
    for p in process_tree(root):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        out.append(int(line.split()[1]) * 1024)
                        break
        except OSError:
            pass
    return out


def tree_rss_bytes(root):
    return sum(tree_status_bytes(root, "VmRSS"))


def tree_cpu_seconds(root):
    """CPU time (user + system) used so far by root and its descendants."""
    if not os.path.isdir("/proc"):
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in process_tree(root):
        try:
            with open(f"/proc/{p}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def signal_tree(root, sig, only_comm=None):
    for p in process_tree(root):
        if only_comm is not None and os.path.isdir("/proc"):
            try:
                with open(f"/proc/{p}/comm") as f:
                    if f.read().strip() != only_comm:
                        continue
            except OSError:
                continue
        try:
            os.kill(p, sig)
        except OSError:
            pass
