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

/** One line of berth's own on stderr (a warning or note), printable whatever it quotes. */
export function warn(line: string, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`${printable(line)}\n`);
}
