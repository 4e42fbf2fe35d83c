import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.js';
import { validateConfig } from '../../../functions/kinds/config.js';
import { BACKUP_DOCKERFILE, IMAGE_CONFIG_FILE, PG_DUMP_CHECK, stageBackupImage } from '../../../lib/backup/backup-image.js';
import { imageArchitecture } from '../../../lib/lambda/image-architecture.js';
import { PG15_BIN_DIR, pg17BinDir } from '../../support/pg-versions.js';

/** One Dockerfile instruction, continuation lines joined as Docker joins them (the backslash and newline removed), comments dropped. */
interface Instruction {
  readonly op: string;
  readonly args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1);
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  return logical.map((l) => {
    const [, op, args] = /^\s*(\S+)\s+([\s\S]*)$/.exec(l)!;
    return { op: op!.toUpperCase(), args: args!.trim() };
  });
}

const instructions = parseDockerfile(readFileSync(BACKUP_DOCKERFILE, 'utf8'));
const ops = (op: string) => instructions.filter((i) => i.op === op);
const HOST = imageArchitecture(undefined);
const scratchDirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-image-test-'));
  scratchDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs one RUN instruction's shell text as the build would (`/bin/sh -c`), with the given build arguments. */
function runStep(step: Instruction, env: Record<string, string>) {
  return spawnSync('/bin/sh', ['-c', step.args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

describe('the backup Dockerfile, read statically', () => {
  it('names no platform: the base is the multi-architecture Lambda image, built for whatever --platform the deploy passes', () => {
    const from = ops('FROM');
    expect(from).toHaveLength(1);
    expect(from[0]!.args).toBe('public.ecr.aws/lambda/nodejs:24');
    expect(from[0]!.args).not.toMatch(/--platform/);
    // Nothing else pins an architecture either (aarch64/arm64/amd64 appear only in the architecture check below).
    const elsewhere = instructions.filter((i) => !(i.op === 'RUN' && i.args.includes('IMAGE_ARCH')));
    expect(elsewhere.map((i) => i.args).join('\n')).not.toMatch(/arm64|aarch64|amd64|x86_64/);
  });

  it('fails the build when the image came out for another architecture than the one the stack passes (IMAGE_ARCH)', () => {
    const args = ops('ARG').map((a) => a.args);
    expect(args).toContain('IMAGE_ARCH');
    // Declared after FROM, so the RUN steps see it.
    expect(instructions.findIndex((i) => i.op === 'ARG' && i.args === 'IMAGE_ARCH')).toBeGreaterThan(
      instructions.findIndex((i) => i.op === 'FROM'),
    );
    const check = ops('RUN').find((r) => r.args.includes('IMAGE_ARCH'))!;
    // This machine's own architecture passes; the other one fails, naming both.
    expect(runStep(check, { IMAGE_ARCH: HOST.name }).status).toBe(0);
    const other = HOST.name === 'arm64' ? 'x86_64' : 'arm64';
    const refused = runStep(check, { IMAGE_ARCH: other });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toBe(`backup image: built for ${HOST.name}, but the stack runs it on ${other}\n`);
    // Without the argument (a hand-run docker build) it checks nothing.
    expect(runStep(check, {}).status).toBe(0);
  });

  it('installs the distribution PostgreSQL client and fails the build unless its pg_dump writes zstd', () => {
    const install = ops('RUN').find((r) => r.args.includes('dnf install'))!;
    expect(install.args).toMatch(/dnf install -y "postgresql\$\{PG_MAJOR\}"/);
    expect(install.args).toMatch(/&& sh \/usr\/local\/bin\/check-pg-dump\.sh pg_dump$/);
    // Every step joined with && (a failed check fails the RUN, and so the build).
    expect(
      install.args
        .split('\n')
        .slice(1)
        .every((l) => l.trim().startsWith('&&')),
    ).toBe(true);
    const copy = ops('COPY').find((c) => c.args.includes('check-pg-dump.sh'))!;
    expect(copy.args).toBe('check-pg-dump.sh /usr/local/bin/check-pg-dump.sh');
    expect(instructions.indexOf(copy)).toBeLessThan(instructions.indexOf(install));
    expect(ops('ARG').map((a) => a.args)).toContain('PG_MAJOR=17');
  });

  it('copies exactly what the staging writes, and runs index.handler', () => {
    const dir = stageBackupImage({
      config: validateConfig({
        targets: { a: { postgres: [{ host: 'h', database: 'd', user: 'u', passwordParameter: '/p', backup: {} }] } },
      }),
      directory: join(scratch(), 'backup'),
      entriesDir: join(scratch(), 'entries'),
    });
    const copied = ops('COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(copied.sort()).toEqual(['check-pg-dump.sh', IMAGE_CONFIG_FILE, 'index.mjs', 'task.mjs'].sort());
    expect(readdirSync(dir).sort()).toEqual(['Dockerfile', ...copied].sort());
    expect(JSON.parse(readFileSync(join(dir, IMAGE_CONFIG_FILE), 'utf8')).targets.a.postgres[0].backup).toBeDefined();
    expect(ops('CMD').map((c) => c.args)).toEqual(['["index.handler"]']);
  });
});

describe('check-pg-dump.sh, the build-time zstd check, against real pg_dumps', () => {
  const check = (pgDump: string) =>
    spawnSync('sh', [PG_DUMP_CHECK, pgDump], { encoding: 'utf8', env: { PATH: `/usr/sbin:${process.env.PATH}` } });

  it('passes a pg_dump that writes zstd (PostgreSQL 17 built with zstd)', (ctx) => {
    const bin = pg17BinDir();
    if (!bin || process.getuid?.() !== 0) return ctx.skip('PostgreSQL 17 (PG17_BIN_DIR, run as root) is not here');
    const result = check(join(bin, 'pg_dump'));
    expect(result.stdout).toMatch(/^check-pg-dump: pg_dump \(PostgreSQL\) 17\.\d+ .*writes zstd\n$/);
    expect(result.status).toBe(0);
  });

  it('fails on a pg_dump that cannot (PostgreSQL 15 has no zstd at all)', (ctx) => {
    if (!existsSync(join(PG15_BIN_DIR, 'pg_dump'))) return ctx.skip('PostgreSQL 15 is not installed (.ci/run installs it)');
    const result = check(join(PG15_BIN_DIR, 'pg_dump'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^check-pg-dump: pg_dump \(PostgreSQL\) 15\.\d+ .* cannot write zstd.*invalid value "zstd"/);
  });

  it('fails on a 17 built without zstd, as pg_dump itself says it', () => {
    // What a PostgreSQL 17 configured without --with-zstd answers (src/common/compression.c), and nothing else.
    const fake = join(scratch(), 'pg_dump');
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        'case "$*" in',
        '  --version) echo "pg_dump (PostgreSQL) 17.6" ;;',
        '  *--compress=zstd*) echo "pg_dump: error: invalid compression specification: ' +
          'this build does not support compression with ZSTD" >&2; exit 1 ;;',
        '  *) echo "pg_dump: error: connection to server failed" >&2; exit 1 ;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    const result = check(fake);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "check-pg-dump: pg_dump (PostgreSQL) 17.6 cannot write zstd, the backups' default compression: pg_dump: error: invalid " +
        'compression specification: this build does not support compression with ZSTD\n',
    );
  });

  it('fails when there is no pg_dump to ask', () => {
    const result = check(join(scratch(), 'missing', 'pg_dump'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^check-pg-dump: cannot run .*missing\/pg_dump/);
  });

  it('is shellcheck-clean', (ctx) => {
    try {
      execFileSync('shellcheck', ['--version']);
    } catch {
      return ctx.skip('shellcheck is not installed (.ci/run installs it)');
    }
    expect(spawnSync('shellcheck', ['--severity=style', PG_DUMP_CHECK], { encoding: 'utf8' }).stdout).toBe('');
  });
});

describe('imageArchitecture: what the image is built for, and what the function and task run on', () => {
  it("defaults to the deploying machine's architecture, so the build runs natively", () => {
    expect(imageArchitecture(undefined, 'arm64').name).toBe('arm64');
    expect(imageArchitecture(undefined, 'x64').name).toBe('x86_64');
    expect(imageArchitecture('', 'x64').name).toBe('x86_64');
  });

  it('takes -c backupArchitecture over the machine, in either spelling', () => {
    for (const [given, name] of [
      ['arm64', 'arm64'],
      ['aarch64', 'arm64'],
      ['x86_64', 'x86_64'],
      ['amd64', 'x86_64'],
      ['X86_64', 'x86_64'],
    ] as const) {
      expect(imageArchitecture(given, 'x64').name, given).toBe(name);
    }
  });

  it('agrees with itself everywhere: Lambda, Docker platform, ECS and the IMAGE_ARCH build argument', () => {
    const arm = imageArchitecture('arm64');
    expect([arm.lambda.name, arm.platform.platform, arm.ecs, arm.buildArgs]).toEqual([
      'arm64',
      'linux/arm64',
      expect.objectContaining({ _cpuArchitecture: 'ARM64' }),
      { IMAGE_ARCH: 'arm64' },
    ]);
    const x86 = imageArchitecture('x86_64');
    expect([x86.lambda.name, x86.platform.platform, x86.ecs, x86.buildArgs]).toEqual([
      'x86_64',
      'linux/amd64',
      expect.objectContaining({ _cpuArchitecture: 'X86_64' }),
      { IMAGE_ARCH: 'x86_64' },
    ]);
  });

  it('refuses what Lambda does not run, naming the context', () => {
    expect(() => imageArchitecture('riscv64')).toThrow(ConfigError);
    expect(() => imageArchitecture('riscv64')).toThrow(
      '-c backupArchitecture: "riscv64" is not an architecture Lambda runs (arm64 or x86_64)',
    );
    expect(() => imageArchitecture(undefined, 'ia32')).toThrow(/^-c backupArchitecture: this machine is ia32, which Lambda does not run/);
  });
});
