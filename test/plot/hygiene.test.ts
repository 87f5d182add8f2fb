/**
 * No noise from dependencies: loading lab4 and lab4/grading, and drawing every chart (which loads
 * vega, vega-lite and resvg), writes nothing to stdout or stderr in a fresh process.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.resolve(__dirname, "../..");

test("import + every chart: silent (display messages go to a sink)", () => {
  const script = `
    const lab4 = require("./lib");
    require("./grading");
    // the display sink is a test hook, not part of the lab4 API
    const { setDisplaySink } = require("./lib/notebook/display");
    const sent = [];
    setDisplaySink((m) => sent.push(Object.keys(m.data).sort().join(",")));
    lab4.plotLoss([7, 6.5, 6.2]);
    lab4.plotSeq2SeqHistory({ train: [5, 4], valid: [5.2, 4.4] });
    lab4.plotEmbeddingPCA([[1, 2], [3, 1], [0, 5]], ["a", "b", "c"], [{ word: "a", neighbours: ["b"] }]);
    lab4.plotMarksSummary();
    lab4.plotLoss([NaN]);
    const bar = lab4.progressBar({ total: 2 });
    bar.update({ loss: 1 }); bar.close();
    const chart = lab4.liveLossChart(); chart.push(1); chart.close();
    if (sent.length !== 5 + 2 + 2) throw new Error("sent " + JSON.stringify(sent));
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, "");
  assert.is(r.stderr, "");
});

test.run();
