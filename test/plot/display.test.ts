/**
 * displayBundle sends ONE message per call through the best channel available: a captured sink,
 * the kernel's own writer (found in require.cache as tslab/dist/jupyter.js), tslab's public API
 * (one MIME type; warns once), or stdout text.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as path from "node:path";
import Module from "node:module";
import { displayBundle, displayMode, setDisplaySink, DisplayMessage, inKernel } from "../../lib/notebook/display";
import { captureStdout } from "./capture";

const bundle = {
  "application/vnd.vegalite.v5+json": { mark: "point" },
  "image/png": Buffer.from("png!").toString("base64"),
  "text/plain": "un gráfico",
};

function captureStderr(fn: () => void): string {
  const orig = console.warn;
  let err = "";
  console.warn = (...a: unknown[]) => void (err += a.join(" ") + "\n");
  try {
    fn();
  } finally {
    console.warn = orig;
  }
  return err;
}

test("outside a kernel: the text/plain part is printed, updates print nothing", () => {
  assert.is(displayMode(), "text");
  assert.not.ok(inKernel());
  const out = captureStdout(() => {
    displayBundle(bundle);
    displayBundle(bundle, { displayId: "abc", update: true });
  });
  assert.is(out, "un gráfico\n");
});

test("a sink receives one message per call with the whole bundle, metadata and transient id", () => {
  const got: Array<[DisplayMessage, boolean]> = [];
  setDisplaySink((m, u) => got.push([m, u]));
  try {
    assert.is(displayMode(), "sink");
    displayBundle(bundle, { displayId: "d1", metadata: { "image/png": { width: 10, height: 5 } } });
    displayBundle(bundle, { displayId: "d1", update: true });
    displayBundle(bundle, { update: true }); // no id: cannot be an update
  } finally {
    setDisplaySink(null);
  }
  assert.is(got.length, 3);
  assert.equal(Object.keys(got[0][0].data), Object.keys(bundle));
  assert.equal(got[0][0].metadata, { "image/png": { width: 10, height: 5 } });
  assert.equal(got[0][0].transient, { display_id: "d1" });
  assert.equal(
    got.map((g) => g[1]),
    [false, true, false],
  );
  assert.equal(got[2][0].transient, {});
});

test("in a kernel: the writer of the live tslab/dist/jupyter module gets the whole bundle", () => {
  const fake = path.join(path.sep, "somewhere", "node_modules", "tslab", "dist", "jupyter.js");
  const calls: Array<[DisplayMessage, boolean]> = [];
  const m = new Module(fake);
  m.exports = { lastWriteDisplayData: (msg: DisplayMessage, update: boolean) => calls.push([msg, update]) };
  require.cache[fake] = m;
  try {
    assert.is(displayMode(), "kernel");
    displayBundle(bundle, { displayId: "x" });
    displayBundle(bundle, { displayId: "x", update: true });
  } finally {
    delete require.cache[fake];
    // the cached module reference is dropped once its writer is gone
    (m.exports as { lastWriteDisplayData: unknown }).lastWriteDisplayData = null;
  }
  assert.is(calls.length, 2);
  assert.equal(calls[0][0].data, bundle);
  assert.equal(
    calls.map((c) => c[1]),
    [false, true],
  );
  assert.is(displayMode(), "text");
});

test("tslab without its internals: public API, PNG when present else text, one warning", () => {
  const sent: Array<[string, string, string]> = [];
  let nDisplays = 0;
  const mkDisplay = (id: string) => ({
    raw: (type: string, b: string | Uint8Array) => void sent.push([id, type, typeof b === "string" ? b : Buffer.from(b).toString("utf8")]),
  });
  const fakeTslab = { display: mkDisplay("main"), newDisplay: () => mkDisplay(`d${++nDisplays}`) };
  const g = globalThis as { __tslab__?: unknown };
  g.__tslab__ = { require: (id: string) => (id === "tslab" ? fakeTslab : null) };
  let warnings: string;
  try {
    assert.is(displayMode(), "kernel-public");
    warnings = captureStderr(() => {
      displayBundle(bundle);
      displayBundle({ "text/plain": "solo texto" }, { displayId: "live" });
      displayBundle({ "text/plain": "otra vez" }, { displayId: "live", update: true });
    });
  } finally {
    delete g.__tslab__;
  }
  assert.equal(sent, [
    ["main", "image/png", "png!"],
    ["d1", "text/plain", "solo texto"],
    ["d1", "text/plain", "otra vez"],
  ]);
  assert.is(warnings.trim().split("\n").length, 1, warnings);
  assert.match(warnings, /tslab/);
});

test("tslab's REPL (display not connected) falls back to printing the text", () => {
  const fakeTslab = {
    display: {
      raw: () => {
        throw new Error("Not ready");
      },
    },
    newDisplay: () => ({
      raw: () => {
        throw new Error("Not ready");
      },
    }),
  };
  const g = globalThis as { __tslab__?: unknown };
  g.__tslab__ = { require: () => fakeTslab };
  let out: string;
  try {
    out = captureStdout(() => displayBundle(bundle));
  } finally {
    delete g.__tslab__;
  }
  assert.is(out, "un gráfico\n");
});

test.run();
