/** A command name: what a recipe file and a shim are named after. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
