import {
  BLOCK,
  decodeHeader,
  isZeroBlock,
  paddingFor,
  parsePax,
  type TarHeader,
  tarTypeOf,
} from './header.js';

/** The archive itself is malformed (not a verdict on its content). */
export class TarFormatError extends Error {}

/** Pulls exact byte counts from a chunked stream without concatenating more than it must. */
class ByteSource {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? r.value : Buffer.concat([this.buf, r.value]);
    return true;
  }

  /** Exactly n bytes, or null at a clean end of input before any byte. */
  async read(n: number): Promise<Buffer | null> {
    while (this.buf.length < n) {
      if (!(await this.fill())) {
        if (this.buf.length === 0) return null;
        throw new TarFormatError('archive is truncated');
      }
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Up to n bytes in the pieces they arrived in. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (this.buf.length === 0 && !(await this.fill())) throw new TarFormatError('archive is truncated');
      const take = Math.min(n, this.buf.length);
      const out = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      n -= take;
      yield out;
    }
  }
}

const PAX_LIMIT = 1 << 20;

/**
 * Reads entries one at a time; the caller reads (or skips) each body before asking for the next.
 * PAX 'x' records apply to the following entry; global 'g' headers and GNU extensions are refused,
 * since our writer never emits them and silently ignoring them could hide a changed name.
 */
export class TarReader {
  private readonly src: ByteSource;
  private left = 0;
  private pad = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.src = new ByteSource(source);
  }

  private async skipRest(): Promise<void> {
    for await (const _ of this.body()) {
      // drained
    }
    if (this.pad) await this.src.read(this.pad);
    this.pad = 0;
  }

  async next(): Promise<TarHeader | null> {
    await this.skipRest();
    let pax: Map<string, Buffer> | undefined;
    for (;;) {
      const block = await this.src.read(BLOCK);
      if (block === null) throw new TarFormatError('archive ends without its end-of-archive marker');
      if (isZeroBlock(block)) return null;
      let raw: ReturnType<typeof decodeHeader>;
      try {
        raw = decodeHeader(block);
      } catch (e) {
        throw new TarFormatError(`malformed header: ${(e as Error).message}`);
      }
      if (raw.flag === 'x') {
        if (pax) throw new TarFormatError(`two PAX headers in a row before ${raw.name}`);
        if (raw.size > PAX_LIMIT) throw new TarFormatError('PAX header too large');
        const data = await this.src.read(raw.size);
        if (data === null) throw new TarFormatError('archive is truncated');
        await this.src.read(paddingFor(raw.size));
        try {
          pax = parsePax(Buffer.from(data));
        } catch (e) {
          throw new TarFormatError((e as Error).message);
        }
        continue;
      }
      const type = tarTypeOf(raw.flag);
      if (!type) throw new TarFormatError(`unsupported entry type '${raw.flag}' for ${raw.name}`);
      const h: TarHeader = { ...raw, type, xattrs: {} };
      for (const [key, value] of pax ?? []) {
        if (key === 'path') h.name = value.toString('utf8');
        else if (key === 'linkpath') h.linkname = value.toString('utf8');
        else if (key === 'size' || key === 'uid' || key === 'gid') {
          const n = Number(value.toString('ascii'));
          if (!Number.isSafeInteger(n) || n < 0) throw new TarFormatError(`bad PAX ${key} for ${h.name}`);
          h[key] = n;
        } else if (key.startsWith('SCHILY.xattr.')) h.xattrs[key.slice(13)] = Buffer.from(value);
        else if (key === 'mtime' || key === 'atime' || key === 'ctime') {
          // Times carry no meaning for a jail package.
        } else throw new TarFormatError(`unsupported PAX record '${key}' for ${h.name}`);
      }
      // Only regular files carry data; a size on anything else would smuggle bytes past the check.
      if (type !== 'file' && h.size !== 0) throw new TarFormatError(`${h.name}: ${type} entry with data`);
      this.left = h.size;
      this.pad = paddingFor(h.size);
      return h;
    }
  }

  /** The current entry's content, streamed. */
  async *body(): AsyncGenerator<Buffer> {
    while (this.left > 0) {
      const want = this.left;
      this.left = 0;
      let got = 0;
      for await (const c of this.src.chunks(want)) {
        got += c.length;
        this.left = want - got;
        yield c;
      }
    }
  }
}
