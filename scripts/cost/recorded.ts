import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../functions/kinds/config.js';
import { estimateMonthlyCost } from './estimate.js';
import type { HealthMeasurement } from './measure.js';
import { FREE_TIER, PRICES } from './prices.js';
import { renderMarkdown } from './render.js';
import type { StackSettings } from './stack-settings.js';
import { buildCostInputs, DEFAULT_ASSUMPTIONS } from './workload.js';

/*
 * The figures behind the documented cost table (docs/operating.md), kept in the repository so `npm run docs` renders the
 * table again without measuring: the health job's measurement and the synthesized stack's settings of one
 * `npm run cost -- --record` run. Prices, assumptions and the example config are read from the code each time, so a
 * price or a config change shows in the table at once; a new measurement needs `npm run cost -- --record`.
 */

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Where the recorded figures live, relative to the project root. */
export const RECORDED_FILE = 'scripts/cost/recorded.json';

export interface RecordedFigures {
  /** What the figures are and where they came from. */
  readonly source: string;
  /** The config they were measured for, relative to the project root. */
  readonly config: string;
  /** The machine architecture the health job ran on. */
  readonly arch: string;
  readonly measurement: Omit<HealthMeasurement, 'options'> & { readonly options: Omit<HealthMeasurement['options'], 'log'> };
  /** Undefined when the stack could not be synthesized (the estimate then uses the stack's known defaults). */
  readonly stack: StackSettings | undefined;
}

export function readRecordedFigures(file = resolve(ROOT, RECORDED_FILE)): RecordedFigures {
  return JSON.parse(readFileSync(file, 'utf8')) as RecordedFigures;
}

export function writeRecordedFigures(figures: RecordedFigures, file = resolve(ROOT, RECORDED_FILE)): void {
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
}

/** The cost table and its Inputs list, from recorded figures: what `npm run cost` printed when it measured them. */
export async function renderRecordedCostTable(figures: RecordedFigures = readRecordedFigures()): Promise<string> {
  const config = await loadConfigFile(resolve(ROOT, figures.config));
  const health = { ...figures.measurement, arch: figures.arch };
  const { inputs, notes } = buildCostInputs({
    config,
    health,
    stack: figures.stack,
    assumptions: DEFAULT_ASSUMPTIONS,
    prices: PRICES,
    freeTier: FREE_TIER,
  });
  return renderMarkdown(estimateMonthlyCost(inputs), inputs, notes, PRICES);
}
