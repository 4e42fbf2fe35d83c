import { isIP } from 'node:net';
import { z } from 'zod';
import { checkName, duration, severityOverride } from '../../core/config/fields.js';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** A DNS name: letters, digits, "-", "_" (service labels), dots; at most 253 characters. */
const dnsName = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/, 'invalid host (a DNS name)');

/**
 * `host:port` of the DNS server to ask, an IP address (the resolver library takes addresses, not names): "10.0.0.2",
 * "127.0.0.1:5353", "[::1]:53". Absent: the system's resolvers (in Lambda, the VPC's or AWS's).
 */
export const resolverAddress = z.string().superRefine((text, ctx) => {
  const parsed = parseResolver(text);
  if (!parsed)
    ctx.addIssue({
      code: 'custom',
      message: 'invalid resolver (an IP address with an optional port: "10.0.0.2", "127.0.0.1:5353", "[::1]:53")',
    });
});

/** `targets.<t>.dns[]`: a name that must resolve, optionally to every one of the expected values. */
export const dnsCheckSchema = z
  .strictObject({
    name: checkName.optional().describe('the check name in reports and alerts (default: the host, with `-<type>` unless A)'),
    host: dnsName.describe('the DNS name to resolve'),
    type: z
      .enum(DNS_RECORD_TYPES, { error: `invalid type (use ${DNS_RECORD_TYPES.join(', ')})` })
      .default('A')
      .describe('the record type asked for'),
    expect: z
      .array(z.string().min(1).max(1024))
      .min(1)
      .max(50)
      .optional()
      .describe('values that must all be among the answers (an address, a name, `10 mx.example.com` or `mx.example.com`, TXT text)'),
    resolver: resolverAddress
      .optional()
      .describe('the DNS server asked, `address[:port]` ("10.0.0.2", "[::1]:53"); default: the system resolvers'),
    every: duration.default('5m').describe('how often the name is resolved'),
    timeout: duration.default('5s').describe('time allowed for the answer (one try); at most `every` and 15m'),
    severity: severityOverride.optional(),
  })
  .describe('DNS names that must resolve, to the expected values when given');

export type DnsCheckConfig = z.output<typeof dnsCheckSchema>;

/** The check name in the report: `name`, else the host, with the record type when it is not A (`example.com-mx`). */
export function dnsCheckName(check: Pick<DnsCheckConfig, 'name' | 'host' | 'type'>): string {
  if (check.name) return check.name;
  const host = check.host.replace(/\.$/, '');
  return check.type === 'A' ? host : `${host}-${check.type.toLowerCase()}`;
}

/** The server address and port of a `resolver` setting, or undefined when it is not one. */
export function parseResolver(text: string): { readonly address: string; readonly port: number } | undefined {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(text);
  const plain = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(text);
  const bare = isIP(text) === 6 ? [text, text, undefined] : undefined;
  const match = bracketed ?? plain ?? bare;
  if (!match) return undefined;
  const address = match[1]!;
  const port = match[2] === undefined ? 53 : Number(match[2]);
  if (!isIP(address) || port < 1 || port > 65535) return undefined;
  return { address, port };
}

/** How Node's resolver wants a server: "1.2.3.4:53" or "[::1]:53". */
export function resolverServer(text: string): string {
  const { address, port } = parseResolver(text)!;
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
