import { ConfigError } from '../../functions/core/errors.js';

/*
 * The command-line grammar, generic: each command declares its operand and its flags once (bin/cli/commands.ts), and
 * the parser, the usage lines, each command's --help and the usage errors all derive from that declaration. A flag a
 * command does not declare is an error naming it, never silently ignored; so is a single-value flag given twice.
 */

/** A flag that takes a value: `--store <dir>`, or `--target <name>` repeated when `multiple`. */
export interface ValueFlag<T = string> {
  readonly type: 'string';
  /** The value's placeholder in usage and help: `<dir>`. */
  readonly value: string;
  readonly help: string;
  readonly multiple?: boolean;
  /** The value when the flag is absent (a function: read when parsing, e.g. from the environment). */
  readonly default?: string | (() => string);
  /** Turns the text into the value; throws a ConfigError naming the flag for a bad one. */
  readonly parse?: (text: string, flag: string) => T;
}

/** A switch: `--json`. */
export interface SwitchFlag {
  readonly type: 'boolean';
  readonly help: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds value flags of any parsed type.
export type FlagSpec = ValueFlag<any> | SwitchFlag;
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** What a value flag's `parse` returns, else its text. */
type Parsed<F> = F extends { readonly parse: (text: string, flag: string) => infer T } ? T : string;
type ValueOf<F> = F extends SwitchFlag
  ? boolean
  : F extends { readonly multiple: true }
    ? Parsed<F>[]
    : F extends { readonly default: unknown }
      ? Parsed<F>
      : Parsed<F> | undefined;

/** The parsed values of a command's flags, typed by its table and keyed as declared (`fail-on`). */
export type FlagValues<T extends FlagTable> = { readonly [K in keyof T]: ValueOf<T[K]> };

/** The word after the command: `run <job>`, `ack <target>/<check>`. */
export interface Operand {
  /** Its placeholder in usage and help: `job`. */
  readonly name: string;
  readonly help: string;
  /** The values it may take (usage shows them: `<health|backup|all>`); any text when absent. */
  readonly values?: readonly string[];
  readonly optional?: boolean;
}

export interface ParsedCommand<T extends FlagTable = FlagTable> {
  readonly command: string;
  readonly operand?: string;
  readonly flags: FlagValues<T>;
  /** The flags given on the command line (not defaulted), by name. */
  readonly given: ReadonlySet<string>;
}

export interface CommandSpec<T extends FlagTable = FlagTable> {
  /** One line for the usage list and the head of its help. */
  readonly summary: string;
  readonly operand?: Operand;
  readonly flags: T;
  /** Lines of help after the flags: rules across flags, exit statuses particular to the command. */
  readonly notes?: readonly string[];
  /** Rules across flags, after each flag parsed; throws a ConfigError naming the flags. */
  readonly check?: (args: ParsedCommand<T>) => void;
  /** Runs the command; resolves to the exit status. Import what the command needs inside, so others load none of it. */
  readonly run: (args: ParsedCommand<T>) => Promise<number>;
}

/** Keeps a command's flag table literal, so its `check` and `run` see typed values. */
export function defineCommand<const T extends FlagTable>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}

// biome-ignore lint/suspicious/noExplicitAny: the table holds commands of different flag tables.
export type AnyCommand = CommandSpec<any>;
export type CommandTable = Readonly<Record<string, AnyCommand>>;

/** What a command line asks for. */
export type Invocation =
  | { readonly kind: 'help'; readonly command?: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'command'; readonly spec: AnyCommand; readonly args: ParsedCommand };

const usageError = (message: string) => new ConfigError(message);

/** `--store <dir>`, `--target <name>...`, `--json`: a flag as usage and help write it. */
function flagUsage(name: string, flag: FlagSpec): string {
  if (flag.type === 'boolean') return `--${name}`;
  return `--${name} ${flag.value}${flag.multiple ? '...' : ''}`;
}

function operandUsage(operand: Operand): string {
  const text = `<${operand.values ? operand.values.join('|') : operand.name}>`;
  return operand.optional ? `[${text}]` : text;
}

