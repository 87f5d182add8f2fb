// pythonLower against CPython's str.lower() itself, for every code point and for the Final_Sigma
// context around every code point. CPython runs in a child process (Debian's /usr/bin/python3,
// the interpreter the course's Jupyter uses and the table was generated from); the comparison is
// by crc32 per block of 4096 code points so that little data crosses the pipe.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { crc32 } from "node:zlib";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pythonLower } from "../../grading/runtime/pystr";
import { checkString, stringHash } from "../../grading/runtime/checkarr";
import { PYTHON_UNICODE_VERSION } from "../../grading/runtime/unicode/python-lower-table";

const PYTHON = "/usr/bin/python3";
const BLOCK = 4096;
const SIGMA = "\u03a3";

/** The probes per code point c; joined with U+0000 and hashed per block on both sides. */
const probes = (c: string): string[] => [c, c + SIGMA, "A" + c + SIGMA, "A" + SIGMA + c, SIGMA + SIGMA + c, "A" + c + c + SIGMA + "B"];

const PY_SCRIPT = `
import sys, unicodedata, zlib
S = "\\u03a3"
def probes(c):
    return [c, c + S, "A" + c + S, "A" + S + c, S + S + c, "A" + c + c + S + "B"]
out = [unicodedata.unidata_version]
for start in range(0, 0x110000, ${BLOCK}):
    parts = []
    for cp in range(start, start + ${BLOCK}):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        parts.extend(p.lower() for p in probes(chr(cp)))
    out.append(format(zlib.crc32("\\0".join(parts).encode("utf-8")), "x"))
print(" ".join(out))
`;

test("CPython is available (required: the table is checked against it)", () => {
  assert.ok(fs.existsSync(PYTHON), `${PYTHON} is missing: install Debian's python3 (.ci/run does)`);
});

test("every code point and sigma context lower-cases exactly like CPython", () => {
  const [version, ...pyBlocks] = execFileSync(PYTHON, ["-c", PY_SCRIPT], { encoding: "utf8", maxBuffer: 1 << 24 })
    .trim()
    .split(" ");
  assert.is(version, PYTHON_UNICODE_VERSION, "regenerate grading/runtime/unicode/python-lower-table.ts for this CPython");
  const mismatched: string[] = [];
  for (let b = 0; b < pyBlocks.length; b++) {
    const parts: string[] = [];
    for (let cp = b * BLOCK; cp < (b + 1) * BLOCK; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      for (const p of probes(String.fromCodePoint(cp))) parts.push(pythonLower(p));
    }
    const ours = crc32(Buffer.from(parts.join("\0"), "utf8")).toString(16);
    if (ours !== pyBlocks[b]) mismatched.push(`U+${(b * BLOCK).toString(16)}..`);
  }
  assert.equal(mismatched, []);
});

test("hand-checked cases where JS toLowerCase and Python differ or are subtle", () => {
  // final sigma: word-final only, looking through case-ignorable characters
  assert.is(pythonLower("ΣΑΣ"), "σας");
  assert.is(pythonLower("ΟΔΥΣΣΕΥΣ"), "οδυσσευς");
  assert.is(pythonLower("Σ"), "σ");
  assert.is(pythonLower("AΣ'"), "aς'"); // apostrophe is case-ignorable
  assert.is(pythonLower("AΣ'B"), "aσ'b");
  // U+0130 lower-cases to two code points in both
  assert.is(pythonLower("İ"), "i\u0307");
  // Unicode 16 letters (Node's ICU lower-cases them, CPython <= 3.13 does not)
  assert.is(pythonLower("\ua7cb"), "\ua7cb");
  assert.not.equal("\ua7cb".toLowerCase(), "\ua7cb");
  // titlecase digraph, sharp s and ligatures
  assert.is(pythonLower("ǅ"), "ǆ");
  assert.is(pythonLower("STRASSE ß ﬁ"), "strasse ß ﬁ");
});

test("checkString hashes the UTF-8 of the Python lower-case form", () => {
  const expected = "0x" + crc32(Buffer.from("σας", "utf8")).toString(16);
  assert.is(stringHash("ΣΑΣ"), expected);
  assert.ok(checkString("ΣΑΣ", expected));
});

test.run();
