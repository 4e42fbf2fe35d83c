import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import privateDatabases from '../fixtures/private-databases.config.js';
import type { OpsAutopilotStack } from '../../../lib/ops-autopilot-stack.js';
import { createTestCa, type TestCa } from '../../support/test-ca.js';
import { scratch, synthesizeApp } from '../support/cdk-app.js';
import type { ConfigInput } from '../../../functions/kinds/config.js';
import { validateConfig } from '../../../functions/kinds/config.js';
import { imageArchitecture } from '../../../lib/lambda/image-architecture.js';

/** The architecture the images default to on this machine. */
const HOST = imageArchitecture(undefined);

const ACCOUNT = '123456789012';
const REGION = 'ap-northeast-1';
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** Every file under a directory (the code assets: zip bundles and the backup image's build context). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The fixture plus a database verified against a private CA (a file the test makes). */
function privateDatabasesConfig(caFile: string): ConfigInput {
  const config = structuredClone(privateDatabases) as ConfigInput;
  config.targets.shop!.postgres!.splice(2, 0, {
    name: 'private-ca',
    host: 'db.internal.example',
    database: 'ledger',
    user: 'ledger',
    passwordParameter: '/shop/ledger',
    ssl: { mode: 'verify-full', ca: caFile },
  });
  return config;
}

describe('a stack for private databases (network, secret, iamAuth, private CA)', () => {
  const dirs = scratch();
  let ca: TestCa;
  let stack: OpsAutopilotStack;
  let template: Template;
  let resources: Resources;
  let assemblyDir: string;

  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const roleStatements = (fnId: string): any[] => {
    const roleRef = resources[fnId]!.Properties.Role['Fn::GetAtt'][0];
    return byType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };
  const fnId = (prefix: string) => {
    const found = byType('AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
    expect(
      found.map(([id]) => id),
      prefix,
    ).toHaveLength(1);
    return found[0]![0];
  };

  beforeAll(() => {
    ca = createTestCa('ledger private CA');
    const config = validateConfig(privateDatabasesConfig(ca.certFile), { forDeployment: true });
    // Throws on any unacknowledged cdk-nag finding.
    ({ stack, template, resources, assemblyDir } = synthesizeApp(config, dirs));
    // Every function bundled and three backup images staged: minutes on a loaded 2-core machine.
  }, 300_000);
  afterAll(() => {
    dirs.cleanup();
    ca?.remove();
  });

  it('puts VpcConfig on the VPC database functions only: the VPC health function and the VPC backup function', () => {
    const withVpc = byType('AWS::Lambda::Function')
      .filter(([, r]) => r.Properties.VpcConfig)
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(withVpc.sort()).toEqual(['BackupVpcFunction', 'VpcHealthFunction']);
    // Two backup functions: the public database is dumped from outside the VPC (no NAT needed), the VPC one from inside.
    const backups = byType('AWS::Lambda::Function').filter(([, r]) => r.Properties.PackageType === 'Image');
    expect(backups.map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), r.Properties.VpcConfig !== undefined]).sort()).toEqual([
      ['BackupFunction', false],
      ['BackupVpcFunction', true],
    ]);
    expect(resources[fnId('BackupVpcFunction')]!.Properties.VpcConfig).toEqual(resources[fnId('VpcHealthFunction')]!.Properties.VpcConfig);
    const vpcConfig = resources[fnId('VpcHealthFunction')]!.Properties.VpcConfig;
    expect(vpcConfig.SubnetIds).toEqual(['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788']);
    expect(vpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^NetworkFunctionSecurityGroup/), 'GroupId'] }]);
    // The HTTP probes (and the public database) stay outside: public URLs need no NAT.
    expect(resources[fnId('HealthFunction')]!.Properties.VpcConfig).toBeUndefined();
  });

  it('gives the VPC health function the health async policy: no replay, and a run Lambda gives up on goes to the dead letters', () => {
    const configs = byType('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    // Every scheduled function; the status page function is only called synchronously, through its URL.
    const functions = byType('AWS::Lambda::Function')
      .map(([id]) => id)
      .filter((id) => !id.startsWith('StatusPageFunction'));
    expect(configs.map((c) => c.FunctionName.Ref).sort()).toEqual(functions.sort());
    const dlq = byType('AWS::SQS::Queue').find(([id]) => id.startsWith('ScheduleDeadLetters'))![0];
    for (const fn of ['HealthFunction', 'VpcHealthFunction']) {
      const config = configs.find((c) => c.FunctionName.Ref === fnId(fn))!;
      expect(config, fn).toMatchObject({
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
      });
    }
    // Both backup functions: one more try for a crashed run, then the dead letters.
    for (const fn of ['BackupFunction', 'BackupVpcFunction']) {
      const config = configs.find((c) => c.FunctionName.Ref === fnId(fn))!;
      expect(config, fn).toMatchObject({
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
      });
    }
  });

  it('splits the checks: the outside health config has the HTTP check and the public database, the VPC one the private databases', () => {
    const entries = join(dirs.entriesDir);
    const outside = JSON.parse(readFileSync(join(entries, 'health.config.json'), 'utf8'));
    const inside = JSON.parse(readFileSync(join(entries, 'health-vpc.config.json'), 'utf8'));
    expect(outside.targets.shop.health.map((h: any) => h.name)).toEqual(['api']);
    expect(outside.targets.shop.postgres.map((p: any) => p.name)).toEqual(['public']);
    expect(inside.targets.shop.health).toBeUndefined();
    expect(inside.targets.shop.postgres.map((p: any) => p.name)).toEqual(['main', 'iam', 'private-ca', 'iam-exact', 'warehouse']);
  });

  it('makes an egress-only security group: HTTPS and the database port, no ingress', () => {
    const [[, sg]] = byType('AWS::EC2::SecurityGroup').filter(([id]) => id.startsWith('NetworkFunctionSecurityGroup')) as any;
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    expect(sg.Properties.SecurityGroupEgress.map((e: any) => [e.IpProtocol, e.FromPort, e.ToPort, e.CidrIp])).toEqual([
      ['tcp', 443, 443, '0.0.0.0/0'],
      ['tcp', 5432, 5432, '0.0.0.0/0'],
    ]);
    // The interface endpoints admit HTTPS from that group only.
    const [[, endpointSg]] = byType('AWS::EC2::SecurityGroup').filter(([id]) => id.startsWith('NetworkEndpointSecurityGroup')) as any;
    expect(endpointSg.Properties.SecurityGroupIngress.map((r: any) => [r.IpProtocol, r.FromPort, r.SourceSecurityGroupId])).toEqual([
      ['tcp', 443, { 'Fn::GetAtt': [expect.stringMatching(/^NetworkFunctionSecurityGroup/), 'GroupId'] }],
    ]);
  });

  it('adds the S3 gateway endpoint on the route tables and the interface endpoints the VPC functions call', () => {
    const endpoints = byType('AWS::EC2::VPCEndpoint').map(([, r]) => r.Properties);
    const s3 = endpoints.filter((e) => e.VpcEndpointType === 'Gateway');
    expect(s3).toEqual([
      {
        VpcId: 'vpc-0a1b2c3d4e5f60718',
        ServiceName: `com.amazonaws.${REGION}.s3`,
        VpcEndpointType: 'Gateway',
        RouteTableIds: ['rtb-0a1b2c3d4e5f60718'],
      },
    ]);
    const interfaces = endpoints.filter((e) => e.VpcEndpointType === 'Interface');
    expect(interfaces.map((e) => e.ServiceName).sort()).toEqual(
      // ECR and Logs for the Fargate task's image pull and log driver.
      ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'sns', 'ssm'].map((s) => `com.amazonaws.${REGION}.${s}`),
    );
    for (const e of interfaces)
      expect(e).toMatchObject({ PrivateDnsEnabled: true, SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'] });
  });

  it('scopes secretsmanager:GetSecretValue and rds-db:connect to exactly the named secret and user', () => {
    const vpcStatements = roleStatements(fnId('VpcHealthFunction'));
    const secretReads = vpcStatements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    // The link key signs the status page link of each notice it publishes; the databases' secrets, named.
    expect(secretReads.map((s) => s.Resource)).toEqual([
      { Ref: expect.stringMatching(/^StatusPageLinkKey/) },
      [
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-0123abcd-??????`,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:warehouse/dumper-??????`,
      ],
    ]);
    const connects = vpcStatements.filter((s) => [s.Action].flat().includes('rds-db:connect'));
    // With iamAuth.resourceId, exactly that instance's user; without, the user on any instance (acknowledged for cdk-nag).
    expect(connects.map((s) => s.Resource)).toEqual([
      [
        `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:*/autopilot_iam`,
        `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1/autopilot_ro`,
      ],
    ]);
    const parameters = vpcStatements.filter((s) => [s.Action].flat().includes('ssm:GetParameter'));
    expect(parameters.map((s) => s.Resource)).toEqual([`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/shop/ledger`]);

    // The outside function reads the header's secret, the link key and the public database's parameter, nothing else.
    const outside = roleStatements(fnId('HealthFunction'));
    expect(outside.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).map((s) => s.Resource)).toEqual([
      { Ref: expect.stringMatching(/^StatusPageLinkKey/) },
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shop/api-token-??????`,
    ]);
    expect(outside.filter((s) => [s.Action].flat().includes('ssm:GetParameter')).map((s) => s.Resource)).toEqual([
      `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/shop/blog`,
    ]);
    expect(outside.some((s) => [s.Action].flat().includes('rds-db:connect'))).toBe(false);

    // The VPC backup function dumps "main" only (and signs its notices' status link); the outside one "public" only.
    const backup = roleStatements(fnId('BackupVpcFunction'));
    expect(backup.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).map((s) => s.Resource)).toEqual([
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-0123abcd-??????`,
      { Ref: expect.stringMatching(/^StatusPageLinkKey/) },
    ]);
    expect(backup.some((s) => [s.Action].flat().some((a: string) => a === 'rds-db:connect' || a === 'ssm:GetParameter'))).toBe(false);
    expect(backup.some((s) => [s.Action].flat().includes('ec2:CreateNetworkInterface'))).toBe(true);
    const outsideBackup = roleStatements(fnId('BackupFunction'));
    expect(outsideBackup.filter((s) => [s.Action].flat().includes('ssm:GetParameter')).map((s) => s.Resource)).toEqual([
      `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/shop/blog`,
    ]);
    // The link key (status page links in its notices) is every alert publisher's; no database credential besides.
    const linkKey = (s: { Resource: unknown }) => JSON.stringify(s.Resource).startsWith('{"Ref":"StatusPageLinkKey');
    expect(
      outsideBackup.some(
        (s) =>
          !linkKey(s) && [s.Action].flat().some((a: string) => /^(secretsmanager|rds-db):/.test(a) || a === 'ec2:CreateNetworkInterface'),
      ),
    ).toBe(false);
    // Both write backups/ and state/ of the bucket, and publish alerts.
    for (const fn of ['BackupFunction', 'BackupVpcFunction']) {
      const actions = roleStatements(fnId(fn)).flatMap((s) => [s.Action].flat());
      expect(actions, fn).toEqual(expect.arrayContaining(['s3:PutObject', 'sns:Publish']));
    }

    // Every secretsmanager/rds-db statement of the template, whatever the role.
    const all = byType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const scoped = all.filter((s) => !linkKey(s) && [s.Action].flat().some((a: string) => /^(secretsmanager|rds-db):/.test(a)));
    expect(scoped.flatMap((s) => [s.Resource].flat()).sort()).toEqual(
      [
        `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:*/autopilot_iam`,
        `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1/autopilot_ro`,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-0123abcd-??????`,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-0123abcd-??????`,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shop/api-token-??????`,
        // the VPC health function (with main's), and the warehouse task's role alone
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:warehouse/dumper-??????`,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:warehouse/dumper-??????`,
      ].sort(),
    );
  });

  it('runs the Fargate backup from an image of the same Dockerfile with its own database only, with the task entry point', () => {
    const [[, taskDef], ...more] = byType('AWS::ECS::TaskDefinition') as any;
    expect(more).toHaveLength(0);
    const [container] = taskDef.Properties.ContainerDefinitions;
    expect(JSON.stringify(container.Image)).toMatch(/cdk-hnb659fds-container-assets/);
    // Each runner's image carries only its own databases' backups.
    const backedUp = (name: string) => {
      const config = JSON.parse(readFileSync(join(dirs.entriesDir, 'images', name, 'config.json'), 'utf8'));
      return (config.targets.shop.postgres as Array<{ name: string; backup?: unknown }>).filter((p) => p.backup).map((p) => p.name);
    };
    expect(backedUp('backup')).toEqual(['public']);
    expect(backedUp('backup-vpc')).toEqual(['main']);
    expect(backedUp('backup-fargate')).toEqual(['warehouse']);
    expect(container).toMatchObject({
      Name: 'backup',
      EntryPoint: ['/var/lang/bin/node'],
      Command: ['/var/task/task.mjs'],
      Essential: true,
      LogConfiguration: { LogDriver: 'awslogs' },
    });
    const env = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
    expect(env).toMatchObject({ AUTOPILOT_TARGET: 'shop', AUTOPILOT_DATABASE: 'warehouse', AUTOPILOT_TASK_TIMEOUT: '6h' });
    expect(taskDef.Properties).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      RuntimePlatform: { CpuArchitecture: HOST.name === 'arm64' ? 'ARM64' : 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    // Its own role: the warehouse secret only, no other database's credentials.
    const taskRoleId = taskDef.Properties.TaskRoleArn['Fn::GetAtt'][0];
    const taskStatements = byType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === taskRoleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const credentialResources = taskStatements
      .filter((s: any) => [s.Action].flat().some((a: string) => /^(secretsmanager|ssm|rds-db):/.test(a)))
      .flatMap((s: any) => [s.Resource].flat());
    // Its own database's secret, and the link key for the status page link in the notices it publishes.
    expect(credentialResources).toEqual([
      { Ref: expect.stringMatching(/^StatusPageLinkKey/) },
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:warehouse/dumper-??????`,
    ]);
    expect(resources[taskRoleId]!.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'ecs-tasks.amazonaws.com',
    });
  });

  it("starts the task from the database's Scheduler schedule (ECS RunTask target, private subnets, no public IP)", () => {
    const ecsSchedules = byType('AWS::Scheduler::Schedule').filter(([, r]) => r.Properties.Target.EcsParameters);
    expect(ecsSchedules).toHaveLength(1);
    const [[, schedule]] = ecsSchedules as any;
    expect(schedule.Properties).toMatchObject({ ScheduleExpression: 'cron(30 3 * * ? *)', ScheduleExpressionTimezone: 'UTC' });
    const target = schedule.Properties.Target;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FargateBackupCluster/), 'Arn'] });
    expect(target.EcsParameters).toMatchObject({
      TaskDefinitionArn: { Ref: expect.stringMatching(/^FargateBackupShopWarehouseTask/) },
      LaunchType: 'FARGATE',
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'],
          SecurityGroups: [{ 'Fn::GetAtt': [expect.stringMatching(/^NetworkFunctionSecurityGroup/), 'GroupId'] }],
        },
      },
    });
    expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ScheduleDeadLetters/), 'Arn'] });
    // The Lambda schedules do not also back the warehouse up.
    const lambdaInputs = byType('AWS::Scheduler::Schedule')
      .filter(([, r]) => !r.Properties.Target.EcsParameters)
      .map(([, r]) => r.Properties.Target.Input as string);
    expect(lambdaInputs.filter((i) => i?.includes('warehouse'))).toEqual([]);
  });

  it('sends a task that stops non-zero, or never starts, to the critical topic', () => {
    const rules = byType('AWS::Events::Rule').map(([, r]) => r.Properties);
    const critical = { Ref: expect.stringMatching(/^AlertsCritical/) };
    const patterns = rules.map((r) => r.EventPattern);
    expect(patterns).toEqual(
      expect.arrayContaining([
        {
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: {
            clusterArn: [{ 'Fn::GetAtt': [expect.stringMatching(/^FargateBackupCluster/), 'Arn'] }],
            lastStatus: ['STOPPED'],
            containers: { exitCode: [{ 'anything-but': 0 }] },
          },
        },
        {
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: {
            clusterArn: [{ 'Fn::GetAtt': [expect.stringMatching(/^FargateBackupCluster/), 'Arn'] }],
            lastStatus: ['STOPPED'],
            stopCode: ['TaskFailedToStart'],
          },
        },
      ]),
    );
    const taskRules = rules.filter((r) => r.EventPattern?.source?.[0] === 'aws.ecs');
    expect(taskRules).toHaveLength(2);
    for (const rule of taskRules)
      expect(rule.Targets).toEqual([expect.objectContaining({ Arn: critical, InputTransformer: expect.anything() })]);
    // EventBridge may use the topics' key.
    const [[, key]] = byType('AWS::KMS::Key') as any;
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    );
  });

  it('lets the schedule role run exactly that task definition and pass exactly its roles', () => {
    const scheduleRoleStatements = byType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => /^ScheduleRole/.test(r.Ref)))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const runTask = scheduleRoleStatements.filter((s: any) => [s.Action].flat().includes('ecs:RunTask'));
    expect(runTask.flatMap((s: any) => [s.Resource].flat())).toEqual([{ Ref: expect.stringMatching(/^FargateBackupShopWarehouseTask/) }]);
    const pass = scheduleRoleStatements.filter((s: any) => [s.Action].flat().includes('iam:PassRole'));
    expect(
      pass
        .flatMap((s: any) => [s.Resource].flat())
        .map((r: any) => r['Fn::GetAtt'][0])
        .sort(),
    ).toEqual(
      [
        expect.stringMatching(/^FargateBackupShopWarehouseTaskExecutionRole/),
        expect.stringMatching(/^FargateBackupShopWarehouseTaskRole/),
      ].sort(),
    );
  });

  it('builds every backup image for the architecture its function or task runs on (the deploying machine by default)', () => {
    const images = Object.values(
      JSON.parse(readFileSync(join(assemblyDir, 'OpsAutopilot.assets.json'), 'utf8')).dockerImages as Record<string, any>,
    ).map((d) => d.source);
    expect(images).toHaveLength(3);
    for (const image of images) {
      expect(image).toMatchObject({ platform: HOST.platform.platform, dockerBuildArgs: { IMAGE_ARCH: HOST.name } });
    }
    for (const fn of ['BackupFunction', 'BackupVpcFunction']) expect(resources[fnId(fn)]!.Properties.Architectures).toEqual([HOST.name]);
  });

  it('gives every EventBridge statement its conditions: the task-failure rules by ARN, the key to this account topics', () => {
    const rules = byType('AWS::Events::Rule').map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    expect(rules).toHaveLength(2);
    const fromRules = { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnEquals: { 'aws:SourceArn': rules } };
    const eventsStatements = Object.entries(resources).flatMap(([id, r]) => {
      const document = r.Properties?.PolicyDocument ?? r.Properties?.KeyPolicy;
      return ((document?.Statement ?? []) as any[]).filter((st) => st.Principal?.Service === 'events.amazonaws.com').map((st) => [id, st]);
    });
    expect(eventsStatements.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(
      ['AlertsCriticalPolicy', 'AlertsDeliveryDeadLettersPolicy', 'AlertsKey'].sort(),
    );
    for (const [id, st] of eventsStatements) {
      if (id.startsWith('AlertsKey')) {
        expect(st.Condition).toEqual({
          StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${REGION}:${ACCOUNT}:*` },
        });
      } else expect(st.Condition, id).toEqual(fromRules);
    }
    // The rules retry, then keep what they could not publish in the delivery dead-letter queue.
    const dlq = byType('AWS::SQS::Queue').find(([id]) => id.startsWith('AlertsDeliveryDeadLetters'))![0];
    for (const [, rule] of byType('AWS::Events::Rule')) {
      expect(rule.Properties.Targets[0]).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 21_600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      });
    }
  });

  it('makes every schedule, the Fargate one too, wait for the schedule role policy', () => {
    const policy = byType('AWS::IAM::Policy').find(([id]) => id.startsWith('ScheduleRoleDefaultPolicy'))![0];
    const schedules = byType('AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThanOrEqual(5);
    for (const [id] of schedules) expect((resources[id] as any).DependsOn, id).toContain(policy);
  });

  it('runs every function on nodejs24.x', () => {
    const runtimes = byType('AWS::Lambda::Function')
      .filter(([, r]) => r.Properties.Runtime !== undefined)
      .map(([, r]) => r.Properties.Runtime);
    expect(runtimes.length).toBeGreaterThan(0);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs24.x']));
  });

  it('embeds the private CA in the VPC function config as PEM text, not a path', () => {
    const inside = JSON.parse(readFileSync(join(dirs.entriesDir, 'health-vpc.config.json'), 'utf8'));
    const ssl = inside.targets.shop.postgres.find((p: any) => p.name === 'private-ca').ssl;
    expect(ssl.mode).toBe('verify-full');
    expect(ssl.ca).toBe(`${ca.cert.trim()}\n`);
  });

  it('leaves no secret-looking value in any code asset (bundles and the image context)', () => {
    const files = filesUnder(assemblyDir).filter((f) => /asset\./.test(f) && /\.(m?js|json|map)$/.test(f));
    expect(files.length).toBeGreaterThan(3);
    const secretLooking = [
      /\bBearer\s+[A-Za-z0-9._~+/-]{8,}/,
      /\bBasic\s+[A-Za-z0-9+/]{12,}={0,2}/,
      /[a-z][a-z0-9+.-]*:\/\/[^/\s:@"'`]+:[^/\s@"'`]{3,}@[a-z0-9]/i,
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bAKIA[0-9A-Z]{16}\b/,
    ];
    // Control: the patterns catch what the synth refuses to bundle.
    for (const leaked of ['Authorization: "Bearer sk_live_4f9a8b7c"', 'https://bob:hunter2@shop.example/health', 'Basic Ym9iOmh1bnRlcjI='])
      expect(
        secretLooking.some((p) => p.test(leaked)),
        leaked,
      ).toBe(true);
    const hits: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of secretLooking) {
        const m = pattern.exec(text);
        if (m) hits.push(`${file.slice(assemblyDir.length)}: ${m[0].slice(0, 40)}`);
      }
    }
    expect(hits).toEqual([]);
    // The references are there, by name.
    const configs = files.filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(f, 'utf8'));
    expect(configs.some((t) => t.includes('shop/api-token'))).toBe(true);
  });

  it('keeps the stack offline: nothing looked up, no context needed', () => {
    expect(stack.network).toBeDefined();
    expect(JSON.stringify(template.toJSON())).not.toMatch(/dummy|vpc-12345/);
  });
});
