/**
 * A stand-in for the npm: backend's base (node:22.22.0-bookworm-slim, which no registry here
 * serves): the harness's debootstrap'd Debian base plus the Node.js and npm the tests run with,
 * laid out as the official image has them (/usr/local/bin/node, /usr/local/lib/node_modules/npm).
 * Built once per machine; the npm: tests build on it through BERTH_BASE_IMAGE, as an air-gapped
 * user would on their own mirrored Node image.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { check } from './exec.js';
import { buildImage, imageExists } from './images.js';
import { withLock } from './lock.js';
import { ensureStandinBase } from './standins-setup.js';

export const NODE_BASE_IMAGE = 'berth-standin/node:22-bookworm';

export async function ensureNodeBase(): Promise<string> {
  const debian = await ensureStandinBase();
  if (await imageExists(NODE_BASE_IMAGE)) return NODE_BASE_IMAGE;
  await withLock('berth-standin-node-build', async () => {
    if (await imageExists(NODE_BASE_IMAGE)) return;
    const dir = await mkdtemp(join(tmpdir(), 'berth-node-base-'));
    try {
      // npm's own directory, from the npm on PATH (…/node_modules/npm/bin/npm-cli.js).
      const globalRoot = dirname(dirname(dirname(execFileSync('sh', ['-c', 'readlink -f "$(command -v npm)"'], { encoding: 'utf8' }).trim())));
      await check('tar', ['-C', globalRoot, '-czf', join(dir, 'npm.tgz'), 'npm']);
      await buildImage(
        NODE_BASE_IMAGE,
        { node: { path: process.execPath }, 'npm.tgz': { path: join(dir, 'npm.tgz') } },
        [
          `FROM ${debian}`,
          'COPY node /usr/local/bin/node',
          'ADD npm.tgz /usr/local/lib/node_modules/',
          'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version && npm --version',
          'CMD ["node"]',
          '',
        ].join('\n'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return NODE_BASE_IMAGE;
}
