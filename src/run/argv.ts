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

/**
 * `berth run [FLAGS] TOOL ARGS…` becomes `berth run [FLAGS] -- TOOL ARGS…`, so that nothing of
 * the tool's (its `--help` included) is taken for berth's. Other commands pass unchanged.
 */
export async function protectToolArguments(argv: string[]): Promise<string[]> {
  if (argv[0] !== 'run') return argv;
  const { default: Run } = await import('../commands/run.js');
  const { own, tool, rest } = split(argv.slice(1), Run.flags);
  return tool === undefined ? argv : ['run', ...own, '--', tool, ...rest];
}
