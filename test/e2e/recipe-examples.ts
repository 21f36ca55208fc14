// Every example of every built-in recipe (the `examples:` of recipes/*.yaml): how the e2e suite
// runs it, as written, through a shell, on the stand-in of the recipe's image or, for a build
// recipe, on its image built from Debian's archive (test/e2e/recipes.test.ts), or why it does not. test/unit/core/recipes/builtin-recipes.test.ts
// checks that this table names every example of every recipe, and nothing else.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { expect } from 'vitest';
import type { Recipe } from '../../src/core/recipes/schema.js';
import { SAMPLE_FONT } from '../harness/standins-setup.js';
import { OTHER_UID } from '../support/berth.js';

/** What a shell running an example line gave. */
export interface ExampleResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** What an example needs in its directory: files, and media made with the stand-ins' ffmpeg. */
export interface ExampleFixtures {
  /** Writes a file (parents made), owned by the user berth runs as. */
  put(rel: string, content: string | Buffer): void;
  /** Runs the stand-ins' ffmpeg in the directory, as that user, to make a media file. */
  ffmpeg(...args: string[]): Promise<void>;
  /** Runs a program of a stand-in image in the directory, as that user (to make a database, a .docx). */
  tool(image: string, entrypoint: string, ...args: string[]): Promise<void>;
  /** Reads a file of the directory. */
  read(rel: string): Buffer;
  /** The uid the example runs as. */
  uid: number;
}

export interface ExampleRun {
  prepare?: (f: ExampleFixtures) => Promise<void> | void;
  /** The shell's stdin (an example that reads the terminal gets this instead). */
  input?: string;
  /** An HTTP server on 127.0.0.1:8080 for the example's lifetime, answering `ok` on /healthz. */
  server?: true;
  /** `f`: the same fixtures as prepare's, to look at what the example wrote (decode an image). */
  check: (r: ExampleResult, dir: string, f: ExampleFixtures) => void | Promise<void>;
}

export interface ExampleNotRun {
  notRun: string;
}

export type ExamplePlan = ExampleRun | ExampleNotRun;

/** Per recipe: a plan for each example, or one reason why none runs. */
export type RecipePlans = Record<string, ExamplePlan | Readonly<Record<string, ExamplePlan>>>;

/** The programs a recipe runs: its entrypoint's, or those its script execs (a script ends by exec-ing its tool). */
export const programsRun = (recipe: Recipe): string[] =>
  recipe.entrypoint ? [recipe.entrypoint[0]!] : [...(recipe.script ?? '').matchAll(/^\s*exec\s+([^\s;]+)/gm)].map((m) => m[1]!);

/** Whether a plan (of a recipe or of an example) says why it is not run. */
export const isNotRun = (plan: ExamplePlan | Readonly<Record<string, ExamplePlan>>): plan is ExampleNotRun =>
  typeof (plan as { notRun?: unknown }).notRun === 'string';

const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel));
const ok = (r: ExampleResult) => expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });

/** A GIF's logical width and frame count (one graphic control extension, 21 F9 04, per frame). */
export function gifFacts(file: string): { magic: string; width: number; frames: number } {
  const gif = readFileSync(file);
  const marker = Buffer.from([0x21, 0xf9, 0x04]);
  let frames = 0;
  for (let i = gif.indexOf(marker); i !== -1; i = gif.indexOf(marker, i + 1)) frames++;
  return { magic: gif.subarray(0, 6).toString('latin1'), width: gif.readUInt16LE(6), frames };
}

