import { describe, expect, it } from 'vitest';
import { applyMirror, digestProblem, formatImageReference, parseImageReference, writtenReference } from '../../../src/core/image-reference.js';

// Cases from docker's reference grammar (github.com/distribution/reference, reference_test.go and
// normalize_test.go), with berth's one narrowing: digests are sha256 only.
const A = 'sha256:' + 'a'.repeat(64);

describe('an image reference is split as docker splits it', () => {
  it('gives a bare name docker.io and library/', () => {
    expect(parseImageReference('jq:1.7')).toEqual({ name: 'jq', registry: 'docker.io', repository: 'library/jq', tag: '1.7', digest: undefined });
    expect(parseImageReference('ubuntu')).toMatchObject({ registry: 'docker.io', repository: 'library/ubuntu', tag: undefined });
  });

  it('keeps a docker.io namespace and treats index.docker.io as docker.io', () => {
    expect(parseImageReference('koalaman/shellcheck:v0.11.0')).toMatchObject({ registry: 'docker.io', repository: 'koalaman/shellcheck' });
    expect(parseImageReference('docker.io/ubuntu')).toMatchObject({ registry: 'docker.io', repository: 'library/ubuntu' });
    expect(parseImageReference('index.docker.io/ubuntu')).toMatchObject({ registry: 'docker.io', repository: 'library/ubuntu' });
    expect(parseImageReference('docker.io/library/ubuntu')).toMatchObject({ registry: 'docker.io', repository: 'library/ubuntu' });
  });

  it('takes a first part with a dot, a colon or localhost as the registry, and no library/ there', () => {
    expect(parseImageReference('ghcr.io/jqlang/jq:1.8.1')).toMatchObject({ registry: 'ghcr.io', repository: 'jqlang/jq', tag: '1.8.1' });
    expect(parseImageReference('localhost/foo')).toMatchObject({ registry: 'localhost', repository: 'foo' });
    expect(parseImageReference('test:5000/repo')).toMatchObject({ registry: 'test:5000', repository: 'repo', tag: undefined });
    expect(parseImageReference('sub-dom1.foo.com/bar/baz/quux:some-long-tag')).toMatchObject({ registry: 'sub-dom1.foo.com', repository: 'bar/baz/quux' });
    expect(parseImageReference('xn--n3h.com/myimage:xn--n3h.com')).toMatchObject({ registry: 'xn--n3h.com', repository: 'myimage', tag: 'xn--n3h.com' });
    expect(parseImageReference('b.gcr.io/test.example.com/my-app:test.example.com')).toMatchObject({ registry: 'b.gcr.io', repository: 'test.example.com/my-app' });
  });

  it('reads a registry with a port, an IPv4 address or an IPv6 address in brackets', () => {
    expect(parseImageReference(`127.0.0.1:5001/a/b:2@${A}`)).toEqual({ name: '127.0.0.1:5001/a/b', registry: '127.0.0.1:5001', repository: 'a/b', tag: '2', digest: A });
    expect(parseImageReference('192.168.1.1:5000/repo:5050')).toMatchObject({ registry: '192.168.1.1:5000', repository: 'repo', tag: '5050' });
    expect(parseImageReference('[2001:db8::1]:5000/repo:tag')).toMatchObject({ registry: '[2001:db8::1]:5000', repository: 'repo', tag: 'tag' });
    expect(parseImageReference('[::1]/repo')).toMatchObject({ registry: '[::1]', repository: 'repo', tag: undefined });
  });

  it('reads a colon after the last slash as the tag, so a name alone with a port is a tag', () => {
    expect(parseImageReference('test.com:5000')).toMatchObject({ registry: 'docker.io', repository: 'library/test.com', tag: '5000' });
    expect(parseImageReference('foo/foo_bar.com:8080')).toMatchObject({ registry: 'docker.io', repository: 'foo/foo_bar.com', tag: '8080' });
  });

  it('reads a tag and a digest together, and a digest alone', () => {
    expect(parseImageReference(`test:5000/repo:tag@${A}`)).toMatchObject({ tag: 'tag', digest: A });
    expect(parseImageReference(`repo@${A}`)).toMatchObject({ repository: 'library/repo', tag: undefined, digest: A });
  });

  it('keeps the name as written, without registry or library/ added', () => {
    expect(parseImageReference(`jq:1.7@${A}`).name).toBe('jq');
    expect(parseImageReference('localhost:5000/tools/jq:1').name).toBe('localhost:5000/tools/jq');
    expect(parseImageReference('  ghcr.io/jqlang/jq:1.8.1 ').name).toBe('ghcr.io/jqlang/jq');
  });

  it('allows the separators docker allows in a repository, and uppercase in a tag', () => {
    for (const ok of ['a__b', 'a--b', 'a.b_c', 'a---b/c.d', 'lowercase:Uppercase']) expect(() => parseImageReference(ok)).not.toThrow();
  });
});

