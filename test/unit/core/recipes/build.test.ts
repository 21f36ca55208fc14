import { describe, expect, it } from 'vitest';
import { buildPlan, describeBuild, isBuildTag, type BuildInput } from '../../../../src/core/recipes/build.js';
import { recipeSchema } from '../../../../src/core/recipes/schema.js';
import { LABELS } from '../../../../src/core/labels.js';
import { InputError } from '../../../../src/platform/errors.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const FROM = `debian:bookworm-20240701-slim@${DIGEST}`;
const RECIPE: BuildInput = { name: 'gifsicle', version: '1.93', build: { from: FROM, apt: ['gifsicle'] } };
const BUILT = { name: 'tool', description: 'A tool', version: '1.2.3', build: { from: FROM, apt: ['gifsicle'] } };

/** The path of the first field the schema refuses, or undefined when it accepts them. */
function refused(fields: Record<string, unknown>): string | undefined {
  const result = recipeSchema().safeParse(fields);
  return result.success ? undefined : result.error.issues[0]!.path.join('.');
}

describe('the build section of a recipe', () => {
  it('takes exactly one of image and build', () => {
    expect(refused(BUILT)).toBeUndefined();
    expect(refused({ ...BUILT, image: 'docker.io/example/tool:1' })).toBe('build');
    const { build: _, ...neither } = BUILT;
    expect(refused(neither)).toBe('image');
  });

  it('needs a base pinned by tag and digest', () => {
    for (const from of ['debian:bookworm-slim', `debian@${DIGEST}`, 'debian:bookworm-slim@sha256:abc', `debian:bookworm slim@${DIGEST}`, `debian:x@${DIGEST}\nRUN evil`]) {
      expect(refused({ ...BUILT, build: { from } }), from).toBe('build.from');
    }
    expect(refused({ ...BUILT, build: { from: `registry.example.com:5000/team/base:1.2@${DIGEST}` } })).toBeUndefined();
  });

  it('takes package names and versions, and nothing a shell or a Dockerfile would read', () => {
    for (const apt of [['gifsicle'], ['gifsicle=1.93-2', 'libc6'], ['g++']]) expect(refused({ ...BUILT, build: { from: FROM, apt } }), apt.join()).toBeUndefined();
    for (const pkg of ['gifsicle; rm -rf /', '$(id)', 'a b', 'gifsicle\nRUN x', '-y', 'Gifsicle']) {
      expect(refused({ ...BUILT, build: { from: FROM, apt: [pkg] } }), pkg).toBe('build.apt.0');
    }
    expect(refused({ ...BUILT, build: { from: FROM, apk: ['gifsicle=1.95-r0'] } })).toBeUndefined();
    expect(refused({ ...BUILT, build: { from: FROM, apt: ['jq'], apk: ['jq'] } })).toBe('build.apk');
  });

  it('takes an inline Dockerfile without FROM instead of apt/apk/run, and refuses fields it does not know', () => {
    expect(refused({ ...BUILT, build: { from: FROM, dockerfile: 'RUN true\n' } })).toBeUndefined();
    expect(refused({ ...BUILT, build: { from: FROM, dockerfile: 'RUN true\n', run: ['x'] } })).toBe('build.dockerfile');
    expect(refused({ ...BUILT, build: { from: FROM, dockerfile: 'RUN true\nFROM evil:latest\n' } })).toBe('build.dockerfile');
    expect(refused({ ...BUILT, build: { from: FROM, dockerfile: 'COPY --from=private/secrets:latest /keys /keys\n' } })).toBe('build.dockerfile');
    expect(refused({ ...BUILT, build: { from: FROM, dockerfile: 'RUN true\n  add --chown=1 --from=x / /\n' } })).toBe('build.dockerfile');
    expect(refused({ ...BUILT, build: { from: FROM, pip: ['x'] } })).toBe('build');
    expect(refused({ ...BUILT, digest: DIGEST })).toBe('digest');
  });
});

