import { z } from 'zod';

/**
 * The config's vocabulary for how pg_dump compresses the custom-format archive (`--compress=<method>[:<level>]`).
 * gzip is the only method before pg_dump 16; 16 added lz4 and zstd (when built with them, as
 * Debian's, PGDG's and Amazon Linux's packages are).
 */
export const COMPRESSION_METHODS = ['zstd', 'lz4', 'gzip', 'none'] as const;
export type CompressionMethod = (typeof COMPRESSION_METHODS)[number];

/** The levels pg_dump accepts for each method (zstd's negative "fast" levels left out on purpose). */
export const LEVEL_RANGES: Record<Exclude<CompressionMethod, 'none'>, readonly [number, number]> = {
  gzip: [1, 9],
  lz4: [1, 12],
  zstd: [1, 22],
};

const method = z.enum(COMPRESSION_METHODS, { error: 'invalid compression (use "zstd", "lz4", "gzip" or "none")' });

/**
 * CoreConfig: `compression: "zstd"` or `compression: { method: "zstd", level: 3 }`. A level outside
 * the method's range, or any level with "none", is an error naming `compression.level`.
 */
export const compressionSchema = z.union(
  [
    method,
    z
      .strictObject({
        method: method.describe('the compression method'),
        level: z.number().optional().describe("the method's level: zstd 1-22, lz4 1-12, gzip 1-9 (1 when absent, chosen by measurement)"),
      })
      .superRefine((spec, ctx) => {
        if (spec.level === undefined) return;
        if (!Number.isInteger(spec.level)) {
          ctx.addIssue({ code: 'custom', path: ['level'], message: 'invalid level (a whole number)' });
          return;
        }
        if (spec.method === 'none') {
          ctx.addIssue({ code: 'custom', path: ['level'], message: 'invalid level: "none" takes no level' });
          return;
        }
        const [min, max] = LEVEL_RANGES[spec.method];
        if (spec.level < min || spec.level > max)
          ctx.addIssue({ code: 'custom', path: ['level'], message: `invalid level for ${spec.method} (use ${min} to ${max})` });
      }),
  ],
  { error: 'invalid compression (use "zstd", "lz4", "gzip", "none", or { method, level })' },
);

export type CompressionConfig = z.output<typeof compressionSchema>;
