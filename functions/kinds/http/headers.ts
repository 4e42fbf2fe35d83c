import type { SecretResolver } from '../../core/ports/secrets.js';
import type { HealthCheckConfig } from './schema.js';

type Headers = HealthCheckConfig['headers'];

/** Header values with every reference read: what goes on the wire. Also returns the values read, to redact them. */
export async function resolveHeaders(
  headers: Headers,
  secrets: SecretResolver,
): Promise<{ headers: Record<string, string> | undefined; secrets: string[] }> {
  if (!headers) return { headers: undefined, secrets: [] };
  const resolved: Record<string, string> = {};
  const read: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') {
      resolved[name] = value;
      continue;
    }
    const what = 'secret' in value ? `secret ${value.secret}${value.field ? ` field ${value.field}` : ''}` : `parameter ${value.parameter}`;
    try {
      resolved[name] = await secrets.read(value);
    } catch (error) {
      throw new Error(`header ${name}: cannot read ${what}: ${(error as Error)?.message ?? String(error)}`);
    }
    read.push(resolved[name]!);
  }
  return { headers: resolved, secrets: read };
}

/** The headers of a check whose references are already read; a reference left unread is a programming error. */
export function plainHeaders(headers: Headers): Record<string, string> | undefined {
  if (!headers) return undefined;
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      if (typeof value !== 'string') throw new Error(`header ${name}: its secret reference was not read before the probe`);
      return [name, value];
    }),
  );
}
