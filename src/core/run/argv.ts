/**
 * Splits `berth run` argv at the tool name: berth's flags before it, the tool's arguments
 * after it. Which flags take a value is read from the command's flag definitions, so the
 * split cannot drift from them.
 */
export function split(
  argv: string[],
  flags: Record<string, { type: string; char?: string }>,
): { own: string[]; tool?: string; rest: string[] } {
  const takesValue = new Set<string>();
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.type !== 'option') continue;
    takesValue.add(`--${name}`);
    if (flag.char) takesValue.add(`-${flag.char}`);
  }
  const own: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { own, tool: argv[i + 1], rest: argv.slice(i + 2) };
    if (!arg.startsWith('-') || arg === '-') return { own, tool: arg, rest: argv.slice(i + 1) };
    own.push(arg);
    if (takesValue.has(arg) && i + 1 < argv.length) own.push(argv[++i]!);
  }
  return { own, rest: [] };
}

