import type { Duplex, Writable } from 'node:stream';

/**
 * Splits the engine's multiplexed attach stream (no TTY) into stdout and stderr. Each frame
 * is an 8-byte header (stream type, 3 zero bytes, big-endian length) and its payload. Bytes
 * are passed on as they arrive, partial frames included, and the socket is paused while a
 * target is full, so nothing is buffered whole and binary data is untouched.
 */
export function demultiplex(source: Duplex, stdout: Writable, stderr: Writable): void {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let target: Writable = stdout;
  const full = new Set<Writable>();
  const resumeWhenDrained = (stream: Writable) => {
    source.pause();
    if (full.has(stream)) return;
    full.add(stream);
    stream.once('drain', () => {
      full.delete(stream);
      if (full.size === 0) source.resume();
    });
  };
  source.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      if (remaining === 0) {
        const need = 8 - header.length;
        header = Buffer.concat([header, chunk.subarray(offset, offset + need)]);
        offset += Math.min(need, chunk.length - offset);
        if (header.length < 8) return;
        target = header[0] === 2 ? stderr : stdout;
        remaining = header.readUInt32BE(4);
        header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(remaining, chunk.length - offset);
      const ok = target.write(chunk.subarray(offset, offset + take));
      offset += take;
      remaining -= take;
      if (!ok) resumeWhenDrained(target);
    }
  });
}

/** Copies the output of a TTY container (one raw stream) with the same backpressure. */
export function copyRaw(source: Duplex, target: Writable): void {
  source.on('data', (chunk: Buffer) => {
    if (!target.write(chunk)) {
      source.pause();
      target.once('drain', () => source.resume());
    }
  });
}

/**
 * Streams stdin into the attach socket with backpressure; the end of stdin half-closes the
 * socket, which the tool sees as EOF. Returns what undoes it (and lets the process exit).
 */
export function pumpStdin(stdin: NodeJS.ReadStream, socket: Duplex): () => void {
  const onEnd = () => socket.end();
  stdin.on('end', onEnd);
  stdin.pipe(socket, { end: false });
  socket.on('error', () => undefined);
  return () => {
    stdin.off('end', onEnd);
    stdin.unpipe(socket);
    stdin.pause();
  };
}
