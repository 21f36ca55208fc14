import { InputError } from '../../platform/errors.js';

/**
 * The shapes of berth.yaml and berth.lock, without the YAML parser: the run path reads them
 * from berth's parse cache and loads `yaml` only when a file is new or changed.
 */

/** One pin of berth.yaml (`tools: {name: version}`). */
export interface Pin {
  name: string;
  version: string;
  /** The line of the pin in berth.yaml. */
  line: number;
}

export interface Manifest {
  file: string;
  /** In file order. */
  pins: Pin[];
}

/** One tool of berth.lock. */
export interface LockEntry {
  name: string;
  version: string;
  /** The reference berth.yaml's pin resolves to, with its tag and without a digest. */
  image: string;
  /** A pulled image's digest; for a tool whose recipe builds its image, the built image's id. */
  digest: string;
  /** A built tool's base as it was built FROM (the recipe's `from`, tag and digest, or the --base/BERTH_BASE_IMAGE override). */
  base?: string;
  /** The line of the entry in berth.lock (0 for entries not read from a file). */
  line: number;
}

export interface Lock {
  file: string;
  entries: Map<string, LockEntry>;
}

/** An InputError naming a pin's line. */
export function pinError(manifest: Manifest, pin: Pin, message: string): InputError {
  return InputError.at(manifest.file, pin.line, `tools.${pin.name}: ${message}`);
}
