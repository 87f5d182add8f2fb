import { TrainingDivergedError } from "./train";

/**
 * For training loops written in a notebook cell: stops (before the optimizer step) when a batch's
 * loss or gradient norm is NaN/Infinity or the loss explodes, naming the epoch and batch (1-based).
 * `TrainingDivergedError` says that the checkpoints saved so far are untouched.
 */
export function checkTrainingStep(
  where: { epoch?: number; batch: number },
  loss: number,
  gradNorm = 0,
  maxLoss = 1e3,
): void {
  const { epoch, batch } = where;
  if (!Number.isFinite(loss)) throw new TrainingDivergedError(epoch, batch, loss, `loss is ${loss}`);
  if (loss > maxLoss) throw new TrainingDivergedError(epoch, batch, loss, `loss ${loss} exceeds ${maxLoss} (exploding)`);
  if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(epoch, batch, loss, `gradient norm is ${gradNorm}`);
}
