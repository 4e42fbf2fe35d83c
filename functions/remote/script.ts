import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import type { ShellScript } from './port.js';

/**
 * Every command runs this document version. The documents have no fixed name and update by
 * replacement, so a changed script becomes a new document (version 1) whose generated name reaches
 * the functions through the stack: a command always runs exactly the script synthesized with it.
 */
export const DOCUMENT_VERSION = '1';

/**
 * The script text as it runs: its prelude files, then the script without its own `#!` line (the first prelude
 * brings one). The CDK app embeds this text in the script's SSM document at synth, and LocalBash runs this text.
 */
export function readScript(script: ShellScript): string {
  const body = readFileSync(script.file, 'utf8');
  if (!script.prelude?.length) return body;
  const parts = script.prelude.map((file) => readFileSync(file, 'utf8').replace(/\n*$/, '\n'));
  return `${parts.join('\n')}\n${body.replace(/^#![^\n]*\n/, '')}`;
}

/** What the script sees: SSM_<name> for every parameter, defaults filled in, as SSM's ENV_VAR interpolation does. */
export function scriptEnvironment(script: ShellScript, params: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of script.parameters) {
    const value = params[p.name] || p.default;
    if (value !== undefined) env[`SSM_${p.name}`] = value;
  }
  return env;
}

/** Parameters SendCommand carries: the non-empty ones (an empty value is the document default). */
export function commandParameters(params: Readonly<Record<string, string | undefined>>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(params)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
      .map(([k, v]) => [k, [v]]),
  );
}

/**
 * Throws a ConfigError naming the config field (`fieldOf(name)`) when a value would not pass the
 * document's allowedPattern: SSM would refuse the command, and the local run refuses it the same way.
 */
export function checkParameters(
  script: ShellScript,
  params: Readonly<Record<string, string>>,
  fieldOf: (parameter: string) => string,
): void {
  const known = new Map(script.parameters.map((p) => [p.name, p]));
  const issues: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const spec = known.get(name);
    const field = fieldOf(name);
    if (!spec) issues.push(`${field}: the ${script.id} document has no parameter "${name}"`);
    else if (!new RegExp(spec.allowedPattern).test(value))
      issues.push(
        `${field}: does not fit the ${script.id} document's parameter "${name}" (${spec.allowedPattern}); too many or too long entries?`,
      );
  }
  if (issues.length) throw new ConfigError(`invalid config:\n  ${issues.join('\n  ')}`, issues);
}
