import { COMPRESSION_METHODS, type CompressionConfig, type CompressionMethod, LEVEL_RANGES } from '../core/config/compression.js';

export { COMPRESSION_METHODS, type CompressionConfig, type CompressionMethod, LEVEL_RANGES };

export interface CompressionSpec {
  readonly method: CompressionMethod;
  /** Absent: the product's default level for the method (see DEFAULT_LEVELS). */
  readonly level?: number;
}

/**
 * The levels used when the config names a method without one, chosen by measurement on the
 * bench's data (random bytea and hex text, the poorly compressible kind), pg_dump 15 and 17:
 * - zstd:1 dumps 2-3x faster than zstd's default 3 and the archive is no larger (on a 0.28 GiB
 *   bench database, 2026-11-30: 265.0 MB in 3.7 s, against 274.4 MB in 11.6 s for zstd:3 and
 *   297.6 MB in 26.3 s for `pg_dump -Fc`'s default gzip 6), smaller than gzip at any level: the
 *   issue's goal "archive no larger than pg_dump -Fc at its default level" holds (docs/backups.md, "Compression").
 * - gzip:1 is about twice as fast as pg_dump's default 6 for an archive about 5% larger; on
 *   Lambda's CPU share the dump is the bottleneck, so speed wins where gzip is all there is.
 * - lz4:1 is lz4's default and fastest level.
 */
export const DEFAULT_LEVELS: Record<Exclude<CompressionMethod, 'none'>, number> = { zstd: 1, gzip: 1, lz4: 1 };

/** The first pg_dump (and pg_restore) major that has lz4 and zstd. */
export const MODERN_COMPRESSION_MAJOR = 16;

export function normalizeCompression(config: CompressionConfig | undefined): CompressionSpec | undefined {
  if (config === undefined) return undefined;
  return typeof config === 'string' ? { method: config } : config;
}

/**
 * What a backup uses: the configured method, or zstd where pg_dump has it (16+), else gzip;
 * the level given, or the measured default. Throws when the configured method needs a newer
 * pg_dump than the one at hand, saying which.
 */
export function resolveCompression(
  config: CompressionConfig | undefined,
  pgDumpMajor: number,
): Required<CompressionSpec> | { method: 'none' } {
  const spec = normalizeCompression(config) ?? { method: pgDumpMajor >= MODERN_COMPRESSION_MAJOR ? 'zstd' : 'gzip' };
  if ((spec.method === 'zstd' || spec.method === 'lz4') && pgDumpMajor < MODERN_COMPRESSION_MAJOR) {
    throw new Error(
      `backup.compression "${spec.method}" needs pg_dump ${MODERN_COMPRESSION_MAJOR} or newer; this pg_dump is ${pgDumpMajor} (use ` +
        `"gzip", or a newer client via PG_BIN_DIR)`,
    );
  }
  if (spec.method === 'none') return { method: 'none' };
  return { method: spec.method, level: spec.level ?? DEFAULT_LEVELS[spec.method] };
}

/** `zstd:1`, `gzip:6`, `none`: the manifest's spelling and pg_dump's. */
export function compressionLabel(spec: CompressionSpec): string {
  return spec.method === 'none' || spec.level === undefined ? spec.method : `${spec.method}:${spec.level}`;
}

/** pg_dump's flag: `--compress=zstd:1` (16+); pg_dump 15 and older only take a gzip level, `--compress=1`. */
export function pgDumpCompressArg(spec: CompressionSpec, pgDumpMajor: number): string {
  if (pgDumpMajor < MODERN_COMPRESSION_MAJOR) {
    if (spec.method === 'none') return '--compress=0';
    if (spec.method !== 'gzip') throw new Error(`pg_dump ${pgDumpMajor} cannot compress with ${spec.method}`);
    return `--compress=${spec.level ?? DEFAULT_LEVELS.gzip}`;
  }
  return `--compress=${compressionLabel(spec)}`;
}
