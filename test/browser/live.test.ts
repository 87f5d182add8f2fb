/**
 * Live means live: in a real tslab kernel, a progress bar and a live chart inside a synchronous
 * training loop (no await, like the notebook's loops) reach the front end while the loop runs, not
 * all at the end: updates are received before the kernel even creates the final state. Also: at
 * most one update per 500 ms per display, and the last message of each display is its final state.
 * The kernel is driven with jupyter_client (the Python below; kept inline because uvu would load a
 * .py file in this folder as a test).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ARTIFACTS } from "./fixture";

interface Msg {
  type: string;
  received: number;
  stamped: number;
  mimes: string[];
  text: string;
}

const DRIVER = String.raw`"""Runs one cell on a fresh tslab kernel and prints, as JSON lines, every display message of that
cell with the time this process received it and the time the kernel stamped it (header.date).

usage: python3 -c DRIVER CWD CODE_FILE   (the kernel's working directory must be inside the repo)
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def main(cwd, code_file):
    code = open(code_file, encoding="utf-8").read()
    km, kc = start_new_kernel(kernel_name="tslab", cwd=cwd, startup_timeout=60)
    try:
        msg_id = kc.execute(code)
        deadline = time.time() + 120
        while time.time() < deadline:
            msg = kc.get_iopub_msg(timeout=120)
            received = time.time()
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind in ("display_data", "update_display_data", "stream"):
                content = msg["content"]
                print(json.dumps({
                    "type": kind,
                    "received": received,
                    "stamped": msg["header"]["date"].timestamp(),
                    "mimes": sorted(content.get("data", {}).keys()),
                    "text": content.get("data", {}).get("text/plain", content.get("text", "")),
                }), flush=True)
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return 0
        print("timeout waiting for the cell", file=sys.stderr)
        return 1
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
`;

let msgs: Msg[] = [];

test.before(() => {
  const dir = path.join(ARTIFACTS, "live");
  fs.mkdirSync(dir, { recursive: true });
  const code = path.join(dir, "cell.ts");
  fs.writeFileSync(
    code,
    `import { progressBar, liveLossChart } from "lab4";
const bar = progressBar({ total: 8, label: "Época 0" });
const chart = liveLossChart({ title: "Pérdida por lote" });
for (let i = 0; i < 8; i++) {
    const t = Date.now(); while (Date.now() - t < 300) {} // a 300 ms synchronous "batch"
    bar.update({ loss: 8 - i });
    chart.push(8 - i);
}
bar.close();
chart.close();
`,
  );
  const r = spawnSync("/usr/bin/python3", ["-c", DRIVER, dir, code], {
    encoding: "utf8",
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OPENBLAS_"))) as NodeJS.ProcessEnv,
    timeout: 180_000,
  });
  assert.is(r.status, 0, r.stderr);
  msgs = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Msg);
});

const barMsgs = () => msgs.filter((m) => m.text.startsWith("Época 0"));
const chartMsgs = () => msgs.filter((m) => m.mimes.includes("application/vnd.vegalite.v5+json"));

test("updates arrive while the loop runs (received before the final state was created)", () => {
  const bar = barMsgs();
  const finalStamp = bar[bar.length - 1].stamped;
  const early = bar.filter((m) => m.type === "update_display_data" && m.received < finalStamp);
  assert.ok(
    early.length >= 2,
    `only ${early.length} bar updates received before the end: ${JSON.stringify(bar.map((m) => [m.type, m.received, m.stamped]))}`,
  );
  const chartEarly = chartMsgs().filter((m) => m.type === "update_display_data" && m.received < finalStamp);
  assert.ok(chartEarly.length >= 2, "the live chart updates during the loop too");
});

test("one display each, at most one update per 500 ms (kernel time), final state last", () => {
  for (const list of [barMsgs(), chartMsgs()]) {
    assert.is(list[0].type, "display_data");
    assert.ok(list.slice(1).every((m) => m.type === "update_display_data"));
    const updates = list.slice(1, -1); // the closing update may follow the last throttled one at once
    for (let i = 1; i < updates.length; i++)
      assert.ok(updates[i].stamped - updates[i - 1].stamped >= 0.49, `updates ${updates[i - 1].stamped} and ${updates[i].stamped}`);
  }
  assert.match(barMsgs().at(-1)!.text, /^Época 0 █{24} 8\/8 lotes .* terminado · loss 1\.0000 \(media 4\.5000\)$/);
  const last = chartMsgs().at(-1)!;
  assert.equal(last.mimes, ["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
  assert.match(last.text, /loss: 0: 8\.0000, 1: 7\.0000, .* 7: 1\.0000/);
});

test("nothing else is printed by the cell", () => {
  assert.equal(
    msgs.filter((m) => m.type === "stream"),
    [],
  );
});

test.run();
