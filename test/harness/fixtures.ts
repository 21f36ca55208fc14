/**
 * Fixture images for the integration and e2e suites, made from the host's static busybox
 * (Debian's busybox-static) so that nothing is pulled from the internet.
 *
 * - `berth-test/fixture:<hash>`: FROM scratch, /bin/busybox with its applets installed as symlinks
 *   in /bin, the test programs below in /usr/local/bin, PATH=/usr/local/bin:/bin, an empty
 *   /tmp (1777), no ENTRYPOINT, no CMD, no USER (root), no /etc/passwd.
 * - `berth-test/noshell:<hash>`: FROM scratch, only busybox at /cat, ENTRYPOINT ["/cat"] (busybox
 *   runs the applet named by argv[0]); no /bin/sh.
 *
 * The tag is a hash of the Dockerfile, the programs and the busybox binary, so a change to any of
 * them builds a new image and an unchanged one is reused across runs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildImage, imageExists } from './images.js';
import { withLock } from './lock.js';

export const BUSYBOX_PATH = process.env.BERTH_TEST_BUSYBOX ?? '/bin/busybox';

/** The test programs laid in /usr/local/bin of the fixture image (busybox sh). */
export const FIXTURE_PROGRAMS: Readonly<Record<string, string>> = {
  // exit-with N [MSG]: prints MSG to stderr if given, exits N.
  'exit-with': `#!/bin/sh
if [ "$#" -ge 2 ]; then printf '%s\\n' "$2" >&2; fi
exit "\${1:-0}"
`,
  // echo-args: prints each argument on its own line as <arg>.
  'echo-args': `#!/bin/sh
for arg in "$@"; do printf '<%s>\\n' "$arg"; done
`,
  // ids: uid=<id -u> gid=<id -g> user=<name or ?> home=<$HOME> home-writable=<yes|no>
  ids: `#!/bin/sh
user=$(id -un 2>/dev/null) || user='?'
writable=no
if [ -n "\${HOME:-}" ] && [ -d "$HOME" ]; then
  probe="$HOME/.berth-write-probe.$$"
  if (: > "$probe") 2>/dev/null; then writable=yes; rm -f "$probe"; fi
fi
printf 'uid=%s gid=%s user=%s home=%s home-writable=%s\\n' "$(id -u)" "$(id -g)" "$user" "\${HOME:-}" "$writable"
`,
  // write-file PATH TEXT: writes TEXT (exactly, no newline added) to PATH.
  'write-file': `#!/bin/sh
if [ "$#" -ne 2 ]; then echo 'usage: write-file PATH TEXT' >&2; exit 2; fi
printf '%s' "$2" > "$1"
`,
  // trap-signals: prints "ready", then on INT/TERM/HUP/QUIT prints "got <SIG>" and exits 0.
  // The sleep runs in the background and the shell waits for it, so a trap runs as soon as the
  // signal arrives (a foreground sleep would delay it until the sleep ends).
  'trap-signals': `#!/bin/sh
pid=
for sig in INT TERM HUP QUIT; do
  trap "echo 'got $sig'; [ -n \\"\\$pid\\" ] && kill \\$pid 2>/dev/null; exit 0" "$sig"
done
echo ready
while :; do
  sleep 600 &
  pid=$!
  wait "$pid"
done
`,
  // no-trap: prints "ready" and becomes a plain sleep with no handlers: as PID 1 it ignores
  // SIGINT/SIGTERM; under an init (docker run --init) the signal kills it.
  'no-trap': `#!/bin/sh
echo ready
exec sleep 600
`,
  // tty-info [--watch]: prints "stdin=tty|notty stdout=tty|notty", then "size=<rows> <cols>" when
  // stdin is a terminal. A terminal of size 0x0 has not been sized yet (engines before API 1.42 take
  // no size at create, so clients resize just after start): it waits up to 2 s for a size, then
  // prints "size=0 0". With --watch it then waits for SIGWINCH and prints "size=<rows> <cols>" each
  // time the size changes; it exits 0 after the first change, or 1 after 20 s without one ("no
  // resize" on stderr). A change away from "0 0" is printed but not counted. The trap is set before
  // the first line is printed, so a resize sent after reading that line is seen.
  'tty-info': `#!/bin/sh
size() {
  s=$(stty size 2>/dev/null) || s='0 0'
  [ -n "$s" ] || s='0 0'
  echo "$s"
}
watch=no
[ "\${1:-}" = --watch ] && watch=yes
if [ -t 0 ]; then stdin=tty; else stdin=notty; fi
if [ -t 1 ]; then stdout=tty; else stdout=notty; fi
last=
if [ "$stdin" = tty ]; then
  last=$(size)
  tries=0
  while [ "$last" = '0 0' ] && [ "$tries" -lt 20 ]; do
    sleep 0.1
    tries=$((tries + 1))
    last=$(size)
  done
fi
resized=no
on_winch() {
  now=$(size)
  if [ "$now" != "$last" ]; then
    echo "size=$now"
    [ "$last" != '0 0' ] && resized=yes
    last=$now
  fi
}
[ "$watch" = yes ] && trap on_winch WINCH
echo "stdin=$stdin stdout=$stdout"
[ "$stdin" = tty ] && echo "size=$last"
[ "$watch" = yes ] || exit 0
sleep 20 &
pid=$!
while [ "$resized" = no ] && kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
done
if [ "$resized" = yes ]; then kill "$pid" 2>/dev/null; exit 0; fi
echo 'no resize' >&2
exit 1
`,
  // env-dump: the environment, sorted.
  'env-dump': `#!/bin/sh
env | sort
`,
};

