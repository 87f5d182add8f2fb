/**
 * The rule tables we build in TypeScript (charClasses.ts, punctuation.ts, exceptions.ts) equal
 * what spaCy v3.0.5's own Python modules compute: fixtures/spacy-v3.0.5-rules.json was produced
 * by executing spaCy's language-data modules (fixtures/make_spacy_rules.py), not by our code.
 * Together with the Python->JavaScript regex translation being exercised on spaCy's test cases
 * (spacy-rules.test.ts), this pins the port to spaCy's source.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DE_RULES, EN_RULES, URL_PATTERN, type SpacyLanguageRules } from "../../lib/text/spacy";

interface LangRef {
  prefix: string;
  suffix: string;
  infix: string;
  exc: Record<string, string[]>;
}
const ref = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "spacy-v3.0.5-rules.json"), "utf8")) as {
  en: LangRef;
  de: LangRef;
  url: string;
};

for (const [name, ours, theirs] of [
  ["en", EN_RULES, ref.en],
  ["de", DE_RULES, ref.de],
] as Array<[string, SpacyLanguageRules, LangRef]>) {
  test(`${name}: prefix, suffix and infix patterns equal spaCy's compiled sources`, () => {
    assert.is(ours.prefix, theirs.prefix);
    assert.is(ours.suffix, theirs.suffix);
    assert.is(ours.infix, theirs.infix);
  });
  test(`${name}: tokenizer exceptions equal spaCy's (keys and ORTH pieces)`, () => {
    assert.equal(Object.keys(ours.exceptions).sort(), Object.keys(theirs.exc).sort());
    for (const [k, v] of Object.entries(theirs.exc)) assert.equal(ours.exceptions[k], v, k);
  });
}

test("URL pattern equals spaCy's URL_PATTERN", () => {
  assert.is(URL_PATTERN, ref.url);
});

test.run();
