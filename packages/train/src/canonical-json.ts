/**
 * JSON with object keys sorted, so two equal specs (preprocessing, views) compare equal whatever order their keys
 * were written in — by the run, by a model file's metadata, or by hand.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}
