import { Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { NetworkConfig } from '../../functions/core/config/schema.js';

/** The AWS APIs a function inside the VPC may call, each an interface endpoint when `interfaceEndpoints` is on. */
export type EndpointService = 'ssm' | 'secretsmanager' | 'sns' | 'ecr.api' | 'ecr.dkr' | 'logs';

export interface AutopilotNetworkProps {
  readonly network: NetworkConfig;
  /** Ports of the VPC databases: the created security group may reach these (and 443) only. */
  readonly databasePorts: readonly number[];
  /** The APIs the VPC functions and tasks call (interface endpoints are made for these only). */
  readonly services: readonly EndpointService[];
}

/**
 * The user's VPC, imported from ids alone (no lookups, so synth needs no credentials), and what
 * the suite adds to it:
 * - an egress-only security group for the functions, unless `securityGroupIds` are given;
 * - with `routeTableIds`, an S3 gateway endpoint (free) on those route tables;
 * - with `interfaceEndpoints`, one interface endpoint per API in `services`, in the given
 *   subnets, behind a security group that admits HTTPS from the functions only.
 */
export class AutopilotNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  readonly securityGroups: ec2.ISecurityGroup[];
  /** The security group made for the functions, when none was given. */
  readonly functionSecurityGroup?: ec2.SecurityGroup;
  readonly s3GatewayEndpoint?: ec2.CfnVPCEndpoint;
  readonly interfaceEndpoints: Readonly<Partial<Record<EndpointService, ec2.CfnVPCEndpoint>>>;

  constructor(scope: Construct, id: string, props: AutopilotNetworkProps) {
    super(scope, id);
    const { network } = props;
    const region = Stack.of(this).region;
    // Only the id is used: subnets are given explicitly, so no Availability Zone list is needed.
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: network.vpcId, availabilityZones: Fn.getAzs() });
    this.subnets = network.subnetIds.map((subnetId, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, subnetId));

    if (network.securityGroupIds) {
      this.securityGroups = network.securityGroupIds.map((sg, i) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, sg, { mutable: false }),
      );
    } else {
      const sg = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
        vpc: this.vpc,
        allowAllOutbound: false,
        description: 'ops-autopilot functions and tasks: no inbound; outbound HTTPS (AWS APIs) and the databases ports',
      });
      sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: S3, SNS, SSM, Secrets Manager (endpoints or NAT)');
      for (const port of [...new Set(props.databasePorts)].sort((a, b) => a - b)) {
        if (port !== 443) sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `PostgreSQL on ${port}`);
      }
      this.functionSecurityGroup = sg;
      this.securityGroups = [sg];
    }

    if (network.routeTableIds) {
      this.s3GatewayEndpoint = new ec2.CfnVPCEndpoint(this, 'S3GatewayEndpoint', {
        vpcId: network.vpcId,
        serviceName: `com.amazonaws.${region}.s3`,
        vpcEndpointType: 'Gateway',
        routeTableIds: [...network.routeTableIds],
      });
    }

    const endpoints: Partial<Record<EndpointService, ec2.CfnVPCEndpoint>> = {};
    if (network.interfaceEndpoints && props.services.length) {
      const endpointSg = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        allowAllOutbound: false,
        description: 'ops-autopilot interface endpoints: HTTPS from the ops-autopilot functions only',
      });
      for (const sg of this.securityGroups) {
        endpointSg.addIngressRule(ec2.Peer.securityGroupId(sg.securityGroupId), ec2.Port.tcp(443), 'HTTPS from the functions');
      }
      for (const service of [...new Set(props.services)].sort()) {
        endpoints[service] = new ec2.CfnVPCEndpoint(this, `${service.replace(/[^a-z]/g, '')}Endpoint`, {
          vpcId: network.vpcId,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: 'Interface',
          subnetIds: [...network.subnetIds],
          securityGroupIds: [endpointSg.securityGroupId],
          privateDnsEnabled: true,
        });
      }
    }
    this.interfaceEndpoints = endpoints;
  }

  /** The VPC settings of a function placed in this network. */
  functionPlacement(): Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
    return { vpc: this.vpc, vpcSubnets: { subnets: this.subnets }, securityGroups: this.securityGroups };
  }
}