export const FIXTURE_DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/busybox", "mkdir", "-p", "-m", "1777", "/tmp"]
COPY bin/ /usr/local/bin/
ENV PATH=/usr/local/bin:/bin
`;

export const NOSHELL_DOCKERFILE = `FROM scratch
COPY busybox /cat
ENTRYPOINT ["/cat"]
`;

/** Throws unless `bytes` is an ELF executable without a program interpreter (statically linked). */
export function assertStaticElf(bytes: Buffer, path: string): void {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF executable`);
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  const u16 = (at: number) => (le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const phoff = is64 ? Number(le ? bytes.readBigUInt64LE(0x20) : bytes.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const PT_INTERP = 3;
    if (u32(phoff + i * phentsize) === PT_INTERP) {
      throw new Error(
        `${path} is dynamically linked, but the fixture images are FROM scratch and need a static busybox: ` +
          'install Debian\'s busybox-static (`apt-get install busybox-static`, as .ci/run does).',
      );
    }
  }
}

let busybox: Buffer | undefined;
function readBusybox(): Buffer {
  if (!busybox) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(BUSYBOX_PATH);
    } catch (error) {
      throw new Error(`cannot read ${BUSYBOX_PATH} (install busybox-static, as .ci/run does)`, { cause: error });
    }
    assertStaticElf(bytes, BUSYBOX_PATH);
    busybox = bytes;
  }
  return busybox;
}

function contentTag(repository: string, dockerfile: string, files: Record<string, Buffer | string>): string {
  const hash = createHash('sha256').update(dockerfile);
  for (const name of Object.keys(files).sort()) {
    const content = files[name] as Buffer | string;
    hash.update(`\0${name}\0${createHash('sha256').update(content).digest('hex')}`);
  }
  return `${repository}:${hash.digest('hex').slice(0, 16)}`;
}

function fixtureFiles(): Record<string, Buffer | string> {
  const files: Record<string, Buffer | string> = { busybox: readBusybox() };
  for (const [name, script] of Object.entries(FIXTURE_PROGRAMS)) files[`bin/${name}`] = script;
  return files;
}

let fixtureTag: string | undefined;
/** `berth-test/fixture:<hash>` (the same value on every call; the image is built by ensureFixtures()). */
export function fixtureImage(): string {
  fixtureTag ??= contentTag('berth-test/fixture', FIXTURE_DOCKERFILE, fixtureFiles());
  return fixtureTag;
}

let noshellTag: string | undefined;
/** `berth-test/noshell:<hash>` (the same value on every call; the image is built by ensureFixtures()). */
export function noshellImage(): string {
  noshellTag ??= contentTag('berth-test/noshell', NOSHELL_DOCKERFILE, { busybox: readBusybox() });
  return noshellTag;
}

/** Builds the fixture images unless images with the same content tags exist; resolves with their tags. */
export async function ensureFixtures(): Promise<{ fixtureImage: string; noshellImage: string }> {
  const wanted: [string, () => Promise<unknown>][] = [
    [fixtureImage(), () => buildImage(fixtureImage(), { ...fixtureFiles(), busybox: { path: BUSYBOX_PATH } }, FIXTURE_DOCKERFILE)],
    [noshellImage(), () => buildImage(noshellImage(), { busybox: { path: BUSYBOX_PATH } }, NOSHELL_DOCKERFILE)],
  ];
  const missing = async () => (await Promise.all(wanted.map(async ([tag]) => ((await imageExists(tag)) ? [] : [tag])))).flat();
  if ((await missing()).length > 0) {
    await withLock('berth-fixtures-build', async () => {
      const still = await missing();
      for (const [tag, build] of wanted) if (still.includes(tag)) await build();
    });
  }
  return { fixtureImage: fixtureImage(), noshellImage: noshellImage() };
}
