import { describe, expect, it } from 'vitest';
import { pinError, type Manifest } from '../../../../src/core/project/model.js';
import { InputError } from '../../../../src/platform/errors.js';

describe('a pin error', () => {
  it("names berth.yaml's file and the pin's line first, then the pin, as one line with exit code 1", () => {
    const manifest: Manifest = { file: '/src/app/berth.yaml', pins: [{ name: 'jq', version: '1.7', line: 4 }] };
    const error = pinError(manifest, manifest.pins[0]!, 'no recipe for "jq"');
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe('/src/app/berth.yaml:4: tools.jq: no recipe for "jq"');
    expect([error.file, error.line, error.exitCode]).toEqual(['/src/app/berth.yaml', 4, 1]);
  });
});
