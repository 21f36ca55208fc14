/**
 * Words for a POSIX shell: how berth writes them (the `--dry-run` command line, a shim's exec
 * line) and reads a shim's line back.
 */

/** Quotes one word: bare when it is safe so, else single-quoted; `always` quotes every word. */
export function shellQuote(word: string, { always = false } = {}): string {
  if (!always && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The words of a line of words as shellQuote writes them (a "$@" among them is one word, as written). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /\s*((?:'[^']*'|\\'|[^\s'\\]+)+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    words.push(m[1]!.replace(/'([^']*)'|\\'/g, (all, inner: string | undefined) => (all === "\\'" ? "'" : (inner ?? ''))));
  }
  return words;
}
