import { describe, expect, it } from 'vitest';
import { split } from '../../../../src/core/run/argv.js';

const flags = { env: { type: 'option', char: 'e' }, pull: { type: 'option' }, tty: { type: 'boolean' } };

describe('argv split', () => {
  it('takes berth flags before the tool and leaves everything after it to the tool', () => {
    expect(split(['-e', 'A=1', '--tty', 'jq', '-r', '--help', '.a'], flags)).toEqual({ own: ['-e', 'A=1', '--tty'], tool: 'jq', rest: ['-r', '--help', '.a'] });
    expect(split(['--pull', 'never', '--', 'jq', '--', 'x'], flags)).toEqual({ own: ['--pull', 'never'], tool: 'jq', rest: ['--', 'x'] });
    expect(split(['--tty'], flags)).toEqual({ own: ['--tty'], rest: [] });
  });
});