/** A test video of `seconds` at 15 frames a second, 320x240. */
const video = (f: ExampleFixtures, file: string, seconds = 2) =>
  f.ffmpeg('-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=320x240:rate=15`, '-pix_fmt', 'yuv420p', file);

/** A white image with a line of black text, for OCR. */
const textImage = (f: ExampleFixtures, file: string) =>
  f.ffmpeg('-f', 'lavfi', '-i', 'color=white:s=900x200', '-vf', `drawtext=fontfile=${SAMPLE_FONT}:text=HELLO BERTH:fontsize=96:fontcolor=black:x=40:y=50`, '-frames:v', '1', file);

/** A test image of `size`, truecolor (ffmpeg's PNG is RGB), `extra` ffmpeg options before the file. */
const picture = (f: ExampleFixtures, file: string, size = '320x240', ...extra: string[]) =>
  f.ffmpeg('-f', 'lavfi', '-i', `testsrc=size=${size}`, '-frames:v', '1', ...extra, file);

/**
 * A photo-like truecolor PNG (a Mandelbrot set: thousands of colours, smooth gradients), which
 * quantising to a palette makes much smaller; testsrc's few flat colours compress well already.
 */
const photo = (f: ExampleFixtures, file: string, size = '320x240') => f.ffmpeg('-f', 'lavfi', '-i', `mandelbrot=size=${size}`, '-frames:v', '1', file);

/** An animated GIF made by ffmpeg: 2 s at 10 frames a second. */
const animation = (f: ExampleFixtures, file: string, size = '320x240') => f.ffmpeg('-f', 'lavfi', '-i', `testsrc=duration=2:size=${size}:rate=10`, file);

/** A PNG's size, colour type (2 RGB, 3 palette) and chunk types, after checking its signature. */
export function pngFacts(png: Buffer): { width: number; height: number; colorType: number; chunks: string[] } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'a PNG signature').toBe(true);
  const chunks: string[] = [];
  for (let at = 8; at < png.length; at += 12 + png.readUInt32BE(at)) chunks.push(png.subarray(at + 4, at + 8).toString('latin1'));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colorType: png.readUInt8(25), chunks };
}

/** `png` with a tEXt chunk (metadata that changes no pixel) after its header chunk. */
function withText(png: Buffer, keyword: string, text: string): Buffer {
  const typeAndData = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(`${keyword}\0${text}`, 'latin1')]);
  const chunk = Buffer.alloc(typeAndData.length + 8);
  chunk.writeUInt32BE(typeAndData.length - 4, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData), chunk.length - 4);
  const afterHeader = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, afterHeader), chunk, png.subarray(afterHeader)]);
}

/** An image's pixels, decoded to RGBA by the stand-ins' ffmpeg (into a file beside it). */
let decoded = 0;
async function pixels(f: ExampleFixtures, rel: string): Promise<Buffer> {
  const raw = `${rel}.${++decoded}.rgba`;
  await f.ffmpeg('-i', rel, '-f', 'rawvideo', '-pix_fmt', 'rgba', raw);
  return f.read(raw);
}

/**
 * A JPEG's Exif segment (APP1): big-endian TIFF whose first IFD holds a camera make and model and
 * points to a GPS IFD with a position (degrees, minutes, seconds), as cameras and phones write it.
 */
function exifSegment(make: string, model: string, latitude: [number, number, number], longitude: [number, number, number]): Buffer {
  interface Field {
    tag: number;
    type: number;
    count: number;
    data: Buffer;
  }
  const ascii = (tag: number, text: string): Field => ({ tag, type: 2, count: text.length + 1, data: Buffer.from(`${text}\0`, 'latin1') });
  const bytes = (tag: number, values: number[]): Field => ({ tag, type: 1, count: values.length, data: Buffer.from(values) });
  const long = (tag: number, value: number): Field => {
    const data = Buffer.alloc(4);
    data.writeUInt32BE(value);
    return { tag, type: 4, count: 1, data };
  };
  const rationals = (tag: number, values: number[]): Field => {
    const data = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => {
      data.writeUInt32BE(v, i * 8);
      data.writeUInt32BE(1, i * 8 + 4);
    });
    return { tag, type: 5, count: values.length, data };
  };
  /** An IFD at TIFF offset `at`: its entries, then the values longer than 4 bytes. */
  const ifd = (fields: Field[], at: number): Buffer => {
    const head = Buffer.alloc(2 + fields.length * 12 + 4);
    head.writeUInt16BE(fields.length, 0);
    const values: Buffer[] = [];
    let next = at + head.length;
    fields.forEach((field, i) => {
      const entry = 2 + i * 12;
      head.writeUInt16BE(field.tag, entry);
      head.writeUInt16BE(field.type, entry + 2);
      head.writeUInt32BE(field.count, entry + 4);
      if (field.data.length <= 4) {
        field.data.copy(head, entry + 8);
        return;
      }
      head.writeUInt32BE(next, entry + 8);
      const padded = field.data.length % 2 === 0 ? field.data : Buffer.concat([field.data, Buffer.alloc(1)]);
      values.push(padded);
      next += padded.length;
    });
    return Buffer.concat([head, ...values]);
  };
  const first = (gpsAt: number) => [ascii(0x010f, make), ascii(0x0110, model), long(0x8825, gpsAt)];
  const gpsAt = 8 + ifd(first(0), 8).length;
  const gps = [bytes(0x0000, [2, 3, 0, 0]), ascii(0x0001, 'N'), rationals(0x0002, latitude), ascii(0x0003, 'E'), rationals(0x0004, longitude)];
  const tiff = Buffer.concat([Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08]), ifd(first(gpsAt), 8), ifd(gps, gpsAt)]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xffe1, 0);
  marker.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([marker, body]);
}

