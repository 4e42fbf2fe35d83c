import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledgeWildcards } from '../nag/wildcards.js';

/**
 * What Lambda needs to attach a function to the VPC (the statements of the managed
 * AWSLambdaVPCAccessExecutionRole, inline so the role keeps no managed policies). The EC2
 * network-interface actions take no resource-level permissions that Lambda can work with.
 */
export function allowNetworkInterfaces(role: iam.IRole): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'VpcNetworkInterfaces',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
  acknowledgeWildcards(role as unknown as IConstruct, [
    {
      resource: '*',
      reason:
        'Lambda creates and deletes the VPC network interfaces of the function with these EC2 actions (as ' +
        'AWSLambdaVPCAccessExecutionRole grants them); they take no resource scoping Lambda can use.',
    },
  ]);
}
