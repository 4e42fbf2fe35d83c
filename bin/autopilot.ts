import { Console } from 'node:console';
import { readFileSync } from 'node:fs';
import { ConfigError, ServiceFaultError, storeFaultOf } from '../functions/core/errors.js';
import { printable } from '../functions/core/text/printable.js';
import { redact } from '../functions/core/text/redact.js';
import { COMMANDS } from './cli/commands.js';
import { configLoader } from './cli/config-file.js';
import { EXIT } from './cli/exit-status.js';
import { commandHelp, parseCommandLine, usage } from './cli/grammar.js';

/** `autopilot --version`: the package's version. */
function version(): string {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return `${name} ${version}`;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const invocation = parseCommandLine(argv, COMMANDS);
    if (invocation.kind === 'version') {
      process.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    if (invocation.kind === 'help') {
      const { command } = invocation;
      const text = command ? commandHelp(command, COMMANDS[command as keyof typeof COMMANDS]) : usage(COMMANDS);
      process.stdout.write(`${text}\n`);
      return EXIT.ok;
    }
    return await invocation.spec.run(invocation.args);
  } catch (error) {
    if (error instanceof ConfigError) {
      // Its lines may quote what a config or its code threw: escape control characters, keep each line one line.
      process.stderr.write(
        `autopilot: ${error.message
          .split('\n')
          .map((line) => printable(line, 2_000))
          .join('\n')}\n`,
      );
      // The abandoned config may hold a timer or socket open that would keep this process alive for ever.
      if (error.name === 'ConfigLoadTimeout') setTimeout(() => process.exit(EXIT.usage), 100).unref();
      return EXIT.usage;
    }
    const fault = storeFaultOf(error) ?? (error instanceof ServiceFaultError ? error : undefined);
    if (fault) {
      process.stderr.write(`autopilot: ${redact(fault.message)}\n`);
      return EXIT.fault;
    }
    process.stderr.write(`${internalErrorText(error)}\n`);
    return EXIT.internal;
  }
}

/**
 * A bug's one line: the message, and where it was thrown only with AUTOPILOT_DEBUG=1. A stack trace in a cron mail or
 * CI log reads as a crash of the checked system and can carry paths and values no one asked for.
 */
function internalErrorText(error: unknown): string {
  const debug = process.env.AUTOPILOT_DEBUG === '1' && error instanceof Error && error.stack;
  const text = debug ? error.stack! : oneLine(error instanceof Error ? `${error.name}: ${error.message}` : safeString(error));
  return `autopilot: internal error: ${redact(text)}${debug ? '' : ' (AUTOPILOT_DEBUG=1 shows where)'}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'a value that cannot be shown';
  }
}

/**
 * Last resort for an error nothing awaited: a promise a config left rejecting, a throw from a config's timer, a
 * stray callback. One line, never Node's trace: a config's own (its stack passes through the config file) is a config
 * error (exit 2), anything else a bug (exit 1).
 */
function onStrayError(error: unknown): void {
  if (configLoader?.configLoadInProgress()) return;
  if (configLoader?.thrownByConfig(error)) {
    process.stderr.write(`autopilot: config: ${redact(oneLine((error as Error).message))} (thrown by the config's own code)\n`);
    process.exit(EXIT.usage);
  }
  process.stderr.write(`${internalErrorText(error)}\n`);
  process.exit(EXIT.internal);
}
// stdout carries the report alone (`--json` readers parse it whole): what a config or a library logs goes to stderr.
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
// Ctrl-C, or a SIGTERM from cron, systemd or a CI timeout: one line and an exit, which also removes the store's
// half-written files and held locks (functions/core/adapters/local/in-flight-files.ts); Node's default would leave them.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    process.stderr.write(`autopilot: stopped by ${signal}\n`);
    process.exit(code);
  });
}
process.on('uncaughtException', onStrayError);
process.on('unhandledRejection', onStrayError);

process.exitCode = await main(process.argv.slice(2));
