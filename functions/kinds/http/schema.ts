import { z } from 'zod';
import { checkName, duration, severityOverride } from '../../core/config/fields.js';

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'invalid URL (must be http:// or https://)');

/** `targets.<t>.health[]`: one HTTP(S) endpoint. */
export const healthCheckSchema = z.strictObject({
  name: checkName.optional(),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD']).default('GET'),
  /** Follow up to 5 redirects (same scheme or up to https) and expect 200-299 at the end; false: judge the first answer. */
  followRedirects: z.boolean().default(true),
  every: duration.default('5m'),
  timeout: duration.default('10s'),
  expect: z
    .strictObject({
      status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
      bodyContains: z.string().min(1).optional(),
      json: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).optional(),
    })
    .optional(),
  responseTime: z.strictObject({ warning: duration.optional(), critical: duration.optional() }).optional(),
  certificate: z
    .strictObject({ warningDays: z.number().int().min(0).default(30), criticalDays: z.number().int().min(0).default(7) })
    .optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'invalid header name'), z.string()).optional(),
  severity: severityOverride.optional(),
});

export type HealthCheckConfig = z.output<typeof healthCheckSchema>;
