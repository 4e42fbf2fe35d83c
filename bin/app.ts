// The CDK app (`npx cdk synth`/`deploy`). Which config it deploys is decided first, from the context
// the CDK CLI passes in the environment, so a missing config is refused in one line before the CDK
// constructs load (seconds).
import { readFileSync } from 'node:fs';
import { chooseConfigFile, type ConfigFileChoice } from '../functions/core/config/config-file.js';
import { ConfigError } from '../functions/core/errors.js';

/**
 * A context value as the CDK CLI hands it to the app: `-c key=value` and cdk.json's context in
 * CDK_CONTEXT_JSON, or, when that would be too long for the environment, in the file named by
 * CONTEXT_OVERFLOW_LOCATION_ENV (what aws-cdk-lib's App reads too).
 */
function cliContext(key: string): unknown {
  try {
    const overflow = process.env.CONTEXT_OVERFLOW_LOCATION_ENV;
    const context = overflow ? JSON.parse(readFileSync(overflow, 'utf8')) : {};
    return { ...JSON.parse(process.env.CDK_CONTEXT_JSON || '{}'), ...context }[key];
  } catch {
    return undefined;
  }
}

function fail(lines: readonly string[]): never {
  process.stderr.write(lines.map((line) => `${line}\n`).join(''));
  process.exit(2);
}

let choice: ConfigFileChoice;
try {
  choice = chooseConfigFile({ given: cliContext('config'), option: '-c config=', env: process.env.AUTOPILOT_CONFIG });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail([`autopilot: ${error.message}`]);
}

const [{ App }, { createApp }, { loadConfigFile }] = await Promise.all([
  import('aws-cdk-lib'),
  import('../lib/ops-autopilot-app.js'),
  import('../functions/kinds/config.js'),
]);
const app = new App();
try {
  const config = await loadConfigFile(choice.path, { forDeployment: true });
  createApp({ app, config, env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail([`autopilot: invalid deployment config ${choice.path}`, ...error.issues.map((issue) => `  ${issue}`)]);
}
