/**
 * What the suite costs a month for a config (default: the example of the five runbook systems),
 * next to CloudWatch Synthetics canaries and Route 53 health checks doing the same probes.
 *
 * The health job's duration, S3 requests and memory are measured in this run (the real job against
 * loopback servers with realistic latency); memory settings and counts come from the synthesized
 * stack; the rest is assumed and printed as such.
 *
 *   npm run cost [-- --json] [-- --config ops.config.ts --runs 30 --latency-ms 80 --rtt-ms 20 --db-size-gb 1 --backup-seconds 60]
 *   npm run cost -- --record     also keeps the figures (scripts/cost/recorded.json) and regenerates the docs' cost table
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { healthIntervals } from '../lib/health/health-plan.js';
import { estimateMonthlyCost } from './cost/estimate.js';
import { measureHealthJob } from './cost/measure.js';
import { describePrices, FREE_TIER, PRICE_DATE, PRICE_REGION, PRICES } from './cost/prices.js';
import { RECORDED_FILE, writeRecordedFigures } from './cost/recorded.js';
import { renderMarkdown } from './cost/render.js';
import { synthesizeStackSettings, type StackSettings } from './cost/stack-settings.js';
import { buildCostInputs, DEFAULT_ASSUMPTIONS } from './cost/workload.js';
import { loadConfigFile } from '../functions/kinds/config.js';
import { PROJECT_ROOT, runDocs } from './docs/generate.js';

export { estimateMonthlyCost, runsPerMonth, coldStartsPerMonth, gbSeconds, DAYS_PER_MONTH } from './cost/estimate.js';
export type {
  CostInputs,
  CostEstimate,
  CostRow,
  Cell,
  FunctionUsage,
  TopicUsage,
  Canary,
  Route53Check,
  ColumnTotals,
} from './cost/estimate.js';
export { PRICES, FREE_TIER } from './cost/prices.js';

const USAGE = `usage: npm run cost -- [--json] [--config <file>] [--runs <n>] [--warmup <n>] [--latency-ms <ms>] [--rtt-ms <ms>]
                         [--db-size-gb <GB>] [--backup-seconds <s>] [--no-stack]
  --config          config to price (default examples/runbooks.config.ts)
  --runs            measured health runs per schedule interval (default 30), after --warmup runs (default 3)
  --latency-ms      how long each loopback server takes to answer (default 80)
  --rtt-ms          network round trip added to every connection (default 20)
  --db-size-gb      compressed size of one backup (default ${DEFAULT_ASSUMPTIONS.backupSizeGb})
  --backup-seconds  duration of one backup (default ${DEFAULT_ASSUMPTIONS.backupSeconds})
  --no-stack        do not synthesize the stack; use its known defaults
  --json            one JSON document on stdout instead of Markdown
  --record          keep this run's figures in ${RECORDED_FILE} (the example config only) and regenerate the docs'
                    cost table from them (npm run docs renders it from that file without measuring)`;

/** The config the documented cost table prices. */
const DEFAULT_CONFIG = 'examples/runbooks.config.ts';

function numberFlag(value: string | undefined, name: string, fallback: number, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new Error(`--${name}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${value}"`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      config: { type: 'string', default: DEFAULT_CONFIG },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      'latency-ms': { type: 'string' },
      'rtt-ms': { type: 'string' },
      'db-size-gb': { type: 'string' },
      'backup-seconds': { type: 'string' },
      'no-stack': { type: 'boolean', default: false },
      record: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = (line: string): boolean => process.stderr.write(`cost: ${line}\n`);
  const assumptions = {
    ...DEFAULT_ASSUMPTIONS,
    backupSizeGb: numberFlag(values['db-size-gb'], 'db-size-gb', DEFAULT_ASSUMPTIONS.backupSizeGb, 0.001, 100_000),
    backupSeconds: numberFlag(values['backup-seconds'], 'backup-seconds', DEFAULT_ASSUMPTIONS.backupSeconds, 1, 900),
  };
  const measureOptions = {
    runs: numberFlag(values.runs, 'runs', 30, 1, 1000, true),
    warmup: numberFlag(values.warmup, 'warmup', 3, 0, 100, true),
    serverLatencyMs: numberFlag(values['latency-ms'], 'latency-ms', 80, 0, 10_000),
    roundTripMs: numberFlag(values['rtt-ms'], 'rtt-ms', 20, 0, 1000),
    log,
  };

  if (values.record && values.config !== DEFAULT_CONFIG)
    throw new Error(`--record: the docs price ${DEFAULT_CONFIG}, not ${values.config}`);
  const config = await loadConfigFile(values.config);
  const intervals = healthIntervals(config);

  let stack: StackSettings | undefined;
  if (!values['no-stack']) {
    log('synthesizing the stack (no bundling) for its memory settings and counts');
    try {
      stack = await synthesizeStackSettings(config);
    } catch (error) {
      log(`stack not synthesized, using its known defaults: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  const health = await measureHealthJob(config, intervals, measureOptions);
  const { inputs, notes } = buildCostInputs({ config, health, stack, assumptions, prices: PRICES, freeTier: FREE_TIER });
  const estimate = estimateMonthlyCost(inputs);

  if (values.json) {
    const document = {
      generatedAt: new Date().toISOString(),
      config: values.config,
      prices: { region: PRICE_REGION, date: PRICE_DATE, values: PRICES, freeTier: FREE_TIER, notes: describePrices(PRICES) },
      estimate,
      notes,
      inputs,
      measurement: health,
    };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const markdown = renderMarkdown(estimate, inputs, notes, PRICES);
  process.stdout.write(`${markdown}\n`);
  if (values.record) {
    const { log: _log, ...options } = health.options;
    writeRecordedFigures({
      source: `npm run cost -- --record of ${new Date().toISOString().slice(0, 10)}: the run's own samples`,
      config: DEFAULT_CONFIG,
      arch: health.arch ?? process.arch,
      measurement: { ...health, options },
      stack,
    });
    const { changed } = await runDocs(PROJECT_ROOT, { check: false });
    log(`kept the figures in ${RECORDED_FILE}; regenerated ${changed.join(', ') || 'no doc (the table was already current)'}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`cost: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof Error && error.name === 'ConfigError') process.exit(2);
    process.exit(1);
  });
}
