/**
 * Locating and verifying the vendored data files under `<repo>/data/`.
 *
 * Every loader goes through `verifyDataFile`, so a missing or edited file stops the lab with a
 * message that names the file and says how to restore it, instead of silently producing different
 * numbers (the lab's checks are hashes: a changed tweet changes the vocabulary).
 *
 * The data directory can be redirected with the `LAB4_DATA_DIR` environment variable (tests use a
 * temporary copy; the real `data/` is never touched).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../engine/repo-root";

/** Environment variable that replaces `<repo>/data` as the data directory. */
export const DATA_DIR_ENV = "LAB4_DATA_DIR";

/**
 * sha256 of every vendored file, keyed by its path relative to `data/`. A typed copy of the table in
 * `data/README.md` (a test asserts the two agree), so verification does not depend on parsing prose.
 */
export const DATA_SHA256: Readonly<Record<string, string>> = Object.freeze({
  "tweets_hate_speech_detection/train.csv": "4f1bfabc2908029734fb2acd34028a8dfd1b92098bddfe60b0f0836c964e26ab",
  "tweets_hate_speech_detection/test.csv": "37d1766af69d706d87fbb65d585922046ba709a6b71b13caac5ebcb45edb9c4f",
  "multi30k/train.de": "695df46f6fd14567e69970408a2c129a50e778a910ecb1585a92eb25b2c7accc",
  "multi30k/train.en": "4b4d37e774976ef44fecca1738cdeb3b3ba384851a59a755b9c5e6aa7d87b13c",
  "multi30k/val.de": "fd0fc009db2446cfc12d96a382aff0d3122cb47577b352d0f7e0bb3a38e2e552",
  "multi30k/val.en": "40cd20974079d9afb0e3d27c659a8e059cc2fcf850b4bc23ede13fc36dd8a865",
  "multi30k/test.de": "4be6b5b3236b79c25475c6bb829800a7ce559e9ba7a1f6c2394fe4d40be46d16",
  "multi30k/test.en": "399a4382932c1aadd3ceb9bef1008d388a64c76d4ae4e9d4728c6f4301cac182",
  "nltk_stopwords_english.txt": "019f104ba2ed07436d05f9cdd3383034ad66014edc27fc651f837e1a038b6451",
});

/** The data directory: `$LAB4_DATA_DIR` if set, else `<repo>/data`. */
export function dataDir(): string {
  const override = process.env[DATA_DIR_ENV];
  return override !== undefined && override !== "" ? path.resolve(override) : path.join(repoRoot(), "data");
}

/** Absolute path of `rel` inside the data directory (no existence check; see `verifyDataFile`). */
export function dataPath(rel: string): string {
  return path.join(dataDir(), rel);
}

/** Hex sha256 of a file's bytes. */
export function sha256File(absPath: string): string {
  return createHash("sha256").update(readFileSync(absPath)).digest("hex");
}

/**
 * Checks `data/<rel>` against its sha256 in `DATA_SHA256` and returns its absolute path.
 * Throws an `Error` naming the file if it is unknown, missing or altered (expected vs actual hash),
 * with the way to restore it.
 */
export function verifyDataFile(rel: string): string {
  const key = rel.split(path.sep).join("/");
  const expected = Object.hasOwn(DATA_SHA256, key) ? DATA_SHA256[key] : undefined;
  if (expected === undefined) {
    throw new Error(`no checksum known for data file "${rel}"; known files: ${Object.keys(DATA_SHA256).join(", ")}`);
  }
  const abs = dataPath(key);
  const restore =
    `Restore it with \`git checkout -- data/${key}\` (or copy it unchanged from the course's ` +
    `shared/data/${key}); see data/README.md for its provenance.`;
  if (!existsSync(abs)) {
    throw new Error(`data file "${key}" is missing (looked for ${abs}). ${restore}`);
  }
  // Hashed on every call (a few ms for the CSVs): caching by mtime could miss a same-size edit.
  const actual = sha256File(abs);
  if (actual !== expected) {
    throw new Error(`data file "${key}" is altered (${abs}): sha256 expected ${expected}, got ${actual}. ${restore}`);
  }
  return abs;
}
