import { z } from 'zod';
import { boundedCheckName, checkName, duration, host, hostLabel, port, severityOverride } from '../../core/config/fields.js';

const days = z.number().int().min(0);

/** `targets.<t>.tcp[]`: a port that must accept connections, optionally speaking TLS. */
export const tcpCheckSchema = z
  .strictObject({
    name: checkName.optional().describe('the check name in reports and alerts (default: `<host>-<port>`)'),
    host: host.describe('a host name or IP address'),
    port: port.describe('the TCP port that must accept connections'),
    every: duration.default('5m').describe('how often the port is checked'),
    timeout: duration.default('10s').describe('connect (and handshake) time allowed; at most `every` and 15m'),
    severity: severityOverride.optional(),
    /**
     * true or an object: after connecting, a TLS handshake with the certificate verified against the
     * host name (or `serverName`), reporting the certificate's days left against `certificate`'s
     * thresholds (30 and 7 days, as for HTTP).
     */
    tls: z
      .union([
        z.boolean(),
        z.strictObject({
          serverName: z
            .string()
            .regex(/^[A-Za-z0-9.-]{1,253}$/, 'invalid serverName (a DNS name)')
            .optional()
            .describe('the name the certificate must be valid for (default: host)'),
          certificate: z
            .strictObject({
              warningDays: days.default(30).describe('fewer days left is a warning-level breach'),
              criticalDays: days.default(7).describe('fewer days left is a critical-level breach'),
            })
            .optional()
            .describe("the certificate's days-left thresholds"),
        }),
      ])
      .default(false)
      .describe('true or an object: after connecting, a TLS handshake with the certificate verified and its days left judged'),
  })
  .describe('TCP ports that must accept connections');

export type TcpCheckConfig = z.output<typeof tcpCheckSchema>;

/** The report's check name (docs/cli.md): `name`, else `<host>-<port>` (one host often has several ports watched), bounded. */
export function tcpCheckName(check: Pick<TcpCheckConfig, 'name' | 'host' | 'port'>): string {
  if (check.name) return check.name;
  return boundedCheckName(`${check.host}-${check.port}`.replace(/[^A-Za-z0-9._-]+/g, '-'), [hostLabel(check.host), String(check.port)]);
}

/** The TLS settings of a check, or undefined for a plain connect. */
export function tlsOf(
  check: TcpCheckConfig,
): { serverName?: string; certificate?: { warningDays: number; criticalDays: number } } | undefined {
  if (check.tls === false) return undefined;
  return check.tls === true ? {} : check.tls;
}

/** Rules across fields, under the check's path. */
export function validateTcp(check: TcpCheckConfig, issue: (path: readonly (string | number)[], message: string) => void): void {
  const certificate = tlsOf(check)?.certificate;
  if (certificate && certificate.criticalDays > certificate.warningDays)
    issue(['tls', 'certificate', 'criticalDays'], 'criticalDays must not exceed warningDays');
}
