import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlertState, type AlertEntry } from '../../functions/core/alerts/state.js';
import { LocalObjectStore } from '../../functions/core/adapters/local/local-object-store.js';
import { parseDayDocument } from '../../functions/status-page/history/day-document.js';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot } from '../support/cli.js';
import { ConditionalS3Proxy } from '../support/conditional-s3-proxy.js';
import { startHttpServer, type TestHttpServer } from '../support/http-servers.js';
import { S3TestServer } from '../support/s3-server.js';

/**
 * Issue 12 item 1: two real `autopilot run health --local` processes that overlap and see the
 * same answer. The endpoint holds each request until its twin arrives and answers both together,
 * so both runs observe, evaluate and save at the same moment.
 */
let http: TestHttpServer;
let dir: string;
let config: string;
let status = 503;
/** Sizes of the groups the endpoint answered together. */
const groups: number[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-overlap-'));
  let waiting: ServerResponse[] = [];
  let timer: NodeJS.Timeout | undefined;
  const answer = () => {
    clearTimeout(timer);
    groups.push(waiting.length);
    for (const res of waiting) res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'OK' : 'down');
    waiting = [];
  };
  http = await startHttpServer({
    '/health': (_req, res) => {
      waiting.push(res);
      if (waiting.length === 2) answer();
      // A lone request is answered after a while, so a run that lost its twin still ends (and the test says so).
      else timer = setTimeout(answer, 20_000);
    },
  });
  config = join(dir, 'ops.config.json');
  writeFileSync(config, JSON.stringify({ targets: { web: { health: [{ name: 'api', url: http.url('/health'), timeout: '30s' }] } } }));
});

