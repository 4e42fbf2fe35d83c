import {
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { endpointServicesFor } from '../../../../lib/network/placement.js';
import { allPages, type CheckLine, type DoctorContext, errorName, fail, ok, warn } from '../report.js';

/** A default route that lets a function without a public address out: a NAT gateway, a NAT instance, a transit gateway. */
function egressOf(table: RouteTable | undefined): string | undefined {
  const route = table?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.State !== 'blackhole');
  if (!route) return undefined;
  return route.NatGatewayId ?? route.InstanceId ?? route.NetworkInterfaceId ?? route.TransitGatewayId ?? undefined;
}

/** The route table a subnet uses: its own association, else the VPC's main table. */
function tableOf(subnetId: string, tables: readonly RouteTable[]): RouteTable | undefined {
  return (
    tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ?? tables.find((t) => t.Associations?.some((a) => a.Main))
  );
}

/**
 * `network`: the functions that reach VPC databases run in the given subnets. They need the VPC and subnets to exist,
 * more than one Availability Zone to survive one, DNS in the VPC, and a way to the AWS APIs they call: a NAT route,
 * or endpoints (made by the stack with `interfaceEndpoints` and `routeTableIds`, or already there).
 */
export async function vpc({ config, clients, region }: DoctorContext): Promise<CheckLine[]> {
  const network = config?.network;
  if (!config || !network) return [];
  const { vpcId } = network;
  try {
    await clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
  } catch (error) {
    if (/NotFound/.test(errorName(error)))
      return [fail('vpc', `${vpcId} does not exist in ${region}: check network.vpcId (and the region)`)];
    throw error;
  }
  const [dnsSupport, dnsHostnames, subnets, tables, endpoints, groups] = await Promise.all([
    clients.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsSupport' })),
    clients.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' })),
    clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })).then((r) => r.Subnets ?? []),
    allPages(async (NextToken) => {
      const page = await clients.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], NextToken }));
      return { items: page.RouteTables ?? [], next: page.NextToken };
    }),
    allPages(async (NextToken) => {
      const page = await clients.ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], NextToken }));
      return { items: page.VpcEndpoints ?? [], next: page.NextToken };
    }),
    network.securityGroupIds
      ? clients.ec2
          .send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
          .then((r) => r.SecurityGroups ?? [])
      : undefined,
  ]);
  const lines: CheckLine[] = [];

  const dns = dnsSupport.EnableDnsSupport?.Value === true && dnsHostnames.EnableDnsHostnames?.Value === true;
  lines.push(
    dns
      ? ok('vpc', `${vpcId}: DNS resolution and DNS hostnames on`)
      : (network.interfaceEndpoints ? fail : warn)(
          'vpc',
          `${vpcId}: DNS resolution ${dnsSupport.EnableDnsSupport?.Value ? 'on' : 'OFF'}, DNS hostnames ` +
            `${dnsHostnames.EnableDnsHostnames?.Value ? 'on' : 'OFF'}; interface endpoints and RDS names need both: ` +
            'turn them on (VPC, Edit VPC settings)',
        ),
  );

  const known = new Map(subnets.map((s) => [s.SubnetId, s]));
  const missing = network.subnetIds.filter((id) => !known.has(id));
  const zones = [...new Set(network.subnetIds.flatMap((id) => known.get(id)?.AvailabilityZone ?? []))].sort();
  if (missing.length) {
    lines.push(fail('subnets', `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in ${vpcId}: check network.subnetIds`));
  } else if (zones.length < 2) {
    lines.push(
      warn(
        'subnets',
        `${network.subnetIds.length} subnet(s), all in ${zones[0]}: the functions stop when that zone does; add one in another zone`,
      ),
    );
  } else {
    lines.push(ok('subnets', `${network.subnetIds.length} subnet(s) in ${zones.length} Availability Zones (${zones.join(', ')})`));
  }

  if (groups) {
    const present = new Set(groups.map((g) => g.GroupId));
    const absent = network.securityGroupIds!.filter((id) => !present.has(id));
    lines.push(
      absent.length
        ? fail('security groups', `${absent.join(', ')} not in ${vpcId}: check network.securityGroupIds`)
        : ok('security groups', `${network.securityGroupIds!.join(', ')} in ${vpcId}`),
    );
  }

  if (network.routeTableIds) {
    const used = new Set(network.subnetIds.map((id) => tableOf(id, tables)?.RouteTableId));
    const stray = network.routeTableIds.filter((id) => !used.has(id));
    if (stray.length) {
      lines.push(
        warn(
          'route tables',
          `${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} not the route table of any configured subnet: ` +
            'the S3 endpoint on it does not serve the functions',
        ),
      );
    }
  }

  // What the functions inside call, and how each is reached.
  const needed = ['s3', ...endpointServicesFor(config)];
  const existing = new Set(
    endpoints
      .filter((e) => e.State === undefined || /available|pending/i.test(e.State))
      .map((e) => e.ServiceName?.split('.').slice(3).join('.')),
  );
  const egress = network.subnetIds.map((id) => ({ id, via: egressOf(tableOf(id, tables)) }));
  const without = egress.filter((e) => !e.via).map((e) => e.id);
  const unreached = needed.filter((service) => {
    if (existing.has(service)) return false;
    if (service === 's3' && network.routeTableIds) return false;
    if (service !== 's3' && network.interfaceEndpoints) return false;
    return without.length > 0;
  });
  const how = (service: string) =>
    existing.has(service)
      ? 'endpoint'
      : service === 's3' && network.routeTableIds
        ? 'gateway endpoint (stack)'
        : service !== 's3' && network.interfaceEndpoints
          ? 'endpoint (stack)'
          : 'NAT';
  if (unreached.length) {
    lines.push(
      fail(
        'egress',
        `subnet(s) ${without.join(', ')} have no NAT route and ${unreached.join(', ')} ${unreached.length > 1 ? 'have' : 'has'} ` +
          'no endpoint: the functions inside cannot reach them; add a NAT gateway route, or set network.interfaceEndpoints: true ' +
          '(and network.routeTableIds for S3)',
      ),
    );
  } else {
    const nat = egress.filter((e) => e.via).map((e) => `${e.id} via ${e.via}`);
    lines.push(ok('egress', `${needed.map((s) => `${s} by ${how(s)}`).join(', ')}${nat.length ? `; ${nat.join(', ')}` : ''}`));
  }
  return lines;
}