describe('an image reference docker would refuse is refused, saying why', () => {
  it('refuses an empty reference', () => {
    expect(() => parseImageReference('  ')).toThrow('an image reference is empty');
  });

  it('refuses uppercase in the repository', () => {
    expect(() => parseImageReference('UPPER/case:1')).toThrow('"UPPER/case" is not a valid repository name');
    expect(() => parseImageReference('Uppercase:tag')).toThrow(/not a valid repository name/);
    expect(() => parseImageReference('test:5000/Uppercase/lowercase:tag')).toThrow(/not a valid repository name/);
  });

  it('refuses separators docker does not allow and a missing repository', () => {
    for (const bad of ['a___b', 'a-.b', 'a/', '/a', 'aa/asdf$$^/aa', ':justtag', `@${A}`]) expect(() => parseImageReference(bad), bad).toThrow();
  });

  it('refuses a tag that starts with a dot or dash, holds other characters, or is over 128 characters', () => {
    expect(() => parseImageReference('repo:-tag')).toThrow('"-tag" is not a valid tag');
    expect(() => parseImageReference('repo:a+b')).toThrow(/not a valid tag/);
    expect(() => parseImageReference(`repo:${'t'.repeat(128)}`)).not.toThrow();
    expect(() => parseImageReference(`repo:${'t'.repeat(129)}`)).toThrow(/not a valid tag/);
  });

  it('refuses a registry that is no host name, IPv4 or bracketed IPv6 address', () => {
    for (const bad of ['-foo.com/bar', 'foo-.com/bar', 'my_registry.com/bar', 'a..b/c', '[fe80::1%eth0]:5000/repo', '[2001:db8:3:4::192.0.2.33]:5000/repo', 'foo.com:port/bar']) {
      expect(() => parseImageReference(bad), bad).toThrow(/not a valid registry host/);
    }
    expect(() => parseImageReference('[2001:db8::1]:5000')).toThrow();
  });

  it('refuses a digest other than sha256 with 64 lowercase hex digits', () => {
    expect(() => parseImageReference('a/b@sha256:short')).toThrow('"sha256:short" is not a sha256 digest (sha256: and 64 hex digits)');
    expect(() => parseImageReference(`a/b@sha256:${'A'.repeat(64)}`)).toThrow(/not a sha256 digest/);
    expect(() => parseImageReference(`a/b@sha512:${'a'.repeat(128)}`)).toThrow(/not a sha256 digest/);
  });

  it('refuses a name over docker\'s 255 characters, counted as registry/repository', () => {
    expect(() => parseImageReference(`${'a/'.repeat(128)}a:tag`)).toThrow(/too long: docker allows 255 characters/);
    expect(() => parseImageReference(`${'a/'.repeat(122)}a`)).not.toThrow();
  });
});

describe('digests', () => {
  it('says why a value is not a digest, and nothing for one that is', () => {
    expect(digestProblem(A)).toBeUndefined();
    expect(digestProblem('sha256:abc')).toBe('"sha256:abc" is not a sha256 digest (sha256: and 64 hex digits)');
  });
});

describe('writing a reference', () => {
  it('writes the canonical form with registry and library/', () => {
    expect(formatImageReference(parseImageReference(`jq:1.7@${A}`))).toBe(`docker.io/library/jq:1.7@${A}`);
    expect(formatImageReference({ registry: 'ghcr.io', repository: 'jqlang/jq' })).toBe('ghcr.io/jqlang/jq');
  });

  it('writes the name as the user wrote it, with the parts asked for', () => {
    const ref = parseImageReference(`localhost:5000/jq:1.7@${A}`);
    expect(writtenReference(ref)).toBe(`localhost:5000/jq:1.7@${A}`);
    expect(writtenReference({ ...ref, digest: undefined })).toBe('localhost:5000/jq:1.7');
    expect(writtenReference({ name: ref.name, digest: ref.digest })).toBe(`localhost:5000/jq@${A}`);
  });

  it('rewrites only docker.io references to a mirror, keeping tag and digest', () => {
    const digest = 'sha256:' + 'b'.repeat(64);
    expect(applyMirror(`docker.io/koalaman/shellcheck:v0.11.0@${digest}`, 'mirror.local:5000')).toBe(`mirror.local:5000/koalaman/shellcheck:v0.11.0@${digest}`);
    expect(applyMirror('alpine:3', 'http://mirror.local/')).toBe('mirror.local/library/alpine:3');
    expect(applyMirror('ghcr.io/jqlang/jq:1.8.1', 'mirror.local')).toBe('ghcr.io/jqlang/jq:1.8.1');
    expect(applyMirror('ghcr.io/jqlang/jq:1.8.1', undefined)).toBe('ghcr.io/jqlang/jq:1.8.1');
  });
});
