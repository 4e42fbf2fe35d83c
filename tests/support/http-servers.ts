import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a route answers. Fields combine: delay, then status and headers, then the body in one of its forms. */
export interface RouteSpec {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Wait before sending the status line. */
  readonly delayMs?: number;
  /** Send the headers at once, then these pieces one interval apart. */
  readonly slowBody?: { readonly chunks: readonly string[]; readonly intervalMs: number };
  /** Stream this many bytes, honouring back-pressure and stopping when the client goes away. */
  readonly streamBytes?: number;
  /** Answer 302 with this Location. */
  readonly redirectTo?: string;
  /** Accept the request and never answer. */
  readonly hang?: boolean;
}

export type Route = RouteSpec | ((req: IncomingMessage, res: ServerResponse) => void);

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
}

export interface ServerStats {
  inFlight: number;
  maxInFlight: number;
  /** Body bytes handed to the socket by `streamBytes` routes. */
  bytesStreamed: number;
}

export interface TestHttpServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly stats: ServerStats;
  url(path?: string): string;
  route(path: string, route: Route): void;
  close(): Promise<void>;
}

const STREAM_CHUNK = Buffer.alloc(64 * 1024, 'x');

export function startHttpServer(routes: Record<string, Route> = {}): Promise<TestHttpServer> {
  return listen('http', http.createServer(), routes);
}

export function startHttpsServer(routes: Record<string, Route>, tls: { cert: string; key: string }): Promise<TestHttpServer> {
  return listen('https', https.createServer({ cert: tls.cert, key: tls.key }), routes);
}

async function listen(scheme: 'http' | 'https', server: http.Server, initial: Record<string, Route>): Promise<TestHttpServer> {
  const routes = new Map(Object.entries(initial));
  const requests: RecordedRequest[] = [];
  const stats: ServerStats = { inFlight: 0, maxInFlight: 0, bytesStreamed: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let counted = true;
    // Counted down before the last byte leaves, so a client's next request never overlaps this one in the figures.
    const done = (): void => {
      if (counted) stats.inFlight--;
      counted = false;
    };
    res.on('close', done);
    const route = routes.get(path);
    if (!route) {
      done();
      res.writeHead(404).end('not found');
      return;
    }
    if (typeof route === 'function') {
      route(req, res);
      return;
    }
    if (route.hang) return;
    later(route.delayMs ?? 0, () => answer(route, res, done, later, stats));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `${scheme}://127.0.0.1:${port}`;
  return {
    origin,
    port,
    requests,
    stats,
    url: (path = '/') => `${origin}${path}`,
    route: (path, route) => void routes.set(path, route),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(
  route: RouteSpec,
  res: ServerResponse,
  done: () => void,
  later: (ms: number, fn: () => void) => void,
  stats: ServerStats,
): void {
  if (res.destroyed) {
    done();
    return;
  }
  const headers = { ...route.headers, ...(route.redirectTo ? { location: route.redirectTo } : {}) };
  res.writeHead(route.status ?? (route.redirectTo ? 302 : 200), headers);
  if (route.slowBody) {
    const pieces = [...route.slowBody.chunks];
    const next = (): void => {
      if (res.destroyed) {
        done();
        return;
      }
      const piece = pieces.shift();
      if (piece === undefined) {
        done();
        res.end();
        return;
      }
      res.write(piece);
      later(route.slowBody!.intervalMs, next);
    };
    next();
    return;
  }
  if (route.streamBytes !== undefined) {
    let left = route.streamBytes;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const chunk = left >= STREAM_CHUNK.length ? STREAM_CHUNK : STREAM_CHUNK.subarray(0, left);
        left -= chunk.length;
        stats.bytesStreamed += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      done();
      if (!res.destroyed) res.end();
    };
    pump();
    return;
  }
  done();
  res.end(route.body ?? '');
}

export interface SelfSignedCertificate {
  readonly cert: string;
  readonly key: string;
  readonly notAfter: Date;
}

/** A self-signed certificate for 127.0.0.1 expiring in `days` days, made by the openssl CLI (argv, no shell). */
export function selfSignedCertificate(days: number): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        String(days),
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const notAfterLine = execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-enddate'], { encoding: 'utf8' });
    return {
      cert: readFileSync(certPath, 'utf8'),
      key: readFileSync(keyPath, 'utf8'),
      notAfter: new Date(notAfterLine.trim().replace(/^notAfter=/, '')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
