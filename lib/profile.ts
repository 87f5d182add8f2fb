/**
 * Run profiles. `full` is the lab as written. `quick` (LAB4_PROFILE=quick) shrinks the Seq2Seq data
 * so tests and a quick look finish in minutes: `BucketIterator.splits` reads it (the vocabularies
 * and split sizes stay those of the full data), so no notebook cell does. The notebook prints the
 * active profile so nobody mistakes a quick run for a real one. Part 1 runs in full in every profile.
 */
export type ProfileName = "full" | "quick";

export interface LabProfile {
  name: ProfileName;
  /** Seq2Seq: fraction of the training pairs used (1 = all 29,000). */
  seq2seqTrainFraction: number;
  /** Seq2Seq: validation/test pairs used (Infinity = all). */
  seq2seqEvalLimit: number;
}

const PROFILES: Record<ProfileName, LabProfile> = {
  full: { name: "full", seq2seqTrainFraction: 1, seq2seqEvalLimit: Infinity },
  quick: { name: "quick", seq2seqTrainFraction: 0.005, seq2seqEvalLimit: 128 },
};

/** The profile selected by LAB4_PROFILE (default `full`); an unknown name is an error, not a guess. */
export function labProfile(env: NodeJS.ProcessEnv = process.env): LabProfile {
  const name = (env.LAB4_PROFILE ?? "full").trim() || "full";
  if (!(name in PROFILES)) throw new Error(`LAB4_PROFILE=${name} is not a profile; use one of: ${Object.keys(PROFILES).join(", ")}`);
  return PROFILES[name as ProfileName];
}

/** One line for the notebook, e.g. "Perfil: quick (REDUCIDO: ...)". */
export function describeProfile(p: LabProfile): string {
  return p.name === "full"
    ? "Perfil: full (el laboratorio completo)"
    : `Perfil: ${p.name} (REDUCIDO para pruebas: ${+(p.seq2seqTrainFraction * 100).toFixed(2)}% de los pares de ` +
        `entrenamiento de Seq2Seq y ${p.seq2seqEvalLimit} de validación y de prueba; los resultados NO son los de una corrida real)`;
}

/**
 * The datasets a profile trains and evaluates on: all of them in `full`; in a reduced profile the
 * first fraction of the training pairs and the first pairs of the others (same order, same fields).
 */
export function profileDatasets<D extends { length: number; take(n: number): D }>(
  datasets: readonly D[],
  p: LabProfile = labProfile(),
): D[] {
  if (p.name === "full") return [...datasets];
  return datasets.map((d, i) =>
    i === 0
      ? d.take(Math.max(1, Math.ceil(d.length * p.seq2seqTrainFraction)))
      : d.take(Math.max(1, Math.min(d.length, p.seq2seqEvalLimit))),
  );
}
