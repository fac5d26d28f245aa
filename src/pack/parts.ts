import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  lstatSync,
  openSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode, PackError } from '../errors.js';
import { atomicTempName } from '../sys/index.js';
import { gzipStages } from '../util/index.js';
import { TarWriter } from './tar/writer.js';

/**
 * An archive assembled from parts written in any order: each part is raw tar bytes or one whole
 * gzip member, and gzip readers (gzip, GNU tar, zlib) read concatenated members as one stream.
 * That lets the tree be compressed while the setup bundle is being made, on another core.
 */
export class PartFile {
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  size = 0;

  private constructor(
    readonly file: string,
    private readonly tmp: string,
  ) {
    this.fd = openSync(tmp, 'wx', 0o644);
  }

  /** The final file is written under a temp name beside `file` (opened now, so a bad path fails fast). */
  static create(file: string, tmp = atomicTempName(file)): PartFile {
    // Checked before any work: the rename at the end would fail only after the whole pack.
    if (lstatSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      throw new PackError('PACK_OUTPUT', 'the output is an existing directory', {
        path: file,
        hint: 'name the package file, e.g. DIR/jail.tar.gz, or use --format oci for a layout directory',
      });
    }
    try {
      return new PartFile(file, tmp);
    } catch (e) {
      throw new PackError('PACK_OUTPUT', `cannot write the archive: ${errnoCode(e) ?? e}`, { path: file });
    }
  }

  private meter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) => {
        this.hash.update(chunk);
        this.size += chunk.length;
        cb(null, chunk);
      },
    });
  }

  /**
   * Appends a tar part made by `fill`; returns the archive offset after it. `gzip` is false for a
   * plain tar, else the zlib level of this member.
   */
  async writeTar(
    gzip: false | number,
    offset: number,
    fill: (tar: TarWriter) => Promise<void>,
  ): Promise<number> {
    const input = new PassThrough({ highWaterMark: 1 << 20 });
    const stages: (PassThrough | Transform)[] = [input];
    if (gzip !== false) stages.push(...gzipStages(gzip));
    stages.push(this.meter());
    const done = pipeline([...stages, createWriteStream('', { fd: this.fd, autoClose: false })]);
    done.catch(() => {});
    const tar = new TarWriter(input, offset);
    try {
      await fill(tar);
      input.end();
      await done;
    } catch (e) {
      input.destroy();
      throw e;
    }
    return tar.bytes;
  }

  /** Appends another part file's bytes as they are. */
  async append(other: PartFile): Promise<void> {
    const src: Readable = createReadStream(other.tmp, { highWaterMark: 1 << 20 });
    await pipeline(src, this.meter(), createWriteStream('', { fd: this.fd, autoClose: false }));
  }

  /** Closes and renames into place; returns the sha256 of the whole file. */
  commit(): string {
    closeSync(this.fd);
    try {
      renameSync(this.tmp, this.file);
    } catch (e) {
      throw new PackError('PACK_OUTPUT', `cannot write the archive: ${errnoCode(e) ?? e}`, {
        path: this.file,
      });
    }
    return this.hash.digest('hex');
  }

  discard(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tmp, { force: true });
  }
}
