import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { freePort } from './postgres-cluster.js';

/**
 * s3rver ignores If-Match and If-None-Match on PutObject. This loopback proxy in front of it
 * enforces them as S3 does (412 Precondition Failed), serialising writes per key so the check
 * and the write are atomic; every other request passes through untouched.
 */
export class ConditionalS3Proxy {
  private readonly locks = new Map<string, Promise<void>>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number): Promise<ConditionalS3Proxy> {
    const port = await freePort();
    let proxy!: ConditionalS3Proxy;
    const server = createServer((req, res) => void proxy.handle(req, res, upstreamPort));
    proxy = new ConditionalS3Proxy(server, port);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse, upstreamPort: number): Promise<void> {
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    if (req.method !== 'PUT' || (ifMatch === undefined && ifNoneMatch === undefined)) {
      this.forward(req, res, upstreamPort);
      return;
    }
    const key = req.url ?? '';
    const previous = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.locks.set(
      key,
      previous.then(() => mine),
    );
    await previous;
    try {
      const current = await this.headEtag(req, upstreamPort);
      const failed = (ifNoneMatch === '*' && current !== undefined) || (ifMatch !== undefined && current !== ifMatch);
      if (failed) {
        req.resume();
        res.writeHead(412, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
        );
        return;
      }
      await new Promise<void>((resolve) => {
        res.once('finish', resolve);
        res.once('close', resolve);
        this.forward(req, res, upstreamPort);
      });
    } finally {
      release();
    }
  }

  private headEtag(req: IncomingMessage, upstreamPort: number): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const path = (req.url ?? '').split('?')[0];
      // s3rver checks signatures only when asked to, so an unsigned HEAD reads the current ETag.
      const head = request({ host: '127.0.0.1', port: upstreamPort, method: 'HEAD', path }, (response) => {
        response.resume();
        resolve(response.statusCode === 200 ? String(response.headers.etag) : undefined);
      });
      head.once('error', reject);
      head.end();
    });
  }

  private forward(req: IncomingMessage, res: import('node:http').ServerResponse, upstreamPort: number): void {
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.once('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
}
