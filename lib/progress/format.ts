/** Durations as the progress line shows them: "0:07", "12:30", "1:02:03". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A loss for humans: 4 decimals, or NaN/Infinity spelled out. */
export function formatLoss(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

/** A text bar `width` characters wide; fraction clamped to [0, 1]. */
export function textBar(fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.floor(f * width);
  return "█".repeat(full) + "░".repeat(width - full);
}
