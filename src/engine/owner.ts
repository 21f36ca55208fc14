import { InputError } from '../errors.js';

/**
 * The label of every container berth makes: the uid of the user whose berth made it (planRun sets
 * it on a fresh run's, and a warm container takes the plan's labels). `warm ls`, `warm stop`, `gc`
 * and the orphan sweep of a run see only the caller's: one user's berth never stops or removes
 * another's tool. Containers of a berth from before this label have none, and so are no one's:
 * root reaches them with --all-users.
 */
export const UID_LABEL = 'berth.uid';

/**
 * The label filters (`key=value`, for the engine's `label` filter) that limit a listing to the
 * caller's containers; none with `allUsers`, which only root may ask for (an InputError else).
 */
export function ownerFilter(allUsers = false): string[] {
  const uid = process.getuid?.() ?? 0;
  if (!allUsers) return [`${UID_LABEL}=${uid}`];
  if (uid !== 0) throw new InputError("berth: --all-users is for root only: other users' containers are theirs");
  return [];
}
