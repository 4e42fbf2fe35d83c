import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import { allPages, type CheckLine, type DoctorContext, fail, ok, warn } from '../report.js';

/** How many instance ids a line names before counting the rest. */
const NAMED = 5;

function ids(list: readonly string[]): string {
  return list.length > NAMED ? `${list.slice(0, NAMED).join(', ')} and ${list.length - NAMED} more` : list.join(', ');
}

/**
 * The disk and security checks run through SSM Run Command on the managed instances carrying a target's tags: one
 * line per target with `servers`, failing when no instance matches or none is online.
 */
export async function managedInstances({ config, clients, region }: DoctorContext): Promise<CheckLine[]> {
  const targets = Object.entries(config?.targets ?? {}).filter(([, t]) => t.servers);
  return Promise.all(
    targets.map(async ([target, t]) => {
      const tags = t.servers!.tags;
      const selector = Object.entries(tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      const instances = await allPages(async (NextToken) => {
        const page = await clients.ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: Object.entries(tags).map(([key, value]) => ({ Key: `tag:${key}`, Values: [value] })),
            NextToken,
          }),
        );
        return { items: page.InstanceInformationList ?? [], next: page.NextToken };
      });
      const check = `servers ${target}`;
      if (!instances.length) {
        return fail(
          check,
          `no SSM managed instance in ${region} has the tags ${selector}: install the SSM Agent, give the instance a role with ` +
            'AmazonSSMManagedInstanceCore, and tag it so',
        );
      }
      const online = instances.filter((i) => i.PingStatus === 'Online').map((i) => i.InstanceId ?? '?');
      const offline = instances
        .filter((i) => i.PingStatus !== 'Online')
        .map((i) => `${i.InstanceId ?? '?'} (${i.PingStatus ?? 'unknown'})`);
      if (!online.length) {
        return fail(check, `${instances.length} instance(s) tagged ${selector}, none online: ${ids(offline)}; start the SSM Agent on them`);
      }
      if (offline.length) {
        return warn(
          check,
          `${online.length} online (${ids(online)}), ${offline.length} not: ${ids(offline)}; their checks report unreachable`,
        );
      }
      return ok(check, `${online.length} instance(s) tagged ${selector}, all online: ${ids(online)}`);
    }),
  );
}
