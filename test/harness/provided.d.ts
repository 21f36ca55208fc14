// Values that test/harness/global-setup.ts and test/harness/standins-setup.ts provide to the
// tests; read them with `inject('registry')` etc. from 'vitest'.
declare module 'vitest' {
  export interface ProvidedContext {
    /** `127.0.0.1:PORT` of the local registry started for this run (no auth, plain HTTP). */
    registry: string;
    /** `berth-test/fixture:<hash>`: busybox and the test programs, see test/harness/fixtures.ts. */
    fixtureImage: string;
    /** `berth-test/noshell:<hash>`: only busybox at /cat, ENTRYPOINT ["/cat"], no shell. */
    noshellImage: string;
    /** `<registry>/berth-test/fixture:1`, pushed from fixtureImage. */
    registryFixtureRef: string;
    /** The manifest digest (`sha256:...`) of registryFixtureRef in the registry. */
    registryFixtureDigest: string;
    /**
     * e2e project only: the stand-in image of each upstream image repository that has one, e.g.
     * `docker.io/koalaman/shellcheck` -> `berth-standin/koalaman-shellcheck:<hash>` (test/harness/standins-setup.ts).
     */
    standins: Record<string, string>;
  }
}

export {};
