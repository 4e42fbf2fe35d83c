import { z } from 'zod';
import { formatDuration } from '../../core/config/duration.js';
import { memorySizeKb } from '../../core/config/fields.js';
import type { ServersConfig } from '../../core/config/schema.js';
import { type Level, type Severity, worst } from '../../core/domain/severity.js';
import { formatBytes } from '../../core/text/format-bytes.js';
import { classifyRule } from '../../kinds/catalog.js';
import { type HostFindings, invalidParams, list, UNKNOWN_SEVERITY } from '../host-report.js';
import { processLookup } from './parameters.js';

const measured = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ status: z.enum(['ok', 'unknown']), reason: z.string().optional(), ...shape });
const count = z.number().int().min(0);

export const resourcesOutput = z.object({
  v: z.literal(1),
  job: z.literal('resources'),
  host: z.string(),
  invalid: invalidParams,
  cpu: measured({
    pct: z.number().optional(),
    iowaitPct: z.number().optional(),
    stealPct: z.number().optional(),
    seconds: z.number().optional(),
    sample: z.enum(['interval', 'short']).optional(),
  }).nullable(),
  memory: measured({
    pct: z.number().optional(),
    totalKb: count.optional(),
    availableKb: count.optional(),
    estimated: z.boolean().optional(),
  }),
  swap: measured({ pct: z.number().nullable().optional(), totalKb: count.optional(), usedKb: count.optional() }),
  load: measured({
    cpus: count.optional(),
    load1: z.number().optional(),
    load5: z.number().optional(),
    load15: z.number().optional(),
    perCore: z.number().optional(),
  }),
  state: z.object({ status: z.enum(['ok', 'unavailable']), file: z.string().optional(), reason: z.string().optional() }),
  processes: z.array(
    z.object({
      i: count,
      status: z.enum(['ok', 'unknown', 'invalid']),
      reason: z.string().optional(),
      count: count.optional(),
      rssKb: count.optional(),
      totalRssKb: count.optional(),
      load: z.string().optional(),
      active: z.string().optional(),
      sub: z.string().optional(),
      daemons: count.optional(),
      instances: count.optional(),
      states: z.array(z.string()).optional(),
      restarts: count.nullable().optional(),
      restartsBefore: count.nullable().optional(),
    }),
  ),
  processesOmitted: count,
});

export type ResourcesOutput = z.output<typeof resourcesOutput>;
type Levels = { readonly warning: number; readonly critical?: number } | undefined;
type ProcessEntry = ResourcesOutput['processes'][number];
type ProcessConfig = NonNullable<ServersConfig['processes']>[number];

const kib = (kb: number) => formatBytes(kb * 1024);

/** `; warning 70%, critical 85%`, or nothing when the resource has no levels. */
function limits(levels: Levels, unit = '%'): string {
  if (!levels) return ' (no levels set)';
  return ` (warning ${levels.warning}${unit}${levels.critical !== undefined ? `, critical ${levels.critical}${unit}` : ''})`;
}

/**
 * A resource is over a level when it is greater than it, as the runbooks write their alerts ("> 90%"): a critical
 * level of 100 is never reached, one of 0 always is.
 */
function levelOver(value: number | null | undefined, levels: Levels): Level {
  if (value === null || value === undefined || !levels) return 'ok';
  if (levels.critical !== undefined && value > levels.critical) return 'critical';
  return value > levels.warning ? 'warning' : 'ok';
}

function rate(f: HostFindings, name: string, value: number | null | undefined, levels: Levels, summary: string, observed: object): void {
  const level = levelOver(value, levels);
  f.rated(name, 'resources', 'resources.usage', level, summary, {
    ...observed,
    warning: levels?.warning,
    critical: levels?.critical,
  });
}

export function addResourcesFindings(out: ResourcesOutput, servers: ServersConfig, f: HostFindings): void {
  const levels = servers.resources;

  const cpu = out.cpu;
  if (cpu?.status !== 'ok' || cpu.pct === undefined) {
    f.add('cpu', 'resources', UNKNOWN_SEVERITY, `could not measure CPU use: ${cpu?.reason ?? 'no CPU counters'}`, { ...cpu });
  } else {
    const seconds = cpu.seconds ?? 0;
    const over =
      cpu.sample === 'short'
        ? `in a ${seconds} s sample (${cpu.reason ?? 'no earlier sample'}; the next run averages over its whole interval)`
        : `on average over the last ${formatDuration(seconds * 1000)}`;
    rate(f, 'cpu', cpu.pct, levels?.cpu, `CPU ${cpu.pct}% busy ${over}${limits(levels?.cpu)}`, {
      cpuPct: cpu.pct,
      iowaitPct: cpu.iowaitPct,
      stealPct: cpu.stealPct,
      seconds,
      sample: cpu.sample,
      ...(cpu.reason ? { reason: cpu.reason } : {}),
    });
  }

  const memory = out.memory;
  if (memory.status !== 'ok' || memory.pct === undefined) {
    f.add('memory', 'resources', UNKNOWN_SEVERITY, `could not measure memory: ${memory.reason ?? 'unknown reason'}`);
  } else {
    const basis = memory.estimated ? 'estimated: this kernel has no MemAvailable' : 'by MemAvailable';
    rate(
      f,
      'memory',
      memory.pct,
      levels?.memory,
      `memory ${memory.pct}% in use, ${kib(memory.availableKb ?? 0)} available of ${kib(memory.totalKb ?? 0)} (${basis})` +
        limits(levels?.memory),
      { memoryPct: memory.pct, totalKb: memory.totalKb, availableKb: memory.availableKb, estimated: memory.estimated ?? false },
    );
  }

  const swap = out.swap;
  if (swap.status !== 'ok') {
    f.add('swap', 'resources', UNKNOWN_SEVERITY, `could not measure swap: ${swap.reason ?? 'unknown reason'}`);
  } else {
    const text =
      swap.pct === null || swap.pct === undefined
        ? 'no swap configured'
        : `swap ${swap.pct}% in use, ${kib(swap.usedKb ?? 0)} of ${kib(swap.totalKb ?? 0)}${limits(levels?.swap)}`;
    rate(f, 'swap', swap.pct, levels?.swap, text, { swapPct: swap.pct ?? null, totalKb: swap.totalKb, usedKb: swap.usedKb });
  }

  const load = out.load;
  if (load.status !== 'ok' || load.perCore === undefined) {
    f.add('load', 'resources', UNKNOWN_SEVERITY, `could not read the load average: ${load.reason ?? 'unknown reason'}`);
  } else {
    rate(
      f,
      'load',
      load.perCore,
      levels?.load,
      `load ${load.perCore.toFixed(2)} per CPU (15-minute average ${load.load15} on ${load.cpus} CPUs; 1 and 5 minutes ` +
        `${load.load1}, ${load.load5})${limits(levels?.load, '')}`,
      { perCore: load.perCore, cpus: load.cpus, load1: load.load1, load5: load.load5, load15: load.load15 },
    );
  }

  const reported = new Map(out.processes.map((p) => [p.i, p]));
  for (const [i, p] of (servers.processes ?? []).entries()) processFinding(f, p, reported.get(i), out.processesOmitted);
}

