import type { ServersConfig } from '../core/config/schema.js';
import type { Finding } from '../core/domain/finding.js';
import type { HostResult, HostSelector } from '../remote/port.js';
import { SERVER_CHECKS } from './checks.js';
import { errorOutput, HostFindings, readJsonLine } from './host-report.js';
import { runFindingName, type ScriptReport, type ServerCheck, type ServerCheckId } from './server-check.js';

const checkOf = (check: ServerCheck | ServerCheckId): ServerCheck => (typeof check === 'string' ? SERVER_CHECKS[check] : check);
import { classifyRule } from '../kinds/catalog.js';

function describeInvalid(invalid: NonNullable<ScriptReport['invalid']>): string {
  return invalid.map((p) => `${p.param}=${JSON.stringify(p.value)}`).join(', ');
}

/**
 * The findings of one host's run: `<host>/run` (kind server: did the script run and report? `run:<check>` for a
 * job's further checks) plus, when it reported, one finding per filesystem, security check, resource or process.
 */
export function findingsForHost(which: ServerCheck | ServerCheckId, target: string, servers: ServersConfig, result: HostResult): Finding[] {
  const check = checkOf(which);
  const f = new HostFindings(target, result);
  const job = check.id;
  const run = runFindingName(check, 'run');
  const unreachable = (summary: string, observed: Record<string, unknown> = {}) =>
    f.rated(run, 'server', 'server.unreachable', 'critical', summary, { job, status: result.status, ...observed });

  if (result.status === 'unreachable') {
    unreachable(`unreachable: ${result.detail ?? 'no detail'}`);
    return f.findings;
  }
  const line = readJsonLine(result.stdout, result.outputTruncated);
  const failure = result.status === 'failed' ? `${job} check failed: ${result.detail ?? 'no detail'}` : undefined;
  if (!line.ok) {
    unreachable(`${failure ?? `${job} check gave no result`}; ${line.reason}`, { stderr: result.stderr.slice(0, 300) });
    return f.findings;
  }
  const error = errorOutput.safeParse(line.value);
  if (error.success) {
    unreachable(`${job} check could not run: ${error.data.error}`);
    return f.findings;
  }
  const read = check.read(line.value);
  if (!read.ok) {
    unreachable(`unexpected ${job} output: ${read.issues}`);
    return f.findings;
  }
  const invalid = read.report.invalid ?? [];
  if (failure) unreachable(failure);
  else if (invalid.length) unreachable(`the script rejected parameters: ${describeInvalid(invalid)}`, { invalid });
  else f.add(run, 'server', 'ok', `${job} check ran`, { job, status: result.status, hostname: read.report.host });

  read.addFindings(servers, f);
  return f.findings;
}

/**
 * The findings of one target group: one `instances` finding (are there servers to check at all?)
 * plus every host's findings. A job's further checks name theirs `instances:<check>`; when no
 * instance carries the tags, the job's first check alone raises it (one alert for one fault).
 */
export function findingsForGroup(
  which: ServerCheck | ServerCheckId,
  group: HostSelector,
  servers: ServersConfig,
  results: readonly HostResult[],
): Finding[] {
  const check = checkOf(which);
  const job = check.id;
  const tags = Object.entries(group.tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const reached = results.filter((r) => r.status !== 'unreachable').length;
  const name = runFindingName(check, 'instances');
  const instances: Finding =
    results.length === 0
      ? {
          target: group.target,
          check: name,
          kind: 'server',
          severity: name === 'instances' ? classifyRule('server.unreachable', 'critical') : 'ok',
          summary:
            `no managed instance carries the tags ${tags}: nothing was checked` +
            (name === 'instances' ? '' : ` (the ${check.job} check's instances finding reports it)`),
          observed: { job, tags: group.tags, hosts: 0 },
        }
      : {
          target: group.target,
          check: name,
          kind: 'server',
          severity: 'ok',
          summary: `${results.length} instances carry the tags ${tags}; ${reached} ran the ${job} check`,
          observed: { job, tags: group.tags, hosts: results.length, reached },
        };
  return [instances, ...results.flatMap((r) => findingsForHost(check, group.target, servers, r))];
}
