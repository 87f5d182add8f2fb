// The kit never ships a native prebuild made from other sources than the ones it ships beside it:
// scripts/build-native.js --prebuild records its sources' sha256, and the release compares.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bindingPrebuilds, KitError } from "../../grading/kit";
import { repoRoot } from "../kit-fixture";

const REL = path.join("prebuilds", "linux-x64", "lab4_sgemm.napi.glibc.node");
const SHA = path.join("prebuilds", "linux-x64", "lab4_sgemm.sources.sha256");
const real = path.join(repoRoot, "native", "sgemm");

const realLoops = path.join(repoRoot, "native", "loops");

/**
 * A repository holding copies of the binding's sources (native/sgemm and the native/loops C it
 * includes) and, optionally, of its prebuild and its record.
 */
function fakeRepo(withPrebuild: boolean, withRecord = withPrebuild): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-stale-"));
  const sgemm = path.join(root, "native", "sgemm");
  const loops = path.join(root, "native", "loops");
  fs.mkdirSync(path.join(sgemm, "prebuilds", "linux-x64"), { recursive: true });
  fs.mkdirSync(loops, { recursive: true });
  for (const f of fs.readdirSync(real)) if (/\.(c|h|gyp)$/.test(f)) fs.copyFileSync(path.join(real, f), path.join(sgemm, f));
  for (const f of fs.readdirSync(realLoops)) if (/\.(c|h)$/.test(f)) fs.copyFileSync(path.join(realLoops, f), path.join(loops, f));
  if (withPrebuild) fs.writeFileSync(path.join(sgemm, REL), "not really a binding");
  if (withRecord) fs.copyFileSync(path.join(real, SHA), path.join(sgemm, SHA));
  return root;
}

test("a prebuild recorded from the same sources is shipped; none is none", () => {
  if (!fs.existsSync(path.join(real, SHA))) throw new Error(`${SHA} missing: run npm run build:native -- --prebuild`);
  const same = fakeRepo(true);
  assert.equal(bindingPrebuilds(same), [REL]);
  const none = fakeRepo(false);
  assert.equal(bindingPrebuilds(none), []);
  for (const d of [same, none]) fs.rmSync(d, { recursive: true, force: true });
});

test("a prebuild from changed sources (its own or its loops), or with no record, is refused with the command that remakes it", () => {
  const changed = fakeRepo(true);
  fs.appendFileSync(path.join(changed, "native", "sgemm", "sgemm.c"), "\n/* changed */\n");
  const loopChanged = fakeRepo(true); // sgemm.c includes native/loops: a changed loop is a changed binding
  fs.appendFileSync(path.join(loopChanged, "native", "loops", "adam.c"), "\n/* changed */\n");
  const unrecorded = fakeRepo(true, false);
  for (const d of [changed, loopChanged, unrecorded]) {
    assert.throws(
      () => bindingPrebuilds(d),
      (e: Error) =>
        e instanceof KitError &&
        /lab4_sgemm\.napi\.glibc\.node was built from other sources .*npm run build:native -- --prebuild/.test(e.message),
    );
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test.run();
