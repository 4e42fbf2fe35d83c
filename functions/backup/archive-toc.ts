import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { describeExit, startProcess, succeeded } from './child-process.js';
import type { ToolInfo } from './pg-tools.js';
import { tableName, type TableRef } from './pg-source.js';

export interface ArchiveToc {
  /** `schema.name` of every table definition (TABLE entries). */
  readonly tables: readonly string[];
  /** `schema.name` of every table whose rows are in the archive (TABLE DATA entries). */
  readonly tableData: readonly string[];
  readonly entries: number;
  readonly dumpedFrom?: string;
  readonly dumpedBy?: string;
}

/**
 * Reads `pg_restore --list` output. An entry is `<id>; <catalog oid> <oid> <DESC> <schema> <tag> <owner>`;
 * the description may have several words (TABLE DATA), the owner never has a space.
 */
export function parseToc(listing: string): ArchiveToc {
  const tables: string[] = [];
  const tableData: string[] = [];
  let entries = 0;
  let dumpedFrom: string | undefined;
  let dumpedBy: string | undefined;
  for (const line of listing.split('\n')) {
    const header = /^;\s+Dumped (from database|by pg_dump) version: (.+)$/.exec(line);
    if (header) {
      if (header[1] === 'from database') dumpedFrom = header[2]!.trim();
      else dumpedBy = header[2]!.trim();
      continue;
    }
    const entry = /^\d+; \d+ \d+ (.+)$/.exec(line);
    if (!entry) continue;
    entries++;
    const rest = entry[1]!;
    const kind = rest.startsWith('TABLE DATA ') ? 'data' : rest.startsWith('TABLE ') ? 'table' : undefined;
    if (!kind) continue;
    const body = rest.slice(kind === 'data' ? 'TABLE DATA '.length : 'TABLE '.length);
    const withoutOwner = body.slice(0, body.lastIndexOf(' '));
    const space = withoutOwner.indexOf(' ');
    if (space <= 0) continue;
    const name = `${withoutOwner.slice(0, space)}.${withoutOwner.slice(space + 1)}`;
    (kind === 'data' ? tableData : tables).push(name);
  }
  return { tables, tableData, entries, dumpedFrom, dumpedBy };
}

/** Expected tables the archive lacks: a definition for each, and rows for each with rows of its own. */
export function missingTables(toc: ArchiveToc, expected: readonly TableRef[]): string[] {
  const defined = new Set(toc.tables);
  const withData = new Set(toc.tableData);
  return expected.filter((t) => !defined.has(tableName(t)) || (t.kind === 'r' && !withData.has(tableName(t)))).map(tableName);
}

/**
 * `pg_restore --list` reading an archive from stdin. It reads only the header and table of
 * contents and may exit before the input ends; write() then just stops forwarding, so the
 * caller can keep streaming the rest elsewhere (the checksum).
 */
export class TocReader {
  private readonly process;
  private readonly stdout: Buffer[] = [];
  private open = true;

  constructor(pgRestore: ToolInfo, env: NodeJS.ProcessEnv = process.env) {
    this.process = startProcess(pgRestore.path, ['--list'], env, 'pipe');
    this.process.child.stdout!.on('data', (chunk: Buffer) => this.stdout.push(chunk));
    const stdin = this.process.child.stdin as Writable;
    // EPIPE once pg_restore has read what it needs and exited.
    stdin.on('error', () => (this.open = false));
    void this.process.exited.then(() => (this.open = false));
  }

  /** False once pg_restore has exited (it read what it needed) or its stdin is gone. */
  get reading(): boolean {
    return this.open && !(this.process.child.stdin as Writable).destroyed;
  }

  /** Forwards a chunk, waiting while pg_restore's pipe is full; a no-op once it has exited. */
  async write(chunk: Buffer): Promise<void> {
    const stdin = this.process.child.stdin as Writable;
    if (!this.open || stdin.destroyed) return;
    if (!stdin.write(chunk)) {
      await Promise.race([once(stdin, 'drain').catch(() => undefined), this.process.exited]);
    }
  }

  async finish(): Promise<ArchiveToc> {
    const stdin = this.process.child.stdin as Writable;
    if (!stdin.destroyed) stdin.end();
    const status = await this.process.exited;
    if (!succeeded(status))
      throw new Error(
        `the archive's table of contents does not parse: ${describeExit('pg_restore --list', status, this.process.stderr.toString())}`,
      );
    return parseToc(Buffer.concat(this.stdout).toString('utf8'));
  }

  abort(): void {
    this.process.terminate(1_000);
  }
}

/**
 * The table of contents of an archive stream, reading only as far as pg_restore needs (the
 * archive's head): the caller destroys the input, or reads the rest elsewhere.
 */
export async function readToc(pgRestore: ToolInfo, input: Readable): Promise<ArchiveToc> {
  const reader = new TocReader(pgRestore);
  try {
    for await (const chunk of input) {
      if (!reader.reading) break;
      await reader.write(chunk as Buffer);
    }
  } catch (error) {
    reader.abort();
    throw error;
  }
  return reader.finish();
}
