import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { freePort } from './postgres-cluster.js';

/**
 * A loopback proxy in front of an S3 server that flips one byte in the body of the first PUT
 * whose path matches, the way a faulty link or middlebox would: the server stores (and digests)
 * bytes other than those the client sent. Everything else passes through untouched.
 */
export class CorruptingS3Proxy {
  /** Paths of the requests whose body was damaged. */
  readonly corrupted: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number, matches: (path: string) => boolean, offset = 1_000): Promise<CorruptingS3Proxy> {
    const port = await freePort();
    let proxy!: CorruptingS3Proxy;
    const server = createServer((req, res) => proxy.forward(req, res, upstreamPort, matches, offset));
    proxy = new CorruptingS3Proxy(server, port);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    upstreamPort: number,
    matches: (path: string) => boolean,
    offset: number,
  ): void {
    const path = req.url ?? '';
    const damage = req.method === 'PUT' && this.corrupted.length === 0 && matches(path);
    if (damage) this.corrupted.push(path);
    const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path, headers: req.headers }, (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    });
    upstream.once('error', () => {
      res.writeHead(502);
      res.end();
    });
    if (!damage) {
      req.pipe(upstream);
      return;
    }
    let seen = 0;
    const flip = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (seen <= offset && seen + chunk.length > offset) {
          const copy = Buffer.from(chunk);
          copy[offset - seen] = copy[offset - seen]! ^ 0xff;
          chunk = copy;
        }
        seen += chunk.length;
        done(null, chunk);
      },
    });
    req.pipe(flip).pipe(upstream);
  }
}
