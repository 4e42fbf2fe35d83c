import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The demo's stand-in for a user's application: `/health` answers `{"status":"ok"}` until it is
 * broken, then 503 `{"status":"down"}`, the way a real app's health endpoint fails.
 */
export class DemoApp {
  private healthy = true;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<DemoApp> {
    let app: DemoApp | undefined;
    const server = createServer((req, res) => {
      const ok = app?.healthy ?? true;
      if (req.url !== '/health') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'down' }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    app = new DemoApp(server);
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/health`;
  }

  break(): void {
    this.healthy = false;
  }

  mend(): void {
    this.healthy = true;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
