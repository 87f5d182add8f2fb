/**
 * Run profiles. `full` is the lab as written. `quick` (LAB4_PROFILE=quick) shrinks the Seq2Seq data
 * and epochs so tests and a quick look finish in minutes; the notebook prints the active profile so
 * nobody mistakes a quick run for a real one. Part 1 is fast enough to run in full in every profile.
 */
export type ProfileName = "full" | "quick";

export interface LabProfile {
  name: ProfileName;
  /** Seq2Seq: fraction of the training pairs used (1 = all 29,000). */
  seq2seqTrainFraction: number;
  /** Seq2Seq: validation/test pairs used (Infinity = all). */
  seq2seqEvalLimit: number;
  /** Seq2Seq: epochs (the notebook's N_EPOCHS in the full profile). */
  seq2seqEpochs: number;
}

const PROFILES: Record<ProfileName, LabProfile> = {
  full: { name: "full", seq2seqTrainFraction: 1, seq2seqEvalLimit: Infinity, seq2seqEpochs: Infinity },
  quick: { name: "quick", seq2seqTrainFraction: 0.02, seq2seqEvalLimit: 128, seq2seqEpochs: 1 },
};

/** The profile selected by LAB4_PROFILE (default `full`); an unknown name is an error, not a guess. */
export function labProfile(env: NodeJS.ProcessEnv = process.env): LabProfile {
  const name = (env.LAB4_PROFILE ?? "full").trim() || "full";
  if (!(name in PROFILES))
    throw new Error(`LAB4_PROFILE=${name} is not a profile; use one of: ${Object.keys(PROFILES).join(", ")}`);
  return PROFILES[name as ProfileName];
}

/** One line for the notebook, e.g. "Perfil: quick (REDUCIDO: ...)". */
export function describeProfile(p: LabProfile): string {
  return p.name === "full"
    ? "Perfil: full (el laboratorio completo)"
    : `Perfil: ${p.name} (REDUCIDO para pruebas: ${Math.round(p.seq2seqTrainFraction * 100)}% de los pares de entrenamiento de Seq2Seq, ${p.seq2seqEpochs} época(s); los resultados NO son los de una corrida real)`;
}
