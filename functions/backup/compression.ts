import { execFile } from 'node:child_process';
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

/** The methods that compress, in the order the default tries them: the smallest and fastest archive first. */
export type CompressingMethod = Exclude<CompressionMethod, 'none'>;
export const DEFAULT_ORDER: readonly CompressingMethod[] = ['zstd', 'lz4', 'gzip'];

/** What a pg_dump can write, found by asking it: pg_dump's own words for each method it cannot (absent: it can). */
export interface CompressionSupport {
  readonly unsupported: Readonly<Partial<Record<CompressingMethod, string>>>;
}

/** Where the probe connects: a socket path that cannot exist (/dev/null is no directory), so it fails at once, offline. */
const NOWHERE = 'host=/dev/null/autopilot-compression-probe dbname=probe user=probe connect_timeout=2';

/** pg_dump's words when it refuses a method: built without it (16+), or too old to know it (15 and older). */
const REFUSED = new RegExp(
  [
    'does not support compression',
    'not supported',
    'invalid value',
    'unrecognized compression',
    'invalid compression',
    'not available in this installation',
  ].join('|'),
  'i',
);
/** It took the method and went on to connect: the method is supported. */
const CONNECTING = /connection to server|could not connect|could not translate host|No such file or directory|Not a directory/i;

/** `--compress=zstd:1` (16+), `--compress=1` for gzip before 16 (which knows no method names). */
function probeArgument(method: CompressingMethod, pgDumpMajor: number): string {
  if (pgDumpMajor < MODERN_COMPRESSION_MAJOR) return method === 'gzip' ? '--compress=1' : `--compress=${method}`;
  return `--compress=${method}:1`;
}

function probeOne(path: string, method: CompressingMethod, pgDumpMajor: number, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const args = ['--format=custom', probeArgument(method, pgDumpMajor), '--file=/dev/null', '--no-password', `--dbname=${NOWHERE}`];
  return new Promise((resolve) => {
    // The C locale: pg_dump's messages are translated, and the words are matched in English.
    execFile(path, args, { env: { PATH: env.PATH, LC_ALL: 'C', LANG: 'C' }, timeout: 10_000 }, (error, _stdout, stderr) => {
      const words = String(stderr)
        .split('\n')
        .map((line) => line.replace(/^pg_dump:\s*(error:\s*)?/, '').trim())
        .filter(Boolean);
      const refused = words.find((line) => REFUSED.test(line));
      if (refused) return resolve(refused);
      if (words.some((line) => CONNECTING.test(line))) return resolve(undefined);
      // Neither: a wrapper or build that answers otherwise. Say what it said rather than guess it can.
      resolve(`the capability probe could not tell (${words[0] ?? (error ? error.message.split('\n')[0] : 'no output')})`);
    });
  });
}

const probes = new Map<string, Promise<CompressionSupport>>();

/**
 * Which methods this pg_dump can write: asked once per binary and process by running it with each method against a
 * connection that cannot exist. A build without zstd refuses the method before connecting ("this build does not
 * support compression with zstd"); one with it gets as far as the connection. Milliseconds, no network, no database.
 */
export function probeCompression(tool: { readonly path: string; readonly version: { readonly major: number } }, env = process.env) {
  let support = probes.get(tool.path);
  if (!support) {
    support = Promise.all(DEFAULT_ORDER.map((method) => probeOne(tool.path, method, tool.version.major, env))).then((words) => ({
      unsupported: Object.fromEntries(DEFAULT_ORDER.flatMap((method, i) => (words[i] ? [[method, words[i]]] : []))),
    }));
    probes.set(tool.path, support);
  }
  return support;
}

export interface CompressionChoice {
  readonly spec: Required<CompressionSpec> | { readonly method: 'none' };
  /** Why the default is not zstd where this pg_dump's major normally writes it: the backup finding is Low, saying so. */
  readonly fallback?: string;
}

/**
 * What a backup uses, by what this pg_dump can actually write. A configured method it cannot write is an error saying
 * so (the backup fails: High); the default takes zstd, else lz4, else gzip, and when a pg_dump of a major that has zstd
 * (16+) lacks it, says why (a build without zstd makes larger archives, slower). A pg_dump 15 knows gzip only: that
 * is its default, not news.
 */
export function chooseCompression(
  config: CompressionConfig | undefined,
  tool: { readonly version: { readonly major: number; readonly text: string } },
  support: CompressionSupport,
): CompressionChoice {
  const major = tool.version.major;
  const spec = normalizeCompression(config);
  if (spec) {
    if (spec.method === 'none') return { spec: { method: 'none' } };
    const refused = support.unsupported[spec.method];
    if (refused) {
      // A pg_dump 15 knows no method names: its version is the whole reason, and resolveCompression says so.
      if (major < MODERN_COMPRESSION_MAJOR && spec.method !== 'gzip') resolveCompression(config, major);
      const can = DEFAULT_ORDER.filter((m) => !support.unsupported[m]);
      throw new Error(
        `backup.compression "${spec.method}": this pg_dump ${tool.version.text} cannot write ${spec.method} (${refused}); use ` +
          `${can.length ? can.map((m) => `"${m}"`).join(' or ') : '"none"'}, or a pg_dump built with ${spec.method} (PG_BIN_DIR)`,
      );
    }
    return { spec: { method: spec.method, level: spec.level ?? DEFAULT_LEVELS[spec.method] } };
  }
  const method = DEFAULT_ORDER.find((m) => !support.unsupported[m]);
  const why = DEFAULT_ORDER.slice(0, method ? DEFAULT_ORDER.indexOf(method) : DEFAULT_ORDER.length)
    .filter((m) => major >= MODERN_COMPRESSION_MAJOR || m === 'gzip')
    .map((m) => `${m}: ${support.unsupported[m]}`);
  const chosen: CompressionChoice['spec'] = method ? { method, level: DEFAULT_LEVELS[method] } : { method: 'none' };
  if (!why.length) return { spec: chosen };
  return {
    spec: chosen,
    fallback: `this pg_dump ${tool.version.text} cannot write ${why.join('; ')}; used ${compressionLabel(chosen)}`,
  };
}
