import type { Readable } from 'node:stream';
import type { CompressionMethod } from './compression.js';

/**
 * The head of a pg_dump custom-format archive (pg_backup_archiver.c, WriteHead): "PGDMP", the
 * archive version (major, minor, rev bytes), intSize, offSize, format; then from archive 1.15
 * (pg_dump 16) the compression algorithm as one byte, before it a gzip level as an int; the
 * creation time (7 ints), and three strings: database name, server version, pg_dump version.
 * An int is a sign byte and intSize bytes, little-endian; a string is an int length and bytes.
 */
export interface ArchiveHeader {
  /** "1.16" */
  readonly archiveVersion: string;
  readonly archiveMinor: number;
  readonly compression: CompressionMethod;
  /** Only archives before 1.15 record a level (gzip's; -1 is zlib's default). */
  readonly level?: number;
  readonly database?: string;
  /** The server the dump was taken from ("17.12 (Debian ...)"). */
  readonly dumpedFrom?: string;
  /** The pg_dump that wrote it. */
  readonly dumpedBy?: string;
}

/** Bytes enough for every header pg_dump writes (names are at most 63 bytes, versions short). */
export const ARCHIVE_HEADER_BYTES = 1024;

const ALGORITHMS: Record<number, CompressionMethod> = { 0: 'none', 1: 'gzip', 2: 'lz4', 3: 'zstd' };

export class ArchiveHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveHeaderError';
  }
}

export function parseArchiveHeader(head: Buffer): ArchiveHeader {
  if (head.length < 11 || head.toString('latin1', 0, 5) !== 'PGDMP')
    throw new ArchiveHeaderError('not a pg_dump custom-format archive (no PGDMP magic)');
  const [major, minor] = [head[5]!, head[6]!];
  const intSize = head[8]!;
  if (major !== 1 || intSize < 1 || intSize > 8)
    throw new ArchiveHeaderError(`unknown archive header (version ${major}.${minor}, int size ${intSize})`);
  let pos = 11;
  const need = (n: number) => {
    if (pos + n > head.length) throw new ArchiveHeaderError('archive header is truncated');
  };
  const readInt = (): number => {
    need(1 + intSize);
    const negative = head[pos] !== 0;
    let value = 0;
    for (let i = 0; i < intSize; i++) value += head[pos + 1 + i]! * 2 ** (8 * i);
    pos += 1 + intSize;
    return negative ? -value : value;
  };
  const readStr = (): string | undefined => {
    const length = readInt();
    if (length < 0) return undefined;
    need(length);
    const text = head.toString('utf8', pos, pos + length);
    pos += length;
    return text;
  };
  let compression: CompressionMethod;
  let level: number | undefined;
  if (minor >= 15) {
    need(1);
    const algorithm = head[pos++]!;
    const known = ALGORITHMS[algorithm];
    if (!known) throw new ArchiveHeaderError(`unknown compression algorithm ${algorithm} in the archive header`);
    compression = known;
  } else {
    level = readInt();
    compression = level === 0 ? 'none' : 'gzip';
  }
  for (let i = 0; i < 7; i++) readInt();
  const database = readStr();
  const dumpedFrom = minor >= 4 ? readStr() : undefined;
  const dumpedBy = minor >= 4 ? readStr() : undefined;
  return {
    archiveVersion: `${major}.${minor}`,
    archiveMinor: minor,
    compression,
    ...(level !== undefined ? { level } : {}),
    database,
    dumpedFrom,
    dumpedBy,
  };
}

/** Reads just the head of an archive stream and stops it. */
export async function readArchiveHeader(body: Readable): Promise<ArchiveHeader> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= ARCHIVE_HEADER_BYTES) break;
    }
  } finally {
    body.destroy();
  }
  return parseArchiveHeader(Buffer.concat(chunks));
}

/**
 * The oldest pg_restore major that reads an archive: the archive format's version (1.14 came
 * with 14, 1.15 with 16, 1.16 with 17; pg_restore refuses a newer one) and its compression
 * (lz4 and zstd from 16).
 */
export function restoreMajorNeeded(header: Pick<ArchiveHeader, 'archiveMinor' | 'compression'>): number {
  const byFormat = header.archiveMinor >= 16 ? 17 : header.archiveMinor >= 15 ? 16 : header.archiveMinor >= 14 ? 14 : 10;
  const byCompression = header.compression === 'lz4' || header.compression === 'zstd' ? 16 : 0;
  return Math.max(byFormat, byCompression);
}

/** Undefined when this pg_restore can read the archive; else why not and which client it needs. */
export function restoreIncompatibility(header: ArchiveHeader, pgRestoreMajor: number, pgRestoreText: string): string | undefined {
  const needed = restoreMajorNeeded(header);
  if (pgRestoreMajor >= needed) return undefined;
  const reasons = [
    `archive format ${header.archiveVersion}`,
    ...(header.compression === 'lz4' || header.compression === 'zstd' ? [`${header.compression} compression`] : []),
  ];
  return (
    `the archive (${reasons.join(', ')}${header.dumpedBy ? `, written by pg_dump ${header.dumpedBy}` : ''}) needs pg_restore ${needed} ` +
    `or newer; ` +
    `this pg_restore is ${pgRestoreText}: install the PostgreSQL ${needed} client (or newer) and point PG_BIN_DIR or PG_RESTORE at it`
  );
}
