/**
 * A short, stable name for a text (cache entries, lock files): FNV-1a, 64 bits. Not for
 * security; it spares the run path loading node:crypto (~9 ms of start-up).
 */
export function shortHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
