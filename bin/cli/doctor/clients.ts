import { ChatbotClient } from '@aws-sdk/client-chatbot';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SchemasClient } from '@aws-sdk/client-schemas';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { PATIENCE } from './patience.js';

/** The AWS clients the doctor reads through: one of each service, in one region. */
export interface DoctorClients {
  readonly sts: STSClient;
  readonly cloudFormation: CloudFormationClient;
  readonly ssm: SSMClient;
  readonly sns: SNSClient;
  readonly schemas: SchemasClient;
  readonly chatbot: ChatbotClient;
  readonly ec2: EC2Client;
  readonly rds: RDSClient;
  readonly secrets: SecretsManagerClient;
}

/** The regions the Chatbot API answers in; its configurations are global, so any of them lists every workspace. */
export const CHATBOT_API_REGIONS = ['us-east-2', 'us-west-2', 'ap-southeast-1', 'eu-west-1'];

/** Clients in the environment's region (AWS_REGION, the profile's), or `region` once it is known. */
export function createClients(region?: string): DoctorClients {
  const options = { ...PATIENCE, ...(region ? { region } : {}) };
  return {
    sts: new STSClient(options),
    cloudFormation: new CloudFormationClient(options),
    ssm: new SSMClient(options),
    sns: new SNSClient(options),
    schemas: new SchemasClient(options),
    chatbot: new ChatbotClient({
      ...PATIENCE,
      region: region && CHATBOT_API_REGIONS.includes(region) ? region : CHATBOT_API_REGIONS[0],
    }),
    ec2: new EC2Client(options),
    rds: new RDSClient(options),
    secrets: new SecretsManagerClient(options),
  };
}
