/**
 * A decimal number as a person types it on a command line: "0.5", "-3", "1e-3". Anything else is NaN — where
 * Number() would read "" and " " as 0 (so an empty `--threshold=` or `--val-fraction=` silently became 0) and "0x10"
 * as 16. Both CLIs (siamese, siamese-train) read their numeric options through it.
 */
export function parseDecimal(text: string): number {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : Number.NaN;
}