/** photo.jpg: ffmpeg's JPEG with an Exif segment (make, model, a GPS position in Berlin) after its start marker. */
async function photoWithExif(f: ExampleFixtures): Promise<void> {
  await picture(f, 'camera.jpg');
  const jpeg = f.read('camera.jpg');
  f.put('photo.jpg', Buffer.concat([jpeg.subarray(0, 2), exifSegment('Berth Camera', 'E2E-1', [52, 30, 0], [13, 24, 0]), jpeg.subarray(2)]));
}

const hasExif = (jpeg: Buffer) => jpeg.includes(Buffer.from('Exif\0\0', 'latin1'));

const NO_INTERNET = 'needs the internet, which the test machine does not reach (only the Debian archive)';

export const RECIPE_EXAMPLES: RecipePlans = {
  actionlint: { notRun: 'no stand-in: actionlint is not packaged in Debian 12' },
  gitleaks: { notRun: 'no stand-in: gitleaks is not packaged in Debian 12' },
  hadolint: { notRun: 'no stand-in: hadolint is not packaged in Debian 12' },
  helm: { notRun: 'no stand-in: helm is not packaged in Debian 12' },
  magick: { notRun: "no stand-in: Debian 12 ships ImageMagick 6, which has no `magick` command (ImageMagick 7's)" },
  'markdownlint-cli2': { notRun: 'no stand-in: markdownlint-cli2 is not packaged in Debian 12' },
  prettier: { notRun: 'no stand-in: prettier is not packaged in Debian 12' },
  ruff: { notRun: 'no stand-in: ruff is not packaged in Debian 12' },
  terraform: { notRun: 'no stand-in: terraform is not free software and not in Debian' },
  tflint: { notRun: 'no stand-in: tflint is not packaged in Debian 12' },
  trivy: { notRun: 'no stand-in: trivy is not packaged in Debian 12' },
  yq: { notRun: "no stand-in: Debian 12's yq is another program (kislyuk's jq wrapper, other flags), not Mike Farah's yq" },

  ffmpeg: {
    'berth run ffmpeg -i talk.mov -c:v libx264 -crf 23 talk.mp4': {
      prepare: (f) => video(f, 'talk.mov'),
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'talk.mp4').subarray(4, 8).toString('latin1')).toBe('ftyp');
        expect(statSync(path.join(dir, 'talk.mp4')).uid).toBe(OTHER_UID);
      },
    },
    'berth run ffmpeg -i song.flac -b:a 192k song.mp3': {
      prepare: (f) => f.ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', 'song.flac'),
      check: (r, dir) => {
        ok(r);
        const mp3 = read(dir, 'song.mp3');
        // An ID3 tag, then MPEG audio frames.
        expect(mp3.subarray(0, 3).toString('latin1')).toBe('ID3');
        expect(mp3.length).toBeGreaterThan(192_000 / 8);
      },
    },
    'berth run ffmpeg -ss 00:00:05 -i clip.mp4 -frames:v 1 thumbnail.png': {
      prepare: (f) => video(f, 'clip.mp4', 7),
      check: (r, dir) => {
        ok(r);
        const png = read(dir, 'thumbnail.png');
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 240]);
      },
    },
  },

  ffprobe: {
    'berth run ffprobe -hide_banner talk.mp4': {
      prepare: (f) => video(f, 'talk.mp4'),
      check: (r) => {
        ok(r);
        expect(r.stderr).toMatch(/Stream #0:0.*Video: h264.*320x240/);
      },
    },
    'berth run ffprobe -v error -show_format -show_streams -of json clip.mkv': {
      prepare: (f) => video(f, 'clip.mkv'),
      check: (r) => {
        ok(r);
        const info = JSON.parse(r.stdout) as { format: { format_name: string }; streams: { width: number }[] };
        expect(info.format.format_name).toContain('matroska');
        expect(info.streams[0]!.width).toBe(320);
      },
    },
  },

  gif: {
    'berth run gif talk.mp4 talk.gif': {
      prepare: (f) => video(f, 'talk.mp4'),
      check: (r, dir) => {
        expect([r.code, r.stderr]).toEqual([0, '']);
        // The defaults: 640 wide, 12 frames a second.
        expect(gifFacts(path.join(dir, 'talk.gif'))).toEqual({ magic: 'GIF89a', width: 640, frames: 24 });
        expect(statSync(path.join(dir, 'talk.gif')).uid).toBe(OTHER_UID);
      },
    },
    'berth run gif --optimize talk.mp4 talk-small.gif': {
      prepare: (f) => video(f, 'talk.mp4'),
      check: (r, dir) => {
        expect([r.code, r.stderr]).toEqual([0, '']);
        // gifsicle wrote it (the run beyond the examples in recipes.test.ts shows it smaller); its
        // intermediate GIF stayed in the container's /tmp.
        expect(gifFacts(path.join(dir, 'talk-small.gif'))).toEqual({ magic: 'GIF89a', width: 640, frames: 24 });
        expect(readdirSync(dir).sort()).toEqual(['talk-small.gif', 'talk.mp4']);
      },
    },
    'berth run gif --fps 10 --width 480 --lossy 120 demo.mov demo.gif': {
      prepare: (f) => video(f, 'demo.mov'),
      check: (r, dir) => {
        expect([r.code, r.stderr]).toEqual([0, '']);
        expect(gifFacts(path.join(dir, 'demo.gif'))).toEqual({ magic: 'GIF89a', width: 480, frames: 20 });
      },
    },
    'GIF_WIDTH=320 berth run gif clip.mp4 clip.gif': {
      prepare: (f) => video(f, 'clip.mp4'),
      check: (r, dir) => {
        expect([r.code, r.stderr]).toEqual([0, '']);
        expect(gifFacts(path.join(dir, 'clip.gif'))).toEqual({ magic: 'GIF89a', width: 320, frames: 24 });
      },
    },
  },

  gifsicle: {
    'berth run gifsicle -O3 --lossy=80 in.gif -o out.gif': {
      prepare: (f) => animation(f, 'in.gif'),
      check: (r, dir) => {
        expect([r.code, r.stderr]).toEqual([0, '']);
        expect(gifFacts(path.join(dir, 'in.gif'))).toEqual({ magic: 'GIF89a', width: 320, frames: 20 });
        expect(gifFacts(path.join(dir, 'out.gif'))).toEqual({ magic: 'GIF89a', width: 320, frames: 20 });
        expect(statSync(path.join(dir, 'out.gif')).size).toBeLessThan(statSync(path.join(dir, 'in.gif')).size);
        expect(statSync(path.join(dir, 'out.gif')).uid).toBe(OTHER_UID);
      },
    },
    'berth run gifsicle --resize-width 320 in.gif -o small.gif': {
      prepare: (f) => animation(f, 'in.gif', '640x480'),
      check: (r, dir) => {
        expect([r.code, r.stderr]).toEqual([0, '']);
        expect(gifFacts(path.join(dir, 'small.gif'))).toEqual({ magic: 'GIF89a', width: 320, frames: 20 });
        expect(read(dir, 'small.gif').readUInt16LE(8), 'the height, in proportion').toBe(240);
      },
    },
    'berth run gifsicle --info anim.gif': {
      prepare: (f) => animation(f, 'anim.gif'),
      check: (r) => {
        ok(r);
        expect(r.stdout).toMatch(/^\* anim\.gif 20 images\n/);
        expect(r.stdout).toContain('logical screen 320x240');
        expect(r.stdout.match(/^ {2}\+ image #\d+ /gm)).toHaveLength(20);
      },
    },
  },

  pngquant: {
    'berth run pngquant --quality 65-80 --output small.png photo.png': {
      prepare: (f) => photo(f, 'photo.png'),
      check: (r, dir) => {
        expect([r.code, r.stderr]).toEqual([0, '']);
        expect(pngFacts(read(dir, 'photo.png'))).toMatchObject({ width: 320, height: 240, colorType: 2 });
        // Quantised to a palette, the same size, smaller.
        expect(pngFacts(read(dir, 'small.png'))).toMatchObject({ width: 320, height: 240, colorType: 3 });
        expect(statSync(path.join(dir, 'small.png')).size).toBeLessThan(statSync(path.join(dir, 'photo.png')).size);
        expect(statSync(path.join(dir, 'small.png')).uid).toBe(OTHER_UID);
      },
    },
    'berth run pngquant --skip-if-larger --ext .png --force *.png': {
      prepare: async (f) => {
        await photo(f, 'a.png');
        await photo(f, 'b.png', '200x100');
      },
      check: (r, dir) => {
        expect([r.code, r.stderr]).toEqual([0, '']);
        // Each replaced in place by its quantised version; no other file.
        expect(readdirSync(dir).sort()).toEqual(['a.png', 'b.png']);
        expect(pngFacts(read(dir, 'a.png'))).toMatchObject({ width: 320, height: 240, colorType: 3 });
        expect(pngFacts(read(dir, 'b.png'))).toMatchObject({ width: 200, height: 100, colorType: 3 });
      },
    },
  },

  optipng: {
    'berth run optipng -o5 logo.png': {
      // Stored without compression (zlib level 0), so there is something to gain.
      prepare: async (f) => {
        await picture(f, 'logo.png', '320x240', '-compression_level', '0');
        await picture(f, 'original.png', '320x240', '-compression_level', '0');
      },
      check: async (r, dir, f) => {
        ok(r);
        expect(r.stderr).toContain('Processing: logo.png');
        expect(pngFacts(read(dir, 'logo.png'))).toMatchObject({ width: 320, height: 240 });
        expect(statSync(path.join(dir, 'logo.png')).size).toBeLessThan(statSync(path.join(dir, 'original.png')).size / 2);
        // Lossless: not a pixel changed.
        expect((await pixels(f, 'logo.png')).equals(await pixels(f, 'original.png'))).toBe(true);
      },
    },
    'berth run optipng -strip all -out clean.png photo.png': {
      prepare: async (f) => {
        await picture(f, 'plain.png');
        f.put('photo.png', withText(f.read('plain.png'), 'Author', 'Berth E2E'));
      },
      check: async (r, dir, f) => {
        ok(r);
        expect(pngFacts(read(dir, 'photo.png')).chunks).toContain('tEXt');
        const clean = pngFacts(read(dir, 'clean.png'));
        expect(clean).toMatchObject({ width: 320, height: 240 });
        expect(clean.chunks).not.toContain('tEXt');
        expect(read(dir, 'clean.png').includes(Buffer.from('Berth E2E'))).toBe(false);
        expect((await pixels(f, 'clean.png')).equals(await pixels(f, 'photo.png'))).toBe(true);
      },
    },
  },

  exiftool: {
    'berth run exiftool photo.jpg': {
      prepare: photoWithExif,
      check: (r) => {
        ok(r);
        expect(r.stdout).toMatch(/^Make\s+: Berth Camera$/m);
        expect(r.stdout).toMatch(/^Camera Model Name\s+: E2E-1$/m);
        expect(r.stdout).toMatch(/^GPS Position\s+: 52 deg 30' 0\.00" N, 13 deg 24' 0\.00" E$/m);
        expect(r.stdout).toMatch(/^Image Size\s+: 320x240$/m);
      },
    },
    'berth run exiftool -all= -overwrite_original photo.jpg': {
      prepare: photoWithExif,
      check: async (r, dir, f) => {
        ok(r);
        expect(r.stdout).toMatch(/^ +1 image files updated$/m);
        const photo = read(dir, 'photo.jpg');
        expect(hasExif(photo)).toBe(false);
        expect(photo.includes(Buffer.from('Berth Camera'))).toBe(false);
        // Still a JPEG, in place (no photo.jpg_original), the user's.
        expect(photo.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(true);
        expect(existsSync(path.join(dir, 'photo.jpg_original'))).toBe(false);
        expect(statSync(path.join(dir, 'photo.jpg')).uid).toBe(OTHER_UID);
        expect((await pixels(f, 'photo.jpg')).length).toBe(320 * 240 * 4);
      },
    },
    // Without -a, exiftool leaves out GPS:GPSLatitude and GPS:GPSLongitude, the Composite tags of
    // the same names taking precedence (and those are not in the gps group): the position is missing.
    'berth run exiftool -a -gps:all photo.jpg': {
      prepare: photoWithExif,
      check: (r, dir) => {
        ok(r);
        expect(r.stdout).toMatch(/^GPS Latitude Ref\s+: North$/m);
        expect(r.stdout).toMatch(/^GPS Latitude\s+: 52 deg 30' 0\.00"$/m);
        expect(r.stdout).toMatch(/^GPS Longitude\s+: 13 deg 24' 0\.00"$/m);
        expect(r.stdout).not.toContain('Make');
        expect(hasExif(read(dir, 'photo.jpg'))).toBe(true);
      },
    },
  },

  jq: {
    'cat data.json | berth run jq .items': {
      prepare: (f) => f.put('data.json', '{"items":[1,{"a":"b"}]}'),
      check: (r) => {
        ok(r);
        expect(r.stdout).toBe('[\n  1,\n  {\n    "a": "b"\n  }\n]\n');
      },
    },
    "berth run jq -r '.name' package.json": {
      prepare: (f) => f.put('package.json', '{"name":"demo app"}'),
      check: (r) => {
        ok(r);
        expect(r.stdout).toBe('demo app\n');
      },
    },
  },

  shellcheck: {
    'berth run shellcheck deploy.sh': {
      prepare: (f) => f.put('deploy.sh', '#!/bin/sh\nrm -rf $dir/*\n'),
      check: (r) => {
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('SC2086');
      },
    },
    'berth run shellcheck --severity=warning scripts/*.sh': {
      prepare: (f) => {
        // An info-level finding only (SC2086), and a warning (SC2034: assigned, never used).
        f.put('scripts/info.sh', '#!/bin/sh\necho $1\n');
        f.put('scripts/warn.sh', '#!/bin/sh\nunused=1\n');
      },
      check: (r) => {
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('scripts/warn.sh');
        expect(r.stdout).toContain('SC2034');
        expect(r.stdout).not.toContain('SC2086');
      },
    },
  },

  shfmt: {
    'berth run shfmt -d scripts/': {
      prepare: (f) => f.put('scripts/a.sh', '#!/bin/sh\nif true;then\necho  hi\nfi\n'),
      check: (r) => {
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('+if true; then');
      },
    },
    'berth run shfmt -w -i 2 -ci deploy.sh': {
      prepare: (f) => f.put('deploy.sh', '#!/bin/sh\ncase $1 in\na) echo a;;\nesac\n'),
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'deploy.sh').toString()).toBe('#!/bin/sh\ncase $1 in\n  a) echo a ;;\nesac\n');
      },
    },
  },

  yamllint: {
    'berth run yamllint .': {
      prepare: (f) => f.put('config.yaml', '---\nkey: 1\nkey: 2\n'),
      check: (r) => {
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/config\.yaml[\s\S]*duplication of key "key"/);
      },
    },
    'berth run yamllint -s -f parsable .github/workflows/': {
      // A warning only (no document start): strict mode makes it exit 2.
      prepare: (f) => f.put('.github/workflows/ci.yaml', 'on: push\n'),
      check: (r) => {
        expect(r.code).toBe(2);
        expect(r.stdout).toMatch(/^\.github\/workflows\/ci\.yaml:1:1: \[warning\] missing document start/m);
      },
    },
  },

  black: {
    'berth run black .': {
      prepare: (f) => f.put('app.py', "x = {  'a':1 }\n"),
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'app.py').toString()).toBe('x = {"a": 1}\n');
        expect(r.stderr).toContain('1 file reformatted');
      },
    },
    'berth run black --check --diff src/': {
      prepare: (f) => f.put('src/app.py', "x = {  'a':1 }\n"),
      check: (r, dir) => {
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('+x = {"a": 1}');
        expect(read(dir, 'src/app.py').toString()).toBe("x = {  'a':1 }\n");
      },
    },
  },

  sqlite3: {
    "berth run sqlite3 app.db '.tables'": {
      prepare: (f) => makeDatabase(f),
      check: (r) => {
        ok(r);
        expect(r.stdout.trim()).toBe('users');
      },
    },
    "berth run sqlite3 -header -csv app.db 'select * from users' > users.csv": {
      prepare: (f) => makeDatabase(f),
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'users.csv').toString()).toMatch(/^id,name\r?\n1,ada\r?\n2,grace\r?\n$/);
      },
    },
    'berth run sqlite3 app.db': {
      prepare: (f) => makeDatabase(f),
      input: 'select count(*) from users;\n',
      check: (r) => {
        ok(r);
        expect(r.stdout).toBe('2\n');
      },
    },
  },

  curl: {
    'berth run curl -fsSL https://example.org': { notRun: NO_INTERNET },
    'berth run curl -fsSLO https://example.org/archive.tar.gz': { notRun: NO_INTERNET },
    'berth run --network host curl -s localhost:8080/healthz': {
      server: true,
      check: (r) => {
        ok(r);
        expect(r.stdout).toBe('ok');
      },
    },
  },

  http: {
    'berth run http GET https://api.github.com/repos/httpie/cli': { notRun: NO_INTERNET },
    'berth run http POST https://httpbin.org/post name=berth': { notRun: NO_INTERNET },
    'berth run --network host http :8080/healthz': {
      server: true,
      check: (r) => {
        ok(r);
        expect(r.stdout.trim()).toBe('ok');
      },
    },
  },

  pandoc: {
    'berth run pandoc README.md -o README.html': {
      prepare: (f) => f.put('README.md', '# Hello\n\nSome *text*.\n'),
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'README.html').toString()).toBe('<h1 id="hello">Hello</h1>\n<p>Some <em>text</em>.</p>\n');
      },
    },
    'berth run pandoc notes.md -o notes.pdf': {
      notRun: 'PDF goes through LaTeX: pandoc/latex bundles TeX Live, which the Debian stand-in leaves out (several GB)',
    },
    'berth run pandoc report.docx -t gfm -o report.md': {
      prepare: async (f) => {
        f.put('source.md', '# Report\n\nAll **good**.\n');
        await f.tool('docker.io/pandoc/latex', '/usr/local/bin/pandoc', 'source.md', '-o', 'report.docx');
      },
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'report.md').toString()).toBe('# Report\n\nAll **good**.\n');
      },
    },
  },

  tesseract: {
    'berth run tesseract scan.png scan': {
      prepare: (f) => textImage(f, 'scan.png'),
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'scan.txt').toString()).toContain('HELLO BERTH');
      },
    },
    'berth run tesseract scan.png - --psm 6': {
      prepare: (f) => textImage(f, 'scan.png'),
      check: (r) => {
        ok(r);
        expect(r.stdout).toContain('HELLO BERTH');
      },
    },
    'berth run tesseract page.png page pdf': {
      prepare: (f) => textImage(f, 'page.png'),
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'page.pdf').subarray(0, 5).toString('latin1')).toBe('%PDF-');
      },
    },
  },

  node: {
    'berth run node script.js': {
      prepare: (f) => f.put('script.js', "console.log(['a', 'b'].map((s) => s.toUpperCase()).join('+'));\n"),
      check: (r) => {
        ok(r);
        expect(r.stdout).toBe('A+B\n');
      },
    },
    "berth run node -e 'console.log(process.versions)'": {
      check: (r) => {
        ok(r);
        expect(r.stdout).toMatch(/node: '\d+\.\d+\.\d+'/);
      },
    },
    'berth run node@24.13.0 --test': {
      prepare: (f) =>
        f.put('test/sum.test.js', "const test = require('node:test');\nconst assert = require('node:assert');\ntest('sums', () => assert.strictEqual(1 + 1, 2));\n"),
      check: (r) => {
        ok(r);
        expect(r.stdout).toMatch(/^# pass 1$/m);
        expect(r.stdout).toMatch(/^# fail 0$/m);
      },
    },
  },

  npm: {
    'berth run npm ci': {
      prepare: (f) => writePackage(f),
      check: (r, dir) => {
        ok(r);
        // The one dependency, a folder of the project (no registry here), installed as npm links it.
        expect(r.stdout).toContain('added 1 package');
        expect(JSON.parse(read(dir, 'node_modules/local-lib/package.json').toString())).toMatchObject({ name: 'local-lib' });
      },
    },
    'berth run npm run build': {
      prepare: (f) => writePackage(f),
      check: (r, dir) => {
        ok(r);
        expect(read(dir, 'built.txt').toString()).toBe('built');
        expect(r.stdout).toContain('> demo@1.0.0 build');
      },
    },
    'berth run npm outdated': {
      // Without dependencies from a registry, which npm outdated would ask and the test machine cannot reach.
      prepare: (f) => writePackage(f, false),
      check: (r) => {
        ok(r);
        expect(r.stdout).toBe('');
      },
    },
  },

  python: {
    'berth run python script.py': {
      prepare: (f) => f.put('script.py', "print(sum(range(10)), 'done')\n"),
      check: (r) => {
        ok(r);
        expect(r.stdout).toBe('45 done\n');
      },
    },
    'berth run python -m json.tool data.json': {
      prepare: (f) => f.put('data.json', '{"b":[1,2],"a":null}'),
      check: (r) => {
        ok(r);
        expect(r.stdout).toBe('{\n    "b": [\n        1,\n        2\n    ],\n    "a": null\n}\n');
      },
    },
    "berth run python -c 'import sys; print(sys.version)'": {
      check: (r) => {
        ok(r);
        expect(r.stdout).toMatch(/^3\.\d+\.\d+ /);
      },
    },
  },

  'yt-dlp': {
    'berth run yt-dlp "https://www.youtube.com/watch?v=VIDEO_ID"': { notRun: NO_INTERNET },
    "berth run yt-dlp -x --audio-format mp3 -o '%(title)s.%(ext)s' URL": { notRun: NO_INTERNET },
    'berth run yt-dlp -F URL': { notRun: NO_INTERNET },
  },

  aws: {
    'berth run aws sts get-caller-identity': {
      // No AWS here: the example runs aws, which looks for credentials, finds none and says so
      // with its own exit code (253), which berth passes through.
      check: (r) => {
        expect(r.code).toBe(253);
        expect(r.stderr).toContain('Unable to locate credentials');
      },
    },
    'berth run -e AWS_PROFILE aws s3 ls': { notRun: 'needs AWS credentials and AWS itself' },
    'berth run aws s3 cp build/ s3://my-bucket/site/ --recursive': { notRun: 'needs AWS credentials and AWS itself' },
  },

  kubectl: {
    'berth run kubectl get pods -A': { notRun: 'needs a Kubernetes cluster' },
    'berth run kubectl apply -f deploy.yaml': { notRun: 'needs a Kubernetes cluster' },
    'berth run kubectl kustomize overlays/prod': {
      prepare: (f) => {
        f.put('overlays/prod/kustomization.yaml', 'namePrefix: prod-\nresources:\n  - settings.yaml\n');
        f.put('overlays/prod/settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: high\n');
      },
      check: (r) => {
        ok(r);
        expect(r.stdout).toMatch(/^kind: ConfigMap$/m);
        expect(r.stdout).toMatch(/^ {2}name: prod-settings$/m);
      },
    },
  },
};

function makeDatabase(f: ExampleFixtures): Promise<void> {
  f.put('schema.sql', "create table users (id integer primary key, name text);\ninsert into users (name) values ('ada'), ('grace');\n");
  return f.tool('docker.io/keinos/sqlite3', '/usr/bin/sqlite3', 'app.db', '.read schema.sql');
}

/** A project with a build script and, unless `withDependency` is false, one dependency: a folder of its own. */
function writePackage(f: ExampleFixtures, withDependency = true): void {
  const build = "node -e \"require('fs').writeFileSync('built.txt', 'built')\"";
  if (!withDependency) {
    f.put('package.json', JSON.stringify({ name: 'demo', version: '1.0.0', scripts: { build } }));
    return;
  }
  f.put('package.json', JSON.stringify({ name: 'demo', version: '1.0.0', scripts: { build }, dependencies: { 'local-lib': 'file:local-lib' } }));
  f.put('local-lib/package.json', JSON.stringify({ name: 'local-lib', version: '1.0.0' }));
  f.put(
    'package-lock.json',
    JSON.stringify({
      name: 'demo',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'demo', version: '1.0.0', dependencies: { 'local-lib': 'file:local-lib' } },
        'local-lib': { version: '1.0.0' },
        'node_modules/local-lib': { resolved: 'local-lib', link: true },
      },
    }),
  );
}

/** Fixture helpers for a directory owned by `uid`:`gid`; `runTool` runs a stand-in's program in it as that user. */
export function fixturesIn(dir: string, uid: number, gid: number, runTool: (image: string, entrypoint: string, args: string[]) => Promise<void>): ExampleFixtures {
  return {
    uid,
    put(rel, content) {
      const file = path.join(dir, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      for (let p = file; p !== dir; p = path.dirname(p)) chownSync(p, uid, gid);
    },
    ffmpeg: (...args) => runTool('docker.io/jrottenberg/ffmpeg', '/usr/local/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args]),
    tool: (image, entrypoint, ...args) => runTool(image, entrypoint, args),
    read: (rel) => readFileSync(path.join(dir, rel)),
  };
}
