"""HTML rendering of feedback notebooks for the batch grader: a long-lived helper so nbconvert is
imported once per grading run, not once per student.

Protocol: one JSON object per line on stdin, {"in": notebook.ipynb, "out": page.html}; answers one
JSON line per request on stdout, {"ok": true} or {"ok": false, "error": "..."}. Ends at EOF.
"""
import json
import sys

import nbformat
from nbconvert import HTMLExporter


def main():
    exporter = HTMLExporter()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            nb = nbformat.read(req["in"], as_version=4)
            body, _ = exporter.from_notebook_node(nb)
            with open(req["out"], "w", encoding="utf-8") as f:
                f.write(body)
            answer = {"ok": True}
        except Exception as e:  # noqa: BLE001 - every failure is reported to the caller
            answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
