import { loadCatalog, recipeDirectories, recipeExists } from '../core/recipes/catalog.js';
import { checkLock } from '../core/project/check.js';
import path from 'node:path';
import { isOnPath, listShims, pathExportLine, shadowingCommand, shimEnvironment, shimTargetProblem, type Shim } from '../core/shims.js';
import { shimDirectory } from '../platform/settings.js';
import type { Finding } from '../ui/doctor-view.js';

/** Asks the engine its version and kind; a bounded wait so an unreachable TCP engine does not hang doctor. */
async function engineFinding(timeoutMs: number): Promise<Finding> {
  const { engineAddress, engineFailure } = await import('../runtime/http/endpoint.js');
  const engine = (await import('../runtime/engine/client.js')).engineClient();
  try {
    const where = engineAddress();
    const v = await engine.version({ timeoutMs });
    const { engineMode } = await import('../runtime/engine/mode.js');
    // Asked afresh: the answer refreshes the one runs keep (see runtime/engine/mode.ts).
    const mode = await engineMode(engine, { fresh: true, timeoutMs });
    const name = mode.kind === 'podman' ? 'Podman' : 'Docker';
    const how = mode.source === 'assumed' ? `taken for rootful (${mode.reason}), so tools run as your uid:gid` : mode.rootless ? 'rootless' : 'rootful';
    return { ok: true, text: `engine reachable at ${where}: ${name} ${v.version} (API ${v.apiVersion}, ${v.os}/${v.arch}), ${how}` };
  } catch (error) {
    const message = engineFailure(error, 'asking the engine its version').message;
    return { ok: false, text: `engine not reachable: ${message}`, fix: `start the Docker engine (or the Podman service), or point DOCKER_HOST (or the docker context) at a running one` };
  } finally {
    engine.close();
  }
}

/** Why the shim's tool has no recipe a run of it would find (with the shim's own recipe directory). */
function shimRecipeProblem(shim: Shim, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  // A package's shim has no recipe file: its backend makes the recipe from the spec.
  if (shim.package !== undefined) return undefined;
  const dirs = recipeDirectories(cwd, shimEnvironment(shim, env));
  if (recipeExists(shim.name, dirs)) return undefined;
  return `no recipe for ${shim.name} where its runs look (${dirs.filter((d) => d.source !== 'builtin').map((d) => d.dir).join(', ')} and the built-in ones)`;
}

/**
 * `berth doctor`: the engine (and its version), the shim directory on PATH, every shim's Node and
 * berth entry, the recipe directories, and berth.lock when inside a project.
 */
export async function diagnose(cwd: string, env: NodeJS.ProcessEnv = process.env, engineTimeoutMs = 5000): Promise<Finding[]> {
  const findings: Finding[] = [await engineFinding(engineTimeoutMs)];

  const shimDir = shimDirectory(env);
  const shims = listShims(shimDir);
  if (shims.length === 0) findings.push({ ok: true, text: `no shims installed in ${shimDir}` });
  else if (isOnPath(shimDir, env.PATH)) findings.push({ ok: true, text: `shim directory ${shimDir} is on PATH` });
  else findings.push({ ok: false, text: `shim directory ${shimDir} is not on PATH, so its shims are not found by name`, fix: `add this line to your shell profile: ${pathExportLine(shimDir)}` });
  for (const shim of shims) {
    const problem = shimTargetProblem(shim);
    const spec = shim.package ?? (shim.version ? `${shim.name}@${shim.version}` : shim.name);
    const other = shadowingCommand(shimDir, shim.name, env.PATH);
    const unresolved = problem ? undefined : shimRecipeProblem(shim, cwd, env);
    if (problem) findings.push({ ok: false, text: `shim ${shim.name}: ${problem}`, fix: `berth install ${spec} (rewrites it for this berth)` });
    else if (unresolved) findings.push({ ok: false, text: `shim ${shim.name}: ${unresolved}`, fix: `restore its recipe, or berth uninstall ${shim.name}` });
    else if (other) {
      findings.push({
        ok: false,
        text: `shim ${shim.name} is shadowed by ${other}, earlier on PATH, so "${shim.name}" does not run berth`,
        fix: `put ${shimDir} before ${path.dirname(other)} on PATH: ${pathExportLine(shimDir)} at the end of your shell profile (or remove ${other})`,
      });
    } else findings.push({ ok: true, text: `shim ${shim.name} runs ${shim.entry}` });
  }

  const catalog = loadCatalog(recipeDirectories(cwd, env));
  for (const problem of catalog.problems) {
    if (problem.untrusted) findings.push({ ok: false, text: problem.message, fix: `review them with berth trust --show, then berth trust (or remove ${problem.file})` });
    else findings.push({ ok: false, text: `recipe ${problem.message}`, fix: `correct or remove ${problem.file} (berth recipes lint checks it)` });
  }
  if (catalog.problems.length === 0) findings.push({ ok: true, text: `recipes: ${catalog.recipes.length} recipes, every file valid` });

  const lock = checkLock(cwd, recipeDirectories(cwd, env));
  if (!lock) findings.push({ ok: true, text: 'not inside a project (no berth.yaml here or above)' });
  else if (lock.problems.length === 0) findings.push({ ok: true, text: `${lock.files.lockFile} is in sync with berth.yaml (${lock.tools} tool${lock.tools === 1 ? '' : 's'})` });
  else for (const p of lock.problems) findings.push({ ok: false, text: p.message, fix: `${p.fix} (in ${lock.files.root})` });
  return findings;
}
