/**
 * The divergence guard: the optimizer's `step` refuses a NaN/Infinity loss or gradient norm with
 * `TrainingDivergedError` (so a student's training loop needs no check of its own);
 * `checkTrainingStep` is the same test for loops that call it themselves (reference/seq2seq/train.ts).
 */

/** Thrown when the loss or the gradient norm is NaN/Infinity or the loss explodes (message in Spanish, naming the fix). */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number | undefined,
    readonly batch: number,
    readonly loss: number,
    what: string,
  ) {
    super(
      `el entrenamiento se detuvo${epoch !== undefined ? ` en la época ${epoch}` : ""}, lote ${batch}: ${what}. ` +
        "Baje el learning rate (o el clip de las gradientes) y vuelva a entrenar; los parámetros son los del lote anterior " +
        "(este lote no se aplicó) y los checkpoints guardados no cambiaron.",
    );
    this.name = "TrainingDivergedError";
  }
}

/**
 * Shared by the notebook's training loop and reference/seq2seq/train.ts's `train`: stops (before
 * the optimizer step) when a batch's loss or gradient norm is NaN/Infinity or the loss explodes,
 * naming the epoch and batch (1-based).
 * `TrainingDivergedError` says that the checkpoints saved so far are untouched.
 */
export function checkTrainingStep(where: { epoch?: number; batch: number }, loss: number, gradNorm = 0, maxLoss = 1e3): void {
  const { epoch, batch } = where;
  if (!Number.isFinite(loss)) throw new TrainingDivergedError(epoch, batch, loss, `la pérdida es ${loss}`);
  if (loss > maxLoss) throw new TrainingDivergedError(epoch, batch, loss, `la pérdida ${loss} supera ${maxLoss} (explota)`);
  if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(epoch, batch, loss, `la norma de las gradientes es ${gradNorm}`);
}
