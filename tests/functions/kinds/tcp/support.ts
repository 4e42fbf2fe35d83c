import net from 'node:net';
import tls from 'node:tls';
import type { SelfSignedCertificate } from '../../../support/http-servers.js';

export interface LoopbackServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

function listen(server: net.Server, count: { n: number }): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    count.n++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        port: address.port,
        accepted: () => count.n,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A plain TCP server on loopback that accepts and then says nothing (as a database port would until spoken to). */
export function startTcpServer(): Promise<LoopbackServer> {
  return listen(net.createServer(), { n: 0 });
}

/** A TLS server on loopback with the given certificate. */
export function startTlsServer(certificate: SelfSignedCertificate): Promise<LoopbackServer> {
  const server = tls.createServer({ cert: certificate.cert, key: certificate.key });
  server.on('tlsClientError', () => {});
  const count = { n: 0 };
  return listen(server, count);
}
