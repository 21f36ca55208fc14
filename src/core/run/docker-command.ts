import type { RunPlan } from './plan.js';
import { LABELS } from '../labels.js';

/** `type=bind,source=…,target=…[,readonly]`; a field with a comma or quote is CSV-quoted, as docker reads it. */
function mountSpec(source: string, target: string, readOnly: boolean): string {
  const field = (key: string, value: string) => {
    const text = `${key}=${value}`;
    return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return ['type=bind', field('source', source), field('target', target), ...(readOnly ? ['readonly'] : [])].join(',');
}

/**
 * The `docker run` argv equivalent to a plan: what --dry-run prints and what a shell can run. On
 * Podman, `podman run` (the docker CLI refuses Podman's `--userns keep-id`).
 */
export function dockerRunArgs(plan: RunPlan, cli: 'docker' | 'podman' = 'docker'): string[] {
  const argv = [cli, 'run', '--rm'];
  if (plan.stdin) argv.push('-i');
  if (plan.tty) argv.push('-t');
  argv.push('--init', '--network', plan.network, '--log-driver', 'none', '--security-opt', 'no-new-privileges');
  if (plan.user) argv.push('--user', plan.user);
  if (plan.platform) argv.push('--platform', plan.platform);
  if (plan.userns) argv.push('--userns', plan.userns);
  for (const [key, value] of Object.entries(plan.labels)) {
    if (key !== LABELS.pid && key !== LABELS.host && key !== LABELS.run) argv.push('--label', `${key}=${value}`);
  }
  // --mount, not -v: a path with ':' (or ',' quoted by docker's CSV rules) stays one path.
  for (const m of plan.mounts) argv.push('--mount', mountSpec(m.source, m.target, m.readOnly));
  argv.push('-w', plan.workdir);
  for (const e of plan.env) argv.push('-e', e);
  const [entrypoint, ...rest] = plan.entrypoint;
  if (entrypoint !== undefined) argv.push('--entrypoint', entrypoint);
  argv.push(plan.image, ...rest, ...plan.cmd);
  return argv;
}
