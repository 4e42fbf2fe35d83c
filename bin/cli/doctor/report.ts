import type { Config } from '../../../functions/kinds/config.js';
import type { DoctorClients } from './clients.js';

/** ok: nothing to do; warn: works, but look at it; fail: something will not work until it is done (exit 3). */
export type Status = 'ok' | 'warn' | 'fail';

/** One line of the doctor's output: what was checked, how it stands, and (when not ok) what to do. */
export interface CheckLine {
  readonly check: string;
  readonly status: Status;
  readonly detail: string;
}

/** What every check gets: the account and region it reads, the stack and config it checks for, the clients. */
export interface DoctorContext {
  readonly account: string;
  readonly region: string;
  readonly stack: string;
  /** Undefined when there is no config: the checks of targets and subscribers have nothing to look at. */
  readonly config?: Config;
  readonly clients: DoctorClients;
}

/** A check: the lines it reports (none when it has nothing to look at in this config). */
export type DoctorCheck = (context: DoctorContext) => Promise<CheckLine[]>;

export const ok = (check: string, detail: string): CheckLine => ({ check, status: 'ok', detail });
export const warn = (check: string, detail: string): CheckLine => ({ check, status: 'warn', detail });
export const fail = (check: string, detail: string): CheckLine => ({ check, status: 'fail', detail });

/** The SDK's error name and first line, for "cannot tell" lines. */
export function errorText(error: unknown): string {
  const e = error as { name?: string; message?: string } | undefined;
  const message = String(e?.message ?? error).split('\n')[0]!;
  return e?.name && e.name !== 'Error' && !message.startsWith(e.name) ? `${e.name}: ${message}` : message;
}

export function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  return /AccessDenied|UnauthorizedOperation|AuthorizationError|Forbidden/i.test(name);
}

/** An error's name, for telling "not found" from anything else. */
export function errorName(error: unknown): string {
  return (error as { name?: string; Code?: string } | undefined)?.name ?? '';
}

/**
 * Runs a check so that what it could not find out is a warning naming the check, never the end of the doctor: a
 * denied call says which permission the caller lacks.
 */
export async function guarded(name: string, check: DoctorCheck, context: DoctorContext): Promise<CheckLine[]> {
  try {
    return await check(context);
  } catch (error) {
    if (isAccessDenied(error)) return [warn(name, `cannot tell: the caller may not read this (${errorText(error)})`)];
    return [warn(name, `cannot tell: ${errorText(error)}`)];
  }
}

/** Every page of a NextToken-paged listing. */
export async function allPages<T>(page: (token: string | undefined) => Promise<{ items: readonly T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const result = await page(token);
    items.push(...result.items);
    token = result.next;
    if (!token) break;
  }
  return items;
}

/** Splits a list into batches of at most `size` (APIs that take a bounded list of names). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
