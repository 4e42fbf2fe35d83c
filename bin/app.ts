import { App } from 'aws-cdk-lib';
import { ConfigError } from '../functions/core/errors.js';
import { configFileFor, createApp } from '../lib/ops-autopilot-app.js';
import { loadConfigFile } from '../functions/kinds/config.js';

const app = new App();
const file = configFileFor({ context: app.node.tryGetContext('config'), env: process.env.AUTOPILOT_CONFIG });

try {
  const config = await loadConfigFile(file, { forDeployment: true });
  createApp({ app, config, env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`autopilot: invalid deployment config ${file}\n${error.issues.map((issue) => `  ${issue}\n`).join('')}`);
  process.exit(2);
}
