import { printable } from '../platform/terminal-text.js';

/** One line of `berth doctor`: `ok WHAT` or `problem WHAT; fix: HOW`. */
export interface Finding {
  ok: boolean;
  text: string;
  fix?: string;
}

export function formatFinding(f: Finding): string {
  return printable(f.ok ? `ok ${f.text}` : `problem ${f.text}; fix: ${f.fix}`);
}
