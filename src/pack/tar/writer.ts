import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { BLOCK, encodeHeader, paddingFor, type TarHeader } from './header.js';

const CHUNK = 256 * 1024;
/** GNU tar pads archives to 20-block records; doing the same keeps every reader content. */
const RECORD = 20 * BLOCK;

/** Waits for 'drain', failing instead of hanging when the stream dies first. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', ok);
      out.off('close', closed);
      out.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const ok = () => done();
    // Plain Error: the stream reports its own error (e.g. ENOSPC) first; a bare close is a bug.
    const closed = () => done(new Error('archive output closed early'));
    out.on('drain', ok);
    out.on('close', closed);
    out.on('error', done);
  });
}

export class ContentChangedError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/**
 * Streams a tar archive into `out`, honouring backpressure so neither the archive nor a whole
 * file is ever held in memory. Entries are written in the order given.
 */
export class TarWriter {
  private written: number;

  /** `offset`: archive bytes written before this writer (by another part), for the final padding. */
  constructor(
    private readonly out: Writable,
    offset = 0,
  ) {
    this.written = offset;
  }

  /** Archive bytes so far, the offset included. */
  get bytes(): number {
    return this.written;
  }

  private async push(buf: Buffer): Promise<void> {
    this.written += buf.length;
    if (this.out.destroyed) throw new Error('archive output closed early');
    if (!this.out.write(buf)) await drained(this.out);
  }

  /** An entry without content (dir, symlink, hardlink, device, fifo) or with a small in-memory body. */
  async add(h: TarHeader, body?: Buffer): Promise<void> {
    const size = body?.length ?? 0;
    await this.push(encodeHeader({ ...h, size }));
    if (body && size > 0) {
      await this.push(body);
      const pad = paddingFor(size);
      if (pad) await this.push(Buffer.alloc(pad));
    }
  }

  /**
   * A regular file streamed from `file` (opened without following links). The size must be
   * `h.size`; returns the sha256 of what was written so the caller can check it against the
   * manifest made earlier.
   */
  async addFile(h: TarHeader, file: string): Promise<string> {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const hash: Hash = createHash('sha256');
    try {
      if (fstatSync(fd).size !== h.size) throw new ContentChangedError(file, 'size changed while packing');
      await this.push(encodeHeader(h));
      let left = h.size;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) throw new ContentChangedError(file, 'file shrank while packing');
        const chunk = n === buf.length ? buf : buf.subarray(0, n);
        hash.update(chunk);
        await this.push(chunk);
        left -= n;
      }
      const pad = paddingFor(h.size);
      if (pad) await this.push(Buffer.alloc(pad));
    } finally {
      closeSync(fd);
    }
    return hash.digest('hex');
  }

  /** Two zero blocks, then zero padding to a whole record; does not end `out`. */
  async finish(): Promise<void> {
    let tail = 2 * BLOCK;
    tail += (RECORD - ((this.written + tail) % RECORD)) % RECORD;
    await this.push(Buffer.alloc(tail));
  }
}
