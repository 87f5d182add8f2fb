// The native binding's sources and their sha256, defined once: scripts/build-native.js records the
// hash beside a prebuild and grading/kit.ts refuses to ship a prebuild whose hash differs.
"use strict";
const { createHash } = require("crypto");
const fs = require("fs");
const path = require("path");

/** native/sgemm's .c/.h/.gyp files and the native/loops C that sgemm.c includes, as "folder/name". */
function sourceFiles(nativeDir) {
  return ["sgemm", "loops"].flatMap((sub) =>
    fs
      .readdirSync(path.join(nativeDir, sub))
      .sort()
      .filter((f) => /\.(c|h|gyp)$/.test(f))
      .map((f) => `${sub}/${f}`),
  );
}

/** sha256 over the binding's sources, by name and bytes. */
function sourcesSha256(nativeDir) {
  const h = createHash("sha256");
  for (const rel of sourceFiles(nativeDir)) h.update(rel).update(fs.readFileSync(path.join(nativeDir, rel)));
  return h.digest("hex");
}

module.exports = { sourceFiles, sourcesSha256 };