describe('buildPlan', () => {
  it('writes a Dockerfile FROM the pinned base that installs the packages and runs the steps', () => {
    const plan = buildPlan({ ...RECIPE, build: { from: FROM, apt: ['gifsicle', 'libc6=2.36-9'], run: ['gifsicle --version'] } });
    expect(plan.dockerfile).toBe(
      [
        `FROM ${FROM}`,
        'RUN ["/bin/sh","-c","set -eu; export DEBIAN_FRONTEND=noninteractive; apt-get update; apt-get install -y --no-install-recommends gifsicle libc6=2.36-9; apt-get clean; rm -rf /var/lib/apt/lists/*"]',
        'RUN ["/bin/sh","-c","gifsicle --version"]',
        '',
      ].join('\n'),
    );
    expect(plan.base).toBe(FROM);
    expect(plan.tag).toBe(`berth-build/gifsicle:${plan.hash}`);
    expect(plan.hash).toMatch(/^[a-f0-9]{32}$/);
    expect(plan.labels).toEqual({ [LABELS.build]: 'gifsicle', [LABELS.buildBase]: FROM });
    expect(isBuildTag(plan.tag)).toBe(true);
    expect(isBuildTag('docker.io/library/debian:12')).toBe(false);
  });

  it('keeps a step whole: its newlines and quotes cannot start a Dockerfile instruction', () => {
    const plan = buildPlan({ ...RECIPE, build: { from: FROM, run: ['echo "a"\nCOPY / /host\necho b'] } });
    const lines = plan.dockerfile.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!.slice('RUN '.length))).toEqual(['/bin/sh', '-c', 'echo "a"\nCOPY / /host\necho b']);
  });

  it('puts an inline Dockerfile after berth\'s FROM, and apk packages with apk', () => {
    expect(buildPlan({ ...RECIPE, build: { from: FROM, dockerfile: 'RUN true' } }).dockerfile).toBe(`FROM ${FROM}\nRUN true\n`);
    expect(buildPlan({ ...RECIPE, build: { from: FROM, apk: ['gifsicle'] } }).dockerfile).toContain('apk add --no-cache gifsicle');
  });

  it('hashes every build input: the same section is the same tag, any change a new one', () => {
    const tag = buildPlan(RECIPE).tag;
    expect(buildPlan({ ...RECIPE, build: { from: FROM, apt: ['gifsicle'] } }).tag).toBe(tag);
    // The tool's version, description and run settings are not build inputs.
    expect(buildPlan({ ...RECIPE, version: '9.9' }).tag).toBe(tag);
    const changed = [
      { ...RECIPE, build: { from: FROM, apt: ['gifsicle', 'jq'] } },
      { ...RECIPE, build: { from: FROM, apt: ['gifsicle=1.93-2'] } },
      { ...RECIPE, build: { from: FROM, apt: ['gifsicle'], run: ['true'] } },
      { ...RECIPE, build: { from: `debian:bookworm-20240701-slim@sha256:${'b'.repeat(64)}`, apt: ['gifsicle'] } },
    ];
    const tags = new Set([tag, ...changed.map((r) => buildPlan(r).tag)]);
    expect(tags.size).toBe(changed.length + 1);
  });

  it('builds FROM the override base instead (--base, BERTH_BASE_IMAGE), as a build of its own', () => {
    const plan = buildPlan(RECIPE, { base: 'berth-standin/base:bookworm' });
    expect(plan.dockerfile.split('\n')[0]).toBe('FROM berth-standin/base:bookworm');
    expect(plan.base).toBe('berth-standin/base:bookworm');
    expect(plan.labels[LABELS.buildBase]).toBe('berth-standin/base:bookworm');
    expect(plan.tag).not.toBe(buildPlan(RECIPE).tag);
    expect(() => buildPlan(RECIPE, { base: 'Not A Reference' })).toThrow(InputError);
  });

  it('puts a version in where the section says {version}, and refuses other versions where it does not', () => {
    const versioned = { ...RECIPE, build: { from: FROM, apt: ['gifsicle={version}'] } };
    expect(buildPlan(versioned, { version: '1.93-2' }).dockerfile).toContain('gifsicle=1.93-2;');
    expect(buildPlan(versioned).dockerfile).toContain('gifsicle=1.93;');
    expect(() => buildPlan(RECIPE, { version: '2.0' })).toThrow(/only 1.93 is available/);
  });

  it('makes a repository name of any tool name (a backend\'s npm:@scope/pkg)', () => {
    expect(buildPlan({ ...RECIPE, name: 'npm:@Scope/Pkg' }).tag).toMatch(/^berth-build\/npm-scope-pkg:[a-f0-9]{32}$/);
  });

  it('says in one line what a build starts from and adds', () => {
    expect(describeBuild({ from: FROM, apt: ['gifsicle'], run: ['a', 'b'] })).toBe(`built from ${FROM} + apt gifsicle, 2 run steps`);
  });
});

describe("a build's network trust", () => {
  it("copies the host's CA certificates in and names them with build arguments (not ENV), only when asked", () => {
    const plain = buildPlan(RECIPE);
    expect(plain.hostCa).toBe(false);
    expect(plain.dockerfile).not.toContain('berth-host-ca.pem');
    const trusted = buildPlan(RECIPE, { hostCa: true });
    expect(trusted.hostCa).toBe(true);
    const lines = trusted.dockerfile.split('\n');
    expect(lines[1]).toBe('COPY ["berth-host-ca.pem","/etc/berth/host-ca.pem"]');
    // One ARG instruction for them all (one build step).
    expect(lines[2]).toMatch(/^ARG SSL_CERT_FILE=\/etc\/berth\/host-ca\.pem NODE_EXTRA_CA_CERTS=\/etc\/berth\/host-ca\.pem .*CURL_CA_BUNDLE=\/etc\/berth\/host-ca\.pem/);
    expect(trusted.dockerfile).not.toMatch(/^ENV /m);
    // Before the steps, which need them; the same tag as without them (the machine's, not the build's).
    expect(lines.findIndex((l) => l.startsWith('ARG '))).toBeLessThan(lines.findIndex((l) => l.startsWith('RUN ')));
    expect(trusted.tag).toBe(plain.tag);
  });
});
