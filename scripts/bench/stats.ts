// Summaries of repeated measurements: the median (robust to one noisy run on a shared machine) and ratios.

/** Median of the runs that produced a figure; a failed run (NaN) is left out, and NaN if every run failed. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Bramble / peer; NaN when either side has no figure (a failed run must not print as a ratio). */
export function ratio(bramble: number, peer: number): number {
  if (!Number.isFinite(bramble) || !Number.isFinite(peer) || peer === 0) return Number.NaN;
  return bramble / peer;
}

export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}
