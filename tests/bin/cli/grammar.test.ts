import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../bin/cli/commands.js';
import { commandHelp, defineCommand, flagKinds, parseCommandLine, usage } from '../../../bin/cli/grammar.js';
import { ConfigError } from '../../../functions/core/errors.js';
import { runAutopilot } from '../../support/cli.js';

const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS);
const refusal = (...argv: string[]): string => {
  try {
    parse(...argv);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

describe('the command grammar, from the one command table', () => {
  it('a flag of another command is a usage error naming the flag and who takes it', () => {
    // Before, run silently ignored --at and --clean, and restore ignored --fail-on.
    expect(refusal('run', 'health', '--local', '--at', 'x')).toBe(
      '--at: not a flag of run, only of restore (autopilot run --help lists its flags)',
    );
    expect(refusal('run', 'health', '--local', '--clean')).toBe(
      '--clean: not a flag of run, only of restore (autopilot run --help lists its flags)',
    );
    expect(refusal('restore', '--list', '--fail-on', 'high')).toBe(
      '--fail-on: not a flag of restore, only of run and invoke (autopilot restore --help lists its flags)',
    );
    expect(refusal('init', '--local')).toMatch(/^--local: not a flag of init, only of run and restore/);
    expect(refusal('run', 'health', '--local', '--frobnicate')).toBe('--frobnicate: unknown flag (autopilot run --help lists its flags)');
  });

  it('a single-value flag given twice is a usage error; a repeatable one collects', () => {
    // Before, the last --store won silently.
    expect(refusal('run', 'health', '--local', '--store', 'a', '--store', 'b')).toBe('--store: given 2 times; it takes one value');
    expect(refusal('restore', '--list', '--target', 'a', '--target', 'b')).toBe('--target: given 2 times; it takes one value');
    const run = parse('run', 'health', '--local', '--target', 'a', '--target=b');
    expect(run.kind === 'command' && run.args.flags.target).toEqual(['a', 'b']);
  });

  it('values: missing, empty, given to a switch; severities in any case', () => {
    expect(refusal('run', 'health', '--local', '--store')).toBe('--store: needs a value, <dir>');
    expect(refusal('run', 'health', '--local', '--store', '--json')).toBe('--store: needs a value, <dir>');
    expect(refusal('run', 'health', '--local', '--store', '')).toBe('--store: empty value');
    expect(refusal('run', 'health', '--local', '--json=yes')).toMatch(/^--json: a switch, it takes no value/);
    for (const given of ['HIGH', 'High', 'high']) {
      const run = parse('run', 'health', '--local', '--fail-on', given);
      expect(run.kind === 'command' && run.args.flags['fail-on']).toBe('high');
    }
    expect(refusal('run', 'health', '--local', '--fail-on', 'ok')).toBe('--fail-on: expected one of low, medium, high, critical, got "ok"');
  });

  it('operands and commands', () => {
    expect(refusal('run', '--local')).toMatch(/^usage: run needs a job, one of health, backup, disk, security, digest, all/);
    expect(refusal('run', 'reboot', '--local')).toBe(
      'usage: run needs a job, one of health, backup, disk, security, digest, all (got "reboot")',
    );
    expect(refusal('invoke', 'all')).toMatch(/^usage: invoke needs a job, one of health, backup, disk, security, digest \(got "all"\)/);
    expect(refusal('run', 'health', 'extra', '--local')).toBe('usage: run: unexpected argument "extra" (autopilot run --help)');
    expect(refusal('frob')).toBe('usage: unknown command "frob" (commands: run, restore, invoke, status, init, doctor; autopilot help)');
    expect(refusal('run', 'health')).toMatch(/^--local: `run` executes here only with --local/);
  });

  it('restore: --list alone lists the targets, --to needs a target, contradictions are refused', () => {
    expect(parse('restore', '--list').kind).toBe('command');
    expect(refusal('restore', '--to', 'postgres://u@h/db')).toBe(
      'usage: restore --to needs --target <name> (the target whose backup to restore)',
    );
    expect(refusal('restore', '--target', 'a')).toBe('usage: restore needs --to <postgres url> or --list');
    expect(refusal('restore', '--list', '--at', 'latest')).toBe('usage: --at is for a restore (--to), not --list');
    expect(refusal('restore', '--target', 'a', '--to', 'postgres://u@h/db', '--at', 'yesterday')).toBe(
      '--at: expected "latest" or an ISO time, got "yesterday"',
    );
  });

  it('help, per command, with a line per flag; --version', () => {
    expect(parse('run', '--help')).toEqual({ kind: 'help', command: 'run' });
    expect(parse('help', 'restore')).toEqual({ kind: 'help', command: 'restore' });
    expect(parse('-h')).toEqual({ kind: 'help', command: undefined });
    expect(parse('--version')).toEqual({ kind: 'version' });
    expect(refusal('--version', 'run')).toBe('--version: give it alone (autopilot --version)');
    for (const [name, spec] of Object.entries(COMMANDS)) {
      const text = commandHelp(name, spec);
      for (const flag of Object.keys(spec.flags)) expect(text).toMatch(new RegExp(`^ {2}--${flag}\\b.* {2}\\S`, 'm'));
      expect(usage(COMMANDS)).toContain(`autopilot ${name} `);
    }
  });

  it('one name, one kind of flag across commands; adding a command is one entry', () => {
    expect(() =>
      flagKinds({
        ...COMMANDS,
        x: defineCommand({ summary: 's', flags: { json: { type: 'string', value: '<v>', help: 'h' } }, run: async () => 0 }),
      }),
    ).toThrow('grammar: --json of x is a string flag, elsewhere a boolean one');
    const table = {
      ...COMMANDS,
      ack: defineCommand({
        summary: 'Acknowledges an open alert.',
        operand: { name: 'target/check', help: 'the alert' },
        flags: { by: { type: 'string', value: '<name>', help: 'who' }, local: { type: 'boolean', help: 'here' } },
        run: async () => 0,
      }),
    } as const;
    const ack = parseCommandLine(['ack', 'web/api', '--by', 'me'], table);
    expect(ack.kind === 'command' && [ack.args.operand, ack.args.flags.by]).toEqual(['web/api', 'me']);
    expect(usage(table)).toContain('autopilot ack <target/check> [--by <name>] [--local]');
    expect(() => parseCommandLine(['run', 'health', '--local', '--by', 'me'], table)).toThrow('--by: not a flag of run, only of ack');
  });
});

describe('autopilot --version and --help, as a user runs them', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const result = await runAutopilot(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `ops-autopilot ${version}\n`, stderr: '' });
  });

  it('restore --help: its usage line and a line per flag, exit 0', async () => {
    const result = await runAutopilot(['restore', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: autopilot restore \[--config <file>\] \[--target <name>\]/);
    expect(result.stdout).toMatch(
      /^ {2}--at latest\|<ISO time> +the newest verified backup started at or before this time \(default latest\)$/m,
    );
  });

  it('run --at: exit 2 naming --at, and nothing run', async () => {
    const result = await runAutopilot(['run', 'health', '--local', '--at', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('autopilot: --at: not a flag of run, only of restore (autopilot run --help lists its flags)\n');
    expect(result.stdout).toBe('');
  });
});

describe('a one-letter PGPASSWORD', () => {
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-short-secret-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('does not mask the host that merely contains it', async () => {
    const config = join(dir, 'ops.config.json');
    // A name that never resolves (the reserved .example domain): the finding quotes the host, which contains "x".
    writeFileSync(
      config,
      JSON.stringify({ targets: { mycats: { postgres: [{ host: 'mycats-db.example', database: 'mycats', user: 'x' }] } } }),
    );
    const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', config, '--store', join(dir, 'store')], {
      PGPASSWORD: 'x',
    });
    expect(result.code, result.stderr).toBe(0);
    const finding = JSON.parse(result.stdout).findings.find((f: { check: string }) => f.check === 'mycats');
    // Before: "getaddrinfo ENOTFOUND mycats-db.e***ample".
    expect(finding.summary).toBe('cannot connect: getaddrinfo ENOTFOUND mycats-db.example');
  });
});
