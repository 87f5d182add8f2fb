// The reduced run profile lives in the library: BucketIterator.splits reads LAB4_PROFILE.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { labProfile, profileDatasets, describeProfile } from "../../lib/profile";

class Rows {
  constructor(readonly rows: number[]) {}
  get length(): number {
    return this.rows.length;
  }
  take(n: number): Rows {
    return new Rows(this.rows.slice(0, n));
  }
}

const splits = () => [new Rows([...Array(29000).keys()]), new Rows([...Array(1014).keys()]), new Rows([...Array(1000).keys()])];

test("full: every dataset whole; quick: the first 0.5% of the training pairs and 128 of the others", () => {
  const full = profileDatasets(splits(), labProfile({}));
  assert.equal(
    full.map((d) => d.length),
    [29000, 1014, 1000],
  );
  const quick = profileDatasets(splits(), labProfile({ LAB4_PROFILE: "quick" }));
  assert.equal(
    quick.map((d) => d.length),
    [145, 128, 128],
  );
  assert.equal(quick[0].rows.slice(0, 3), [0, 1, 2]);
  assert.match(describeProfile(labProfile({ LAB4_PROFILE: "quick" })), /^Perfil: quick \(REDUCIDO para pruebas: 0\.5% de los pares/);
  assert.throws(() => labProfile({ LAB4_PROFILE: "fast" }), /LAB4_PROFILE=fast is not a profile; use one of: full, quick/);
});

test.run();
