/**
 * Orders names by code point. Names are ASCII, and String#localeCompare would load ICU's
 * collator on first use (~17 ms of `berth list`'s start-up).
 */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
