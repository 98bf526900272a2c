/**
 * A count from a platform's metrics answer: the number when the platform sent one, else 0 (a
 * count the platform leaves out, or a field it renamed, reads as none rather than failing the read).
 */
export const metricCount = (value: unknown): number => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
};