afterAll(async () => {
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Round {
  readonly reports: Report[];
}

async function overlappingRound(store: string, env: Record<string, string>): Promise<Round> {
  const args = ['run', 'health', '--local', '--json', '--config', config, '--store', store];
  const results = await Promise.all([runAutopilot(args, env), runAutopilot(args, env)]);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  return { reports: results.map((r) => JSON.parse(r.stdout) as Report) };
}

/** Runs `failing` rounds against a 503, then `passing` rounds against a 200, two overlapping runs each. */
async function scenario(failing: number, passing: number, store: string, env: Record<string, string>, entry: () => Promise<AlertEntry>) {
  groups.length = 0;
  const notices: Array<{ subject: string; topic: string }> = [];
  const collect = (round: Round) => {
    for (const report of round.reports) for (const n of report.notifications) notices.push({ subject: n.subject, topic: n.topic });
  };
  status = 503;
  for (let i = 0; i < failing; i++) collect(await overlappingRound(store, env));
  const afterFailing = await entry();
  status = 200;
  for (let i = 0; i < passing; i++) collect(await overlappingRound(store, env));
  const afterPassing = await entry();
  return { notices, afterFailing, afterPassing };
}

function expectOneOpenOneResolved(result: Awaited<ReturnType<typeof scenario>>, failing: number, passing: number): void {
  // Every round really overlapped: the endpoint answered the two runs together each time.
  expect(groups).toEqual(Array.from({ length: failing + passing }, () => 2));
  const opened = result.notices.filter((n) => /\balert\b/.test(n.subject) && !/resolved/.test(n.subject));
  const resolved = result.notices.filter((n) => /resolved/.test(n.subject));
  // The subjects say what went twice when it fails (an "alert state lost" notice counts as one opened here).
  const subjects = JSON.stringify(result.notices.map((n) => n.subject));
  expect(
    opened.map((n) => n.topic),
    subjects,
  ).toEqual(['critical']);
  expect(
    resolved.map((n) => n.topic),
    subjects,
  ).toEqual(['critical']);
  expect(result.notices).toHaveLength(2);
  // Every observation counts: two per round, none lost to a concurrent save.
  expect(result.afterFailing).toMatchObject({ consecutiveFailures: 2 * failing, open: { notifiedSeverity: 'critical' } });
  expect(result.afterPassing).toMatchObject({ consecutiveFailures: 0, consecutiveOks: 2 * passing, open: null });
}

/**
 * The status page's history of the same runs (issue 23): every overlapping run is in the day's aggregate of the check,
 * counted once, whatever conflicts the conditional writes met. Summed over the day documents (a round may straddle
 * midnight).
 */
function historyTotals(documents: string[]): { runs: number; failures: number; applied: number } {
  let runs = 0;
  let failures = 0;
  let applied = 0;
  for (const text of documents) {
    const document = parseDayDocument(text);
    runs += document.checks['web/api']?.runs ?? 0;
    failures += document.checks['web/api']?.failures ?? 0;
    applied += document.runs.length;
  }
  return { runs, failures, applied };
}

describe('two overlapping CLI runs that see the same answer', () => {
  it('local store, 10 rounds: one open notice, one RESOLVED, every observation counted', async () => {
    const store = join(dir, 'store');
    const entry = async () => parseAlertState(readFileSync(join(store, 'state', 'alerts', 'health.json'), 'utf8')).entries['web/api']!;
    const result = await scenario(5, 5, store, {}, entry);
    expectOneOpenOneResolved(result, 5, 5);
    const local = new LocalObjectStore(store);
    const days = await Promise.all((await local.list('history/days/')).map(async (o) => (await local.get(o.key))!.body.toString()));
    expect(historyTotals(days)).toEqual({ runs: 20, failures: 10, applied: 20 });
  }, 300_000);

  describe('on S3 semantics (s3rver behind a proxy that enforces If-Match / If-None-Match)', () => {
    let s3: S3TestServer;
    let proxy: ConditionalS3Proxy;
    beforeAll(async () => {
      s3 = await S3TestServer.start('autopilot-overlap');
      proxy = await ConditionalS3Proxy.start(s3.port);
    });
    afterAll(async () => {
      await proxy?.close();
      await s3?.destroy();
    });

    it('6 rounds: one open notice, one RESOLVED, every observation counted', async () => {
      const env = {
        S3_ENDPOINT: proxy.endpoint,
        AUTOPILOT_BUCKET: s3.bucket,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
      };
      const entry = async () => {
        const object = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'state/alerts/health.json' }));
        return parseAlertState(await object.Body!.transformToString()).entries['web/api']!;
      };
      const result = await scenario(3, 3, join(dir, 'unused'), env, entry);
      expectOneOpenOneResolved(result, 3, 3);
      const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'history/days/' }));
      const days = await Promise.all(
        (listed.Contents ?? []).map(async (o) => {
          const object = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: o.Key }));
          return object.Body!.transformToString();
        }),
      );
      expect(historyTotals(days)).toEqual({ runs: 12, failures: 6, applied: 12 });
    }, 300_000);
  });
});

describe('six overlapping `autopilot run digest` (issue 19: each sent its own digest)', () => {
  it('local store: one digest between them, and a seventh run the same day sends none either', async () => {
    const args = ['run', 'digest', '--local', '--json', '--config', config, '--store', join(dir, 'digest-store')];
    const results = await Promise.all(Array.from({ length: 6 }, () => runAutopilot(args)));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const reports = results.map((r) => JSON.parse(r.stdout) as Report);
    expect(reports.flatMap((r) => r.notifications).map((n) => n.topic)).toEqual(['digest']);
    for (const report of reports.filter((r) => r.notifications.length === 0)) {
      expect(report.warnings?.at(-1)).toMatch(/today's digest \(\d{4}-\d{2}-\d{2}\) went out at .*: not sent again|another run is sending/);
    }
    const seventh = await runAutopilot(args);
    expect(seventh.code, seventh.stderr).toBe(0);
    expect((JSON.parse(seventh.stdout) as Report).notifications).toEqual([]);
  }, 300_000);
});
