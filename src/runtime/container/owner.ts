import { InputError } from '../../platform/errors.js';
import { labelFilter, LABELS } from '../../core/labels.js';

/**
 * Every container berth makes carries its user's uid (LABELS.uid: planRun sets it on a fresh
 * run's, and a warm container takes the plan's labels). `warm ls`, `warm stop`, `gc` and the
 * orphan sweep of a run see only the caller's: one user's berth never stops or removes another's
 * tool. Containers of a berth from before this label have none, and so are no one's: root reaches
 * them with --all-users.
 *
 * The label filters (`key=value`, for the engine's `label` filter) that limit a listing to the
 * caller's containers; none with `allUsers`, which only root may ask for (an InputError else).
 */
export function ownerFilter(allUsers = false): string[] {
  const uid = process.getuid?.() ?? 0;
  if (!allUsers) return [labelFilter(LABELS.uid, String(uid))];
  if (uid !== 0) throw new InputError("--all-users is for root only: other users' containers are theirs");
  return [];
}
