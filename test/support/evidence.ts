// Reads recipes/sources.md, the public evidence behind the built-in recipes: the tag/digest
// tables and the "Image layouts" table. Shared by the unit test of the catalog and the e2e
// stand-ins, so both read the one file the same way.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EVIDENCE_FILE = fileURLToPath(new URL('../../recipes/sources.md', import.meta.url));

/** The file's text; reading it throws when it is missing, so no check can skip. */
export function readEvidence(): string {
  return readFileSync(EVIDENCE_FILE, 'utf8');
}

/** The cells of each Markdown table row, with the lower-cased header cells of its table. */
function tableRows(markdown: string): { headers: string[]; cells: string[]; text: string }[] {
  const rows: { headers: string[]; cells: string[]; text: string }[] = [];
  let headers: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      headers = undefined;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.every((c) => /^-+$/.test(c))) continue;
    if (!headers) {
      headers = cells.map((c) => c.toLowerCase());
      continue;
    }
    rows.push({ headers, cells, text: line });
  }
  return rows;
}

export interface EvidenceRow {
  /** The image repository cell ("same" resolved to the row above). */
  repo: string;
  tag: string;
  digest: string;
  conf: string;
  /** The whole row. */
  text: string;
}

/** The rows of the tag/digest tables. */
export function evidenceRows(markdown: string): EvidenceRow[] {
  const rows: EvidenceRow[] = [];
  let previousRepo = '';
  let previousHeaders: string[] | undefined;
  for (const { headers, cells, text } of tableRows(markdown)) {
    if (!headers.includes('tag') || !headers.includes('digest')) continue;
    if (headers !== previousHeaders) previousRepo = '';
    previousHeaders = headers;
    const at = (name: string) => cells[headers.indexOf(name)] ?? '';
    const repoColumn = headers.findIndex((h) => h === 'image repo' || h === 'image');
    let repo = (cells[repoColumn] ?? '').replace(/`/g, '');
    if (/^same\b/.test(repo)) repo = previousRepo;
    else previousRepo = repo;
    rows.push({ repo, tag: at('tag'), digest: at('digest'), conf: at('conf.'), text });
  }
  return rows;
}

/** One row of the "Image layouts" table: what an image provides, as public evidence says. */
export interface ImageLayout {
  /** registry/repository, e.g. docker.io/koalaman/shellcheck. */
  image: string;
  /** The image's ENTRYPOINT in exec form; undefined when it sets none or only a shell form. */
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
  /** The image's user name, 'root', or undefined when unverified. */
  user: string | undefined;
  workdir: string | undefined;
  shell: boolean;
  /** Absolute paths where the evidence names them, bare names where it shows a program on PATH. */
  programs: string[];
}

function execForm(cell: string): string[] | undefined {
  const json = /^`(\[.*\])`$/.exec(cell)?.[1];
  return json === undefined ? undefined : (JSON.parse(json) as string[]);
}

const known = (cell: string) => (cell === '—' || cell === 'unverified' || cell === '' ? undefined : cell);

/** The rows of the "Image layouts" table. */
export function imageLayouts(markdown: string): ImageLayout[] {
  return tableRows(markdown)
    .filter(({ headers }) => headers.includes('entrypoint') && headers.includes('programs'))
    .map(({ headers, cells }) => {
      const at = (name: string) => cells[headers.indexOf(name)] ?? '';
      if (!['yes', 'no'].includes(at('shell'))) throw new Error(`Image layouts: shell of ${at('image')} is neither yes nor no`);
      return {
        image: at('image'),
        entrypoint: execForm(at('entrypoint')),
        cmd: execForm(at('cmd')),
        user: known(at('user')),
        workdir: known(at('workdir')),
        shell: at('shell') === 'yes',
        programs: at('programs').split(',').map((p) => p.trim()).filter(Boolean),
      };
    });
}

/** The directories of a default PATH: a program there runs by its bare name. */
export const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The program of `layout` that `command` (an absolute path or a bare name run through PATH) starts, if any. */
export function programFor(layout: ImageLayout, command: string): string | undefined {
  if (command.startsWith('/')) return layout.programs.find((p) => p === command);
  return layout.programs.find((p) => p === command || (p.startsWith('/') && p.slice(p.lastIndexOf('/') + 1) === command && PATH_DIRS.includes(p.slice(0, p.lastIndexOf('/')))));
}
