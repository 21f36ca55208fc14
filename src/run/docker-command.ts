import type { RunPlan } from './plan.js';

/** The `docker run` argv equivalent to a plan: what --dry-run prints and what a shell can run. */
export function dockerRunArgs(plan: RunPlan): string[] {
  const argv = ['docker', 'run', '--rm'];
  if (plan.stdin) argv.push('-i');
  if (plan.tty) argv.push('-t');
  argv.push('--init', '--network', plan.network, '--log-driver', 'none', '--security-opt', 'no-new-privileges');
  if (plan.user) argv.push('--user', plan.user);
  for (const [key, value] of Object.entries(plan.labels)) {
    if (key !== 'berth.pid' && key !== 'berth.host') argv.push('--label', `${key}=${value}`);
  }
  for (const m of plan.mounts) {
    // A file berth makes just before the run: --mount, which fails on a missing source where -v
    // would make a directory there as root.
    if (m.create) argv.push('--mount', `type=bind,source=${m.source},target=${m.target}${m.readOnly ? ',readonly' : ''}`);
    else argv.push('-v', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
  }
  argv.push('-w', plan.workdir);
  for (const e of plan.env) argv.push('-e', e);
  const [entrypoint, ...rest] = plan.entrypoint;
  if (entrypoint !== undefined) argv.push('--entrypoint', entrypoint);
  argv.push(plan.image, ...rest, ...plan.cmd);
  return argv;
}

/** Quotes one word for a POSIX shell: bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
