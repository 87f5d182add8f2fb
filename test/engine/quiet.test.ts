import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// A fresh process: importing the engine gives a working, silent cpu backend with gradients,
// and initBackend + describeDevice print exactly one line.
const engine = resolve(__dirname, "../../lib/engine");
const script = `
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, describeDevice } from ${JSON.stringify(engine)};
const g = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([1, 1], "int32"))))(tf.zeros([3, 2]));
process.stdout.write(tf.getBackend() + " " + JSON.stringify(g.arraySync()) + "\\n");
initBackend().then(() => { describeDevice(); tf.tensor([1]).dataSync(); });
`;

test("no console noise: cpu works silently without initBackend; initBackend prints only describeDevice", () => {
  const dir = mkdtempSync(join(tmpdir(), "lab4-engine-"));
  const file = join(dir, "quiet.ts");
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], {
    cwd: resolve(__dirname, "../.."),
    encoding: "utf8",
    env: { ...process.env, LAB4_BACKEND: "", NODE_PATH: resolve(__dirname, "../../node_modules") },
  });
  assert.is(r.stderr, "");
  const lines = r.stdout.trimEnd().split("\n");
  assert.is(lines[0], "cpu [[0,0],[2,2],[0,0]]");
  assert.match(lines[1], /^Using: cpu \(TensorFlow\.js wasm backend/);
  assert.is(lines.length, 2);
});

test.run();
