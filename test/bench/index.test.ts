import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseArgs } from "../../bench/index";
import { markdownTable } from "../../bench/results";

test("options go to the bench named before them, values included", () => {
  assert.equal(parseArgs(["word2vec", "--steps", "5", "plot", "--quick"]), [
    ["word2vec", ["--steps", "5"]],
    ["plot", ["--quick"]],
  ]);
});

test("no name runs every bench; an option before any name is refused with the list", () => {
  assert.equal(
    parseArgs([]).map(([name]) => name),
    ["word2vec", "plot", "grade", "seq2seq", "checkpoint", "loops"],
  );
  assert.throws(() => parseArgs(["--steps", "5"]), /"--steps" is not a bench: name one first \(word2vec, plot/);
  assert.throws(() => parseArgs(["toString"]), /"toString" is not a bench/);
});

test("the table names date, commit and machine, and escapes pipes in cells", () => {
  const md = markdownTable([{ bench: "b", measure: "a | b", value: "1 s", compare: "0.5×" }], new Date("2026-01-02T03:04:05Z")).split("\n");
  assert.match(md[0]!, /^### npm run bench — 2026-01-02, commit [0-9a-f]{7,}.*; .+, \d+ cores, \d+ GiB; Node v\d+/);
  assert.equal(md.slice(2), ["| bench | measure | value | compared |", "|---|---|---|---|", "| b | a \\| b | 1 s | 0.5× |"]);
});

test.run();
