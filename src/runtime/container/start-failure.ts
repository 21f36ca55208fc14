import { BerthError, EngineError, InvokeError, NotFoundError } from '../../platform/errors.js';
import type { RunPlan } from '../../core/run/plan.js';

/**
 * Why a tool did not start, fresh or warm, in docker's three cases: nothing to execute (127),
 * something that cannot be executed (126), anything else (125).
 */
export interface StartFailure {
  kind: 'not-found' | 'cannot-execute' | 'other';
  /** What went wrong, in the words of whoever tried (the engine, or berth's warm server's errno). */
  detail: string;
}

/** A fresh container's failed start: the engine says why only in words (runc's, crun's). */
export function engineStartFailure(error: unknown): StartFailure {
  const detail = ((error as { json?: { message?: string } }).json?.message ?? (error as Error).message ?? '').trim();
  if (/executable file not found|no such file or directory/i.test(detail)) return { kind: 'not-found', detail };
  if (/permission denied|is a directory|not a directory|exec format error/i.test(detail)) return { kind: 'cannot-execute', detail };
  return { kind: 'other', detail };
}

/** docker's exit code for a failed start, as the error berth reports. */
export function startFailureError(failure: StartFailure, plan: Pick<RunPlan, 'tool' | 'image' | 'entrypoint' | 'cmd'>): BerthError {
  const what = plan.entrypoint[0] ?? plan.cmd[0] ?? 'the command';
  if (failure.kind === 'not-found') return new NotFoundError(`${plan.tool}: ${what} not found in image ${plan.image}`);
  if (failure.kind === 'cannot-execute') return new InvokeError(`${plan.tool}: cannot execute ${what} in image ${plan.image}: ${failure.detail}`);
  return new EngineError(`${plan.tool}: the container did not start: ${failure.detail}`);
}
