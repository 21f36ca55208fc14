import { readFileSync, realpathSync, statSync } from 'node:fs';
import { UsageError } from '../platform/errors.js';
import { writeFileAtomic } from '../platform/files.js';
import { setPins } from '../core/project/manifest.js';
import { withProjectLock } from '../core/project/project-lock.js';
import { findOutdated, type OutdatedOptions, type OutdatedResult } from './outdated.js';
import type { SyncResult } from './sync.js';

export interface UpgradeChange {
  name: string;
  from: string;
  to: string;
  /** The new version is not among the recipe's `versions`: berth.lock takes its digest from the registry, as for any pin. */
  unlisted: boolean;
}

export interface UpgradeResult {
  /** What outdated found. */
  outdated: OutdatedResult;
  changes: UpgradeChange[];
  /** Outside a project nothing is pinned, so nothing changes (the built-in catalog moves with berth's releases). */
  inProject: boolean;
  /** The sync after berth.yaml moved (none with --dry-run or without changes). */
  sync?: SyncResult;
}

/**
 * `berth upgrade [TOOL...]`: in a project, moves each outdated pin of berth.yaml to the newest
 * version (comments and order kept) and syncs berth.lock, holding the project's lock for both;
 * should the sync fail, berth.yaml goes back to what it was, so the two never disagree. Outside a
 * project it changes nothing. A registry that cannot be read fails the whole upgrade, before
 * anything is written.
 */
export async function upgrade(names: string[], cwd: string, options: OutdatedOptions & { dryRun?: boolean; quiet?: boolean } = {}): Promise<UpgradeResult> {
  const versioned = names.find((n) => n.includes('@'));
  if (versioned) throw new UsageError(`upgrade moves pins to the newest version, it takes tool names only; to pin a version of your choice: berth use ${versioned}`);
  const outdated = await findOutdated(names, cwd, options);
  const project = outdated.project;
  if (project && outdated.scope === 'named') {
    const pinned = new Set(outdated.tools.filter((t) => t.from === 'project').map((t) => t.name));
    const loose = outdated.tools.find((t) => !pinned.has(t.name));
    if (loose) throw new UsageError(`${loose.name} is not pinned in ${project.manifestFile}: upgrade moves pins (pin it first with berth use ${loose.name})`);
  }
  const changes = outdated.tools
    .filter((t) => t.state === 'outdated' && t.newest !== null)
    .map((t) => ({ name: t.name, from: t.current, to: t.newest!, unlisted: !t.known }));
  if (!project) return { outdated, changes, inProject: false };
  if (outdated.failures.length > 0 || options.dryRun || changes.length === 0) return { outdated, changes, inProject: true };
  const { syncLocked } = await import('./sync.js');
  const sync = await withProjectLock(project.root, async () => {
    const file = realpathSync(project.manifestFile);
    const before = readFileSync(file);
    setPins(project.manifestFile, changes.map((c) => ({ name: c.name, version: c.to })));
    try {
      return await syncLocked(cwd, project, { quiet: options.quiet });
    } catch (error) {
      writeFileAtomic(file, before, statSync(file).mode & 0o777);
      throw error;
    }
  });
  return { outdated, changes, inProject: true, sync };
}