/** What a process is, in words: `processes matching "gunicorn"`, `systemd unit nginx`, `PM2 app stock-import`. */
function described(p: ProcessConfig): string {
  const { kind, value } = processLookup(p);
  return kind === 'match' ? `processes matching "${value}"` : kind === 'unit' ? `systemd unit ${value}` : `PM2 app ${value}`;
}

function processFinding(f: HostFindings, p: ProcessConfig, entry: ProcessEntry | undefined, omitted: number): void {
  const check = `process:${p.name}`;
  const what = described(p);
  const { kind, value } = processLookup(p);
  const observed = { name: p.name, [kind]: value, min: p.min, ...(p.maxRss ? { maxRss: p.maxRss } : {}) };
  if (!entry) {
    f.add(check, 'process', UNKNOWN_SEVERITY, `${what}: not in the report (${omitted} processes did not fit)`, observed);
    return;
  }
  if (entry.status === 'invalid') {
    f.rated(check, 'server', 'server.unreachable', 'critical', `${what}: the script rejected the parameter`, observed);
    return;
  }
  if (entry.status === 'unknown') {
    f.add(check, 'process', UNKNOWN_SEVERITY, `could not check ${what}: ${entry.reason ?? 'unknown reason'}`, observed);
    return;
  }
  const running = entry.count ?? 0;
  const problems: Array<{ severity: Severity; text: string }> = [];
  const down = (text: string) => problems.push({ severity: classifyRule('process.down', 'critical'), text });
  const facts: string[] = [];

  if (kind === 'match') {
    if (running < p.min) down(running === 0 ? 'none running' : `${running} running, fewer than ${p.min}`);
    else facts.push(`${running} running`);
  } else if (kind === 'unit') {
    const state = `${entry.active ?? '?'}${entry.sub ? ` (${entry.sub})` : ''}`;
    if (entry.load === 'not-found') down('not loaded (not-found: no such unit)');
    else if (entry.active !== 'active' && entry.active !== 'reloading') down(`not active: ${state}`);
    else if (running < p.min) down(`${state} with ${running} processes, fewer than ${p.min}`);
    else facts.push(`${state}, ${running} processes`);
  } else {
    const instances = entry.instances ?? 0;
    const states = entry.states ?? [];
    if (entry.daemons === 0) down('no PM2 daemon runs on this host');
    else if (instances === 0) down("not in pm2's list");
    else if (states.length > 0) down(`${running} of ${instances} instances online (${list(states)})`);
    else if (running < p.min) down(`${running} instances online, fewer than ${p.min}`);
    else facts.push(`${running} of ${instances} instances online`);
  }

  const restarts = entry.restarts;
  const before = entry.restartsBefore;
  if (typeof restarts === 'number' && typeof before === 'number' && restarts > before) {
    down(`restarted ${restarts - before} times since the previous run (restart count ${restarts}): a restart loop`);
  } else if (typeof restarts === 'number') {
    facts.push(`restart count ${restarts}${typeof before === 'number' ? ' (unchanged)' : ''}`);
  }

  const maxRssKb = p.maxRss ? memorySizeKb(p.maxRss) : undefined;
  const rssKb = entry.rssKb ?? 0;
  if (maxRssKb !== undefined && rssKb > maxRssKb) {
    problems.push({
      severity: classifyRule('process.memory', 'warning'),
      text: `largest resident size ${kib(rssKb)} is over maxRss ${p.maxRss}`,
    });
  } else if (running > 0) {
    facts.push(`largest ${kib(rssKb)}${maxRssKb !== undefined ? ` (maxRss ${p.maxRss})` : ''}`);
  }

  const severity = worst(problems.map((x) => x.severity));
  const summary = problems.length ? `${what}: ${problems.map((x) => x.text).join('; ')}` : `${what}: ${facts.join(', ')}`;
  f.add(check, 'process', severity, summary, {
    ...observed,
    count: running,
    rssKb,
    totalRssKb: entry.totalRssKb ?? 0,
    ...(kind === 'unit' ? { active: entry.active, sub: entry.sub, load: entry.load } : {}),
    ...(kind === 'pm2' ? { instances: entry.instances, states: entry.states ?? [], daemons: entry.daemons } : {}),
    ...(restarts !== undefined ? { restarts, restartsBefore: before ?? null } : {}),
  });
}
