import { isIP } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { durationMs } from '../../core/config/duration.js';
import type { Finding } from '../../core/domain/finding.js';
import { type Aspect, formatMs, judgeAspects, roundMs } from '../probe-support.js';
import { DNS_MATRIX, type DnsRule } from './matrix.js';
import { type DnsCheckConfig, type DnsRecordType, dnsCheckName, resolverServer } from './schema.js';

export interface DnsProbeOptions {
  readonly signal?: AbortSignal;
}

/** Answers shown in a summary; the finding's `observed.answers` keeps up to MAX_OBSERVED. */
const MAX_SHOWN = 5;
const MAX_OBSERVED = 50;

type Lookup = { readonly answers: string[] } | { readonly error: { readonly code: string; readonly message: string } };

/**
 * Asks for one record type of one name, of the check's resolver (or the system's), and judges the answer: no answer,
 * NXDOMAIN, SERVFAIL, a refused or silent resolver, or an expected value missing is the `resolve` row (high). Always
 * resolves to one Finding, within the check's timeout, listing what was answered.
 */
export async function probeDns(target: string, check: DnsCheckConfig, options: DnsProbeOptions = {}): Promise<Finding> {
  const timeoutMs = durationMs(check.timeout);
  const started = performance.now();
  const result = await lookup(check, timeoutMs, options.signal);
  const elapsedMs = performance.now() - started;
  const observed: Record<string, unknown> = { host: check.host, type: check.type, resolver: check.resolver ?? 'system' };
  const aspects: Aspect<DnsRule>[] = [];
  if ('error' in result) {
    observed.error = result.error.code;
    observed.errorMessage = result.error.message;
    aspects.push({ rule: 'resolve', level: 'critical', message: failureMessage(check, result.error, timeoutMs) });
  } else {
    observed.answers = result.answers.slice(0, MAX_OBSERVED);
    observed.responseTimeMs = roundMs(elapsedMs);
    const missing = (check.expect ?? []).filter((want) => !result.answers.some((got) => sameValue(check.type, want, got)));
    if (missing.length) {
      observed.missing = missing;
      aspects.push({
        rule: 'resolve',
        level: 'critical',
        message: `${check.type} ${check.host}: expected ${missing.join(', ')} missing (answers: ${shown(result.answers)})`,
      });
    }
  }
  const { severity, summary } = judgeAspects(DNS_MATRIX, aspects, check.severity, () =>
    'answers' in result ? `${check.type} ${shown(result.answers)} in ${formatMs(elapsedMs)}` : '',
  );
  return { target, check: dnsCheckName(check), kind: 'dns', severity, summary, observed };
}

/** One query; never rejects. The timer and the health job's deadline cancel it (c-ares then fails it ECANCELLED). */
async function lookup(check: DnsCheckConfig, timeoutMs: number, signal: AbortSignal | undefined): Promise<Lookup> {
  // One try of at most the check's timeout: the default (4 tries with back-off) would outlast it.
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (check.resolver) resolver.setServers([resolverServer(check.resolver)]);
  let why: 'timeout' | 'aborted' | undefined;
  const cancel = (reason: 'timeout' | 'aborted') => () => {
    why ??= reason;
    resolver.cancel();
  };
  const timer = setTimeout(cancel('timeout'), timeoutMs);
  const onAbort = cancel('aborted');
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return { answers: await query(resolver, check.host, check.type) };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (why === 'timeout' || e.code === 'ETIMEOUT') return { error: { code: 'ETIMEOUT', message: `no answer within ${timeoutMs} ms` } };
    if (why === 'aborted') return { error: { code: 'ABORTED', message: `aborted: ${String(signal?.reason ?? 'signal')}` } };
    return { error: { code: e.code ?? e.name, message: e.message } };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The answers of one record type, each as one string (MX "10 mx.example.com", TXT its chunks joined). */
async function query(resolver: Resolver, host: string, type: DnsRecordType): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(host);
    case 'AAAA':
      return resolver.resolve6(host);
    case 'CNAME':
      return resolver.resolveCname(host);
    case 'MX':
      return (await resolver.resolveMx(host)).sort((a, b) => a.priority - b.priority).map((mx) => `${mx.priority} ${mx.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(host)).map((chunks) => chunks.join(''));
    case 'NS':
      return resolver.resolveNs(host);
  }
}

function failureMessage(check: DnsCheckConfig, error: { readonly code: string; readonly message: string }, timeoutMs: number): string {
  const asked = check.resolver ?? 'the system resolver';
  switch (error.code) {
    case 'ENOTFOUND':
      return `NXDOMAIN: ${check.host} does not exist (${asked})`;
    case 'ENODATA':
      return `no ${check.type} answer for ${check.host} (${asked})`;
    case 'ESERVFAIL':
      return `SERVFAIL for ${check.host} from ${asked}`;
    case 'EREFUSED':
      return `${asked} refused the query for ${check.host}`;
    case 'ETIMEOUT':
      return `timeout after ${formatMs(timeoutMs)}: no answer from ${asked}`;
    case 'ECONNREFUSED':
      return `${asked} unreachable (connection refused)`;
    default:
      return `${check.type} ${check.host}: ${error.message} (${error.code})`;
  }
}

/** An expected value is among the answers: names without case or a final dot, IPv6 in any spelling, MX with or without priority. */
function sameValue(type: DnsRecordType, want: string, got: string): boolean {
  if (type === 'TXT') return want === got;
  if (type === 'AAAA') return isIP(want) === 6 && expandIpv6(want) === expandIpv6(got);
  const name = (text: string) => text.trim().toLowerCase().replace(/\.$/, '');
  if (type === 'MX' && !/^\d+\s/.test(want.trim())) return name(want) === name(got.replace(/^\d+\s+/, ''));
  return name(want).replace(/\s+/g, ' ') === name(got);
}

/** "2001:db8::1" as eight four-digit groups, so two spellings of one address compare equal. */
function expandIpv6(address: string): string {
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

function shown(answers: readonly string[]): string {
  if (answers.length === 0) return 'none';
  const first = answers.slice(0, MAX_SHOWN).join(', ');
  return answers.length > MAX_SHOWN ? `${first} and ${answers.length - MAX_SHOWN} more` : first;
}
