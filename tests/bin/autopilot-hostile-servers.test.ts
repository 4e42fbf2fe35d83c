import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/domain/report.js';
import { runAutopilot } from '../support/cli.js';

// Servers that answer to hurt: what they say ends up quoted in findings, and from there in terminals, mails, SMS
// and chat. Whatever they send, a summary is one plain line of bounded length and no secret comes back out.
const PASSWORD = 'Pw-Secret-42!';
const servers: Server[] = [];
let dir: string;

/** A PostgreSQL wire-protocol message: type byte, length, body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const errorResponse = (text: string) => message('E', Buffer.from(`SFATAL\0C28P01\0M${text}\0\0`, 'utf8'));

/** A loopback server that answers the client's first packet with `answer`. */
async function listen(answer: (socket: Socket, first: Buffer) => void): Promise<number> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (first) => answer(socket, first));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

let report: Report;
let stderr: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autopilot-hostile-'));
  // An error text with an escape sequence, line breaks and 100 KB of filler.
  const noisy = await listen((socket) => socket.end(errorResponse(`bad \u001b[31mthing\r\n\nsecond line ${'x'.repeat(100_000)}`)));
  // Asks for the password in clear text, then quotes it back in its error.
  const echo = await listen((socket) => {
    socket.write(message('R', Buffer.from([0, 0, 0, 3])));
    socket.once('data', (packet) => socket.end(errorResponse(`password "${packet.subarray(5, -1).toString()}" is wrong`)));
  });
  // Not TLS at all where a TLS handshake is expected: OpenSSL's message runs over lines.
  const plain = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  const db = (name: string, port: number) => ({
    name,
    host: '127.0.0.1',
    port,
    database: 'app',
    user: 'u',
    password: PASSWORD,
    ssl: false,
  });
  const config = join(dir, 'ops.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      alerting: { consecutiveFailures: 1 },
      targets: {
        hostile: {
          postgres: [db('noisy', noisy), db('echo', echo)],
          tcp: [{ name: 'not-tls', host: '127.0.0.1', port: plain, tls: true }],
        },
      },
    }),
  );
  const result = await runAutopilot(['run', 'health', '--local', '--json', '--config', config, '--store', join(dir, 'store')]);
  expect(result.code, result.stderr).toBe(0);
  report = JSON.parse(result.stdout) as Report;
  stderr = result.stderr;
}, 120_000);

afterAll(async () => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('findings from servers that answer to hurt', () => {
  it('keep the matrix severity: cannot connect is High for PostgreSQL, a failed handshake High for TCP', () => {
    expect(report.findings.map((f) => [f.check, f.kind, f.severity])).toEqual([
      ['noisy', 'postgres', 'high'],
      ['echo', 'postgres', 'high'],
      ['not-tls', 'tcp', 'high'],
    ]);
  });

  it('summarise each in one plain line of at most 1,000 characters', () => {
    for (const finding of report.findings) {
      expect(finding.summary, finding.check).not.toMatch(CONTROL);
      expect(finding.summary.length, finding.check).toBeLessThanOrEqual(1_000);
    }
    expect(report.findings[0]!.summary).toMatch(/^cannot connect: bad \[31mthing second line x+…$/);
    for (const value of Object.values(report.findings[0]!.observed ?? {})) {
      if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(2_000);
    }
    expect(JSON.stringify(report).length).toBeLessThan(60_000);
  });

  it('send no control character to the terminal or into the SMS, and no password anywhere', () => {
    expect(stderr).not.toContain('\u001b');
    const [notice] = report.notifications;
    expect(notice?.bodies?.sms).toBeDefined();
    expect(notice!.bodies!.sms).not.toMatch(CONTROL);
    expect(notice!.subject).not.toMatch(CONTROL);
    expect(report.findings[1]!.summary).toBe('cannot connect: password "***" is wrong');
    expect(JSON.stringify(report)).not.toContain(PASSWORD);
    expect(stderr).not.toContain(PASSWORD);
  });
});
