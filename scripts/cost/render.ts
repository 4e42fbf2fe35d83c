import type { Cell, CostEstimate, CostInputs } from './estimate.js';
import { describePrices, PRICE_DATE, PRICE_REGION, type Prices } from './prices.js';
import type { InputNotes } from './workload.js';

export function usd(value: number): string {
  if (value === 0) return '$0';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}$${abs < 0.01 ? abs.toFixed(4) : abs.toFixed(2)}`;
}

function cell(c: Cell | null): string {
  if (!c) return '—';
  return `${usd(c.usd)} · ${c.detail}`;
}

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

/** The Markdown table plus the Inputs list, rendered into docs/operating.md by npm run docs. */
export function renderMarkdown(estimate: CostEstimate, inputs: CostInputs, notes: InputNotes, prices: Prices): string {
  const lines: string[] = [];
  const row = (...cells: string[]): number => lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
  row('Component (per month)', 'ops-autopilot', 'CloudWatch Synthetics', 'Route 53 health checks');
  lines.push('|---|---|---|---|');
  row('**Health probes** (the part each column does its own way)', '', '', '');
  for (const r of estimate.rows.filter((r) => r.group === 'probes')) row(r.component, cell(r.ops), cell(r.synthetics), cell(r.route53));
  row(
    '**Probes subtotal**',
    `**${usd(estimate.probes.ops)}**`,
    `**${usd(estimate.probes.synthetics)}**`,
    `**${usd(estimate.probes.route53)}**`,
  );
  row('**Rest of the suite** (backups, disk, security, digest, alerts; the same in every column)', '', '', '');
  for (const r of estimate.rows.filter((r) => r.group === 'suite')) row(r.component, cell(r.ops), 'same', 'same');
  row(
    '**Rest of the suite subtotal**',
    `**${usd(estimate.restOfSuite)}**`,
    `**${usd(estimate.restOfSuite)}**`,
    `**${usd(estimate.restOfSuite)}**`,
  );
  row(
    '**Total, list prices**',
    `**${usd(estimate.total.ops)}**`,
    `**${usd(estimate.total.synthetics)}**`,
    `**${usd(estimate.total.route53)}**`,
  );
  row(
    "Of which the suite itself: everything but the stored backups' bytes",
    usd(estimate.total.ops - estimate.storedBackups),
    usd(estimate.total.synthetics - estimate.storedBackups),
    usd(estimate.total.route53 - estimate.storedBackups),
  );
  row(
    'Always-free allowances would take off',
    usd(-estimate.freeTier.ops),
    usd(-estimate.freeTier.synthetics),
    usd(-estimate.freeTier.route53),
  );
  row(
    '**Total after the free tier** (if nothing else in the account uses it)',
    `**${usd(estimate.totalAfterFreeTier.ops)}**`,
    `**${usd(estimate.totalAfterFreeTier.synthetics)}**`,
    `**${usd(estimate.totalAfterFreeTier.route53)}**`,
  );

  const httpChecks = inputs.route53.checks.filter((c) => c.kind === 'http').length;
  const tcpChecks = inputs.route53.checks.length - httpChecks;
  lines.push(
    '',
    '**Not the same probes.** Route 53 cannot compare a JSON field (string matching only finds a substring in the first 5,120 bytes), ' +
      `cannot log in to PostgreSQL (its ${tcpChecks} checks here only open a TCP connection: no authentication, no connections % or ` +
      `long-running queries), ` +
      'does not report certificate days left, and its checkers call every endpoint from many locations every 30 s, far more requests ' +
      'than one probe a minute. ' +
      'Synthetics can do all of it, but only with your own canary scripts (the PostgreSQL ones with a bundled driver and, for private ' +
      'databases, a VPC), and it is billed per run. ' +
      'Neither does the rest of the suite: backups, disk and security checks and the digest stay on ops-autopilot in every column.',
    '',
    '**Inputs**',
    '',
    '- Measured in this run:',
    ...notes.measured.map((n) => `  - ${n}`),
    '- From the config:',
    ...notes.fromConfig.map((n) => `  - ${n}`),
    '- From the synthesized stack:',
    ...notes.fromStack.map((n) => `  - ${n}`),
    '- Assumed (not measurable here; change them in `scripts/cost/workload.ts` or with the flags of `npm run cost -- --help`):',
    ...notes.assumed.map((n) => `  - ${n}`),
    `- Prices: AWS list prices, ${PRICE_REGION}, as of ${PRICE_DATE}, a 30-day month (\`scripts/cost/prices.ts\`):`,
    ...describePrices(prices).map((n) => `  - ${n}`),
    '- Not included: data transfer (probe requests are a few hundred bytes; S3 to Lambda in one region is free; restores downloaded to a ' +
      'workstation cost $0.09/GB), ' +
      'a NAT gateway (only if you put the functions in a VPC to reach private databases: about $33 a month per AZ plus $0.045/GB), taxes.',
  );
  return lines.join('\n');
}
