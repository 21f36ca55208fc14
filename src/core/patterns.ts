/**
 * The shapes of the names and versions berth reads, each defined once: recipes, berth.yaml,
 * berth.lock, shims and the command line check against these. Image references and digests have
 * their own home (image-reference.ts).
 */

/** A tool's name: what a recipe file and a shim are named after, and what berth.yaml pins. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
/** What NAME_PATTERN allows, in the words messages use. */
export const NAME_CHARACTERS = 'lowercase letters, digits, ".", "_" and "-"';
export const NAME_RULE = `${NAME_CHARACTERS}, starting with a letter or digit`;

/** A version (a recipe's `version:`, a pin, `TOOL@VERSION`): tag characters, and "+" as semver writes it. */
export const VERSION_PATTERN = /^[\w][\w.+-]*$/;

/** An environment variable's name (a recipe's `env:`, `-e NAME=VALUE`). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