/** One command's usage line: `autopilot run <health|...|all> [--config <file>] [--target <name>]...`. */
export function commandUsage(name: string, spec: AnyCommand): string {
  const flags = Object.entries<FlagSpec>(spec.flags).map(([flag, f]) => {
    const text = flagUsage(flag, f);
    return f.type === 'string' && f.multiple ? `[${text.slice(0, -3)}]...` : `[${text}]`;
  });
  return ['autopilot', name, ...(spec.operand ? [operandUsage(spec.operand)] : []), ...flags].join(' ');
}

/** `autopilot help`: every command's usage line, then the global flags. */
export function usage(commands: CommandTable): string {
  return [
    'usage:',
    ...Object.entries(commands).map(([name, spec]) => `  ${commandUsage(name, spec)}`),
    '  autopilot --version',
    '  autopilot <command> --help        (what a command does, a line per flag)',
  ].join('\n');
}

/** `autopilot <command> --help`: its usage line, what it does, a line per flag (with its default), then its notes. */
export function commandHelp(name: string, spec: AnyCommand): string {
  const rows: Array<[string, string]> = [];
  if (spec.operand) {
    const values = spec.operand.values ? ` (${spec.operand.values.join(', ')})` : '';
    rows.push([`<${spec.operand.name}>`, `${spec.operand.help}${values}`]);
  }
  for (const [flag, f] of Object.entries<FlagSpec>(spec.flags)) {
    const fallback = f.type === 'string' && f.default !== undefined && typeof f.default === 'string' ? ` (default ${f.default})` : '';
    rows.push([flagUsage(flag, f), `${f.help}${fallback}`]);
  }
  rows.push(['-h, --help', 'this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `usage: ${commandUsage(name, spec)}`,
    '',
    spec.summary,
    '',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
  ].join('\n');
}

interface FlagToken {
  readonly name: string;
  /** Undefined for a switch, or a value flag whose value is missing (an error once the command is known). */
  readonly value?: string;
  readonly missing?: boolean;
  readonly inline: boolean;
}

/**
 * Every flag any command declares, by name. One name means one kind of flag across the commands (a switch in one and
 * a value flag in another could not be told apart before the command is known): the table is refused otherwise.
 */
export function flagKinds(commands: CommandTable): Map<string, FlagSpec['type']> {
  const kinds = new Map<string, FlagSpec['type']>([
    ['help', 'boolean'],
    ['version', 'boolean'],
  ]);
  for (const [command, spec] of Object.entries(commands)) {
    for (const [name, flag] of Object.entries<FlagSpec>(spec.flags)) {
      const seen = kinds.get(name);
      if (seen !== undefined && seen !== flag.type) {
        throw new Error(`grammar: --${name} of ${command} is a ${flag.type} flag, elsewhere a ${seen} one`);
      }
      kinds.set(name, flag.type);
    }
  }
  return kinds;
}

function tokenize(argv: readonly string[], kinds: Map<string, FlagSpec['type']>) {
  const flags: FlagToken[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      flags.push({ name: 'help', inline: false });
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw usageError(`${arg}: unknown flag (flags are spelled --name; -h is the only short one)`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (eq !== -1) {
      flags.push({ name, value: arg.slice(eq + 1), inline: true });
      continue;
    }
    if (kinds.get(name) !== 'string') {
      flags.push({ name, inline: false });
      continue;
    }
    // A value flag takes the next word, unless that is another flag: `--store --json` lost its value.
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('--') && next.length > 2)) {
      flags.push({ name, inline: false, missing: true });
      continue;
    }
    flags.push({ name, value: next, inline: false });
    i++;
  }
  return { flags, positionals };
}

function whoTakes(flag: string, commands: CommandTable): string[] {
  return Object.entries(commands)
    .filter(([, spec]) => flag in spec.flags)
    .map(([name]) => name);
}

