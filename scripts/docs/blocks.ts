import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { CHANNELS } from '../../functions/core/delivery/registry.js';
import { JOB_REGISTRY, JOBS } from '../../functions/core/jobs.js';
import type { KindDefinition, MatrixRow } from '../../functions/core/kinds/contract.js';
import { CLI_ENV, CLI_ENV_DESCRIPTIONS, ENV, ENV_DESCRIPTIONS } from '../../functions/core/layout.js';
import { isProbed } from '../../functions/core/kinds/catalog.js';
import { KINDS, PROBED_KINDS } from '../../functions/kinds/catalog.js';
import { backupSchema, networkSchema, serversSchema } from '../../functions/core/config/schema.js';
import { configSchema } from '../../functions/kinds/config.js';
import { renderRecordedCostTable } from '../cost/recorded.js';
import { configKeys } from './config-keys.js';

/*
 * The generated blocks of the docs, by name: each restates a registry or module of the code, so each is rendered from it.
 * Kinds bring their own blocks (`matrix-<kind>`, and `config-<kind>` for a probed kind), so a new kind's page can show
 * its rows and keys without a line here. `cost` is the cost table of `npm run cost`, from its recorded figures.
 */

export interface RenderContext {
  /** The project root. */
  readonly root: string;
  /** The Markdown file the block stands in, relative to the root: links in the block are relative to it. */
  readonly file: string;
}

type Renderer = (context: RenderContext) => string;

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => `\`${text}\``;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join(
    '\n',
  );
}

/** A link from the block's file to `target` (relative to the root), or plain text when the target does not exist. */
function linkTo(context: RenderContext, target: string, text: string): string {
  if (!existsSync(join(context.root, target))) return text;
  return `[${text}](${relative(dirname(context.file), target) || '.'})`;
}

const level = (severity: string | undefined): string => severity ?? '-';

function matrixRows(kinds: readonly KindDefinition[]): string[][] {
  return kinds.flatMap((kind) =>
    Object.entries<MatrixRow>(kind.matrix).map(([rule, row]) => [
      code(`${kind.name}.${rule}`),
      row.description,
      level(row.warning),
      level(row.critical),
    ]),
  );
}

function matrixTable(kinds: readonly KindDefinition[]): string {
  return table(['rule', 'judges', 'warning level', 'critical level'], matrixRows(kinds));
}

function keysTable(rows: ReturnType<typeof configKeys>): string {
  return table(
    ['key', 'type', 'default', 'meaning'],
    rows.map((r) => [code(r.path), r.type, r.default ? code(r.default) : '', r.description]),
  );
}

const kindsTable: Renderer = (context) =>
  table(
    ['kind', 'configured as', 'label', 'matrix rules'],
    KINDS.map((kind) => [
      linkTo(context, `docs/kinds/${kind.name}.md`, code(kind.name)),
      isProbed(kind) ? code(`targets.<target>.${kind.configKey}[]`) : 'reported by a job',
      isProbed(kind) ? kind.label : '',
      Object.keys(kind.matrix)
        .map((rule) => code(rule))
        .join(', '),
    ]),
  );

const envTable: Renderer = () =>
  table(
    ['variable', 'set by', 'holds'],
    [
      ...Object.entries(ENV).map(([key, name]) => [code(name), 'the stack, on the functions', ENV_DESCRIPTIONS[key as keyof typeof ENV]]),
      ...Object.entries(CLI_ENV)
        .filter(([key]) => key !== 'bucket')
        .map(([key, name]) => [code(name), 'you, for the CLI or CDK app', CLI_ENV_DESCRIPTIONS[key as keyof typeof CLI_ENV]]),
      [code(CLI_ENV.bucket), 'you, for the CLI', CLI_ENV_DESCRIPTIONS.bucket],
    ],
  );

const jobsTable: Renderer = (context) =>
  table(
    ['job', 'one run', 'keeps alert state', 'handler'],
    JOBS.map((job) => {
      const entry = JOB_REGISTRY[job];
      return [code(job), entry.summary, entry.alerting ? 'yes' : 'no', linkTo(context, entry.handlerFile, code(entry.handlerFile))];
    }),
  );

/** `always` when even a config without subscribers switches the channel on, else when its `deployedFor` says so. */
function deployedWhen(channel: (typeof CHANNELS)[number]): string {
  if (!channel.fromEnvironment || !channel.deployedFor) return 'no';
  return channel.deployedFor({ subscribers: {} }) ? 'always' : 'when the config calls for it';
}

const channelsTable: Renderer = (context) =>
  table(
    ['channel', 'delivers', 'deployed', '`--local`', 'module'],
    CHANNELS.map((channel) => {
      const folder = `functions/core/delivery/channels/${channel.name}/`;
      return [
        code(channel.name),
        channel.description,
        deployedWhen(channel),
        channel.local ? 'yes' : 'no',
        linkTo(context, folder, code(folder)),
      ];
    }),
  );

/** Every block name and how it is rendered. The cost table is rendered once here, from the recorded figures. */
export async function loadRenderers(): Promise<ReadonlyMap<string, Renderer>> {
  const cost = await renderRecordedCostTable();
  const renderers = new Map<string, Renderer>([
    ['kinds', kindsTable],
    ['matrix', () => matrixTable(KINDS)],
    ['config-keys', () => keysTable(configKeys(configSchema))],
    // Parts of the config that are no kind's, for the pages about them.
    ['backup-keys', () => keysTable(configKeys(backupSchema))],
    ['servers-keys', () => keysTable(configKeys(serversSchema))],
    ['network-keys', () => keysTable(configKeys(networkSchema))],
    ['env', envTable],
    ['jobs', jobsTable],
    ['channels', channelsTable],
    ['cost', () => cost],
  ]);
  for (const kind of KINDS) renderers.set(`matrix-${kind.name}`, () => matrixTable([kind]));
  for (const kind of PROBED_KINDS) renderers.set(`config-${kind.name}`, () => keysTable(configKeys(kind.schema)));
  return renderers;
}
