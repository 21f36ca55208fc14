import path from 'node:path';
import { InputError } from '../../platform/errors.js';
import { parseImageReference } from '../image-reference.js';
import { fieldError, parseWith, readYamlFile } from '../../platform/yaml-file.js';
import { recipeSchema, type Recipe, type RecipeSource } from './schema.js';

/** Reads and checks one recipe file. Throws InputError naming the file, field and line. */
export function parseRecipeFile(file: string, source: RecipeSource): Recipe {
  const yaml = readYamlFile(file);
  const fields = parseWith(yaml, recipeSchema(), 'a recipe');
  const stem = path.basename(file).replace(/\.ya?ml$/, '');
  if (fields.name !== stem) throw fieldError(yaml, ['name'], `"${fields.name}" must match the file name "${stem}"`);
  if (fields.build) {
    try {
      parseImageReference(fields.build.from);
    } catch (error) {
      throw fieldError(yaml, ['build', 'from'], (error as Error).message);
    }
    return { ...fields, file, source };
  }
  const probe = fields.image!.replaceAll('{version}', fields.version);
  try {
    const ref = parseImageReference(probe);
    if (ref.digest) throw new Error('put the digest in the digest field, not in image');
    if (source === 'builtin' && !ref.tag) throw new Error('has no tag: pin an exact version tag');
    if (source === 'builtin' && ref.tag === 'latest') throw new Error('"latest" is not a version: pin an exact version tag');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw fieldError(yaml, ['image'], (error as Error).message);
  }
  return { ...fields, file, source };
}

