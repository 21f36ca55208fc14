/**
 * Text that came from a file, an engine or a registry, made safe to print: C0 and C1 control
 * characters (ESC, BEL, CR, backspace, …), DEL and Unicode direction overrides become visible
 * escapes, so a crafted recipe or berth.yaml cannot retitle, recolour or rewrite the user's
 * terminal, or hide text in a message. Tabs stay; newlines stay only with `keepNewlines`.
 */
export function printable(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? CONTROLS : CONTROLS_AND_NEWLINES, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS_AND_NEWLINES = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const said = new Set<string>();

/** warn, once per process for the same line (a note that every lookup of a run would repeat). */
export function warnOnce(line: string, stderr: NodeJS.WritableStream = process.stderr): void {
  if (said.has(line)) return;
  said.add(line);
  warn(line, stderr);
}

/**
 * The prefix of every line berth says for itself on stderr (errors, warnings, notes): added here
 * and by reportError only, so no message carries it. `berth run: …` for a usage error of a command.
 */
export function ownLine(text: string, command?: string): string {
  // A report of several lines (sync's, one per failed tool) has the prefix on each.
  return text
    .split('\n')
    .map((line) => `berth${command ? ` ${command}` : ''}: ${line}`)
    .join('\n');
}

/** One line of berth's own on stderr (a warning, a note, a report), printable whatever it quotes. */
export function warn(line: string, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`${ownLine(printable(line))}\n`);
}

/**
 * A line about a place in a file (`FILE:LINE: what`, a bad recipe, a stale berth.lock): it begins
 * with the place, as a compiler's do, so editors and CI annotate it; no prefix.
 */
export function warnAt(line: string, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`${printable(line)}\n`);
}