/** Parses argv (without node and the script) against the command table; a usage error is a ConfigError (exit 2) naming the flag. */
export function parseCommandLine(argv: readonly string[], commands: CommandTable): Invocation {
  const { flags: tokens, positionals } = tokenize(argv, flagKinds(commands));
  const [command, ...words] = positionals;
  if (tokens.some((t) => t.name === 'help') || command === 'help') {
    const about = command === 'help' ? words[0] : command;
    if (about !== undefined && !(about in commands)) throw unknownCommand(about, commands);
    return { kind: 'help', command: about };
  }
  if (tokens.some((t) => t.name === 'version')) {
    if (command !== undefined || tokens.length > 1) throw usageError('--version: give it alone (autopilot --version)');
    return { kind: 'version' };
  }
  if (command === undefined) {
    if (tokens.length) throw usageError(`--${tokens[0]!.name}: give a command first (autopilot help lists them)`);
    return { kind: 'help' };
  }
  const spec = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!spec) throw unknownCommand(command, commands);
  const see = `autopilot ${command} --help`;
  const lists = `${see} lists its flags`;

  const [operand, ...extra] = words;
  if (spec.operand) {
    const { name, values, optional } = spec.operand;
    if (operand === undefined && !optional) {
      throw usageError(`usage: ${command} needs a ${name}${values ? `, one of ${values.join(', ')}` : ''} (${see})`);
    }
    if (operand !== undefined && values && !values.includes(operand)) {
      throw usageError(`usage: ${command} needs a ${name}, one of ${values.join(', ')} (got "${operand}")`);
    }
  } else if (operand !== undefined) {
    throw usageError(`usage: ${command}: unexpected argument "${operand}" (${see})`);
  }
  if (extra.length) throw usageError(`usage: ${command}: unexpected argument "${extra[0]}" (${see})`);

  const texts = new Map<string, string[]>();
  for (const token of tokens) {
    const flag: FlagSpec | undefined = Object.hasOwn(spec.flags, token.name) ? spec.flags[token.name] : undefined;
    if (!flag) {
      const others = whoTakes(token.name, commands);
      throw usageError(
        others.length
          ? `--${token.name}: not a flag of ${command}, only of ${others.join(' and ')} (${lists})`
          : `--${token.name}: unknown flag (${lists})`,
      );
    }
    if (flag.type === 'boolean') {
      if (token.inline) throw usageError(`--${token.name}: a switch, it takes no value (${lists})`);
      texts.set(token.name, []);
      continue;
    }
    if (token.missing) throw usageError(`--${token.name}: needs a value, ${flag.value}`);
    const list = texts.get(token.name) ?? [];
    list.push(token.value!);
    texts.set(token.name, list);
    // The last of two would win silently: `--store a --store b` is a slip, and which one was meant is not ours to guess.
    if (list.length > 1 && !flag.multiple) throw usageError(`--${token.name}: given ${list.length} times; it takes one value`);
  }

  const values: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries<FlagSpec>(spec.flags)) {
    const given = texts.get(name);
    if (flag.type === 'boolean') {
      values[name] = given !== undefined;
      continue;
    }
    // An empty value is a slip (an unset shell variable), not a choice: `--store ""` would write into the working
    // directory, `--config ""` fall back to the example config.
    const empty = given?.indexOf('') ?? -1;
    if (empty !== -1) throw usageError(`--${name}${flag.multiple ? `[${empty}]` : ''}: empty value`);
    const parse = (text: string) => (flag.parse ? flag.parse(text, `--${name}`) : text);
    if (flag.multiple) {
      values[name] = (given ?? []).map(parse);
      continue;
    }
    const fallback = typeof flag.default === 'function' ? flag.default() : flag.default;
    const text = given?.[0] ?? fallback;
    values[name] = text === undefined ? undefined : parse(text);
  }
  const args: ParsedCommand = { command, operand, flags: values as FlagValues<FlagTable>, given: new Set(texts.keys()) };
  spec.check?.(args);
  return { kind: 'command', spec, args };
}

function unknownCommand(command: string, commands: CommandTable): ConfigError {
  return usageError(`usage: unknown command "${command}" (commands: ${Object.keys(commands).join(', ')}; autopilot help)`);
}
