import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LatencyProxy {
  readonly port: number;
  close(): Promise<void>;
}

type Item = { readonly at: number; readonly chunk: Buffer | null };

/** Writes chunks to `to` no earlier than their due time, in order; a null chunk ends the stream. */
function delayedPipe(to: net.Socket): (chunk: Buffer | null, delayMs: number) => void {
  const queue: Item[] = [];
  let _timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    _timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk) to.write(chunk);
      else to.end();
    }
    if (queue.length) _timer = setTimeout(pump, Math.max(0, queue[0]!.at - now));
  };
  return (chunk, delayMs) => {
    const last = queue.length ? queue[queue.length - 1]!.at : 0;
    queue.push({ at: Math.max(performance.now() + delayMs, last), chunk });
    _timer ??= setTimeout(pump, delayMs);
  };
}

/**
 * A TCP proxy on loopback that makes a connection pay network round trips: each chunk is held for
 * half the round-trip time in each direction, and the client's first chunk one round trip more,
 * standing in for the TCP handshake that loopback completes at once. So a TLS handshake, a SCRAM
 * exchange or an HTTP request costs about what it would over a network with that round-trip time.
 */
export async function startLatencyProxy(upstreamPort: number, roundTripMs: number): Promise<LatencyProxy> {
  const oneWayMs = roundTripMs / 2;
  const sockets = new Set<net.Socket>();
  // Half-open both ways: an end from one side is passed on (late), not answered at once by Node.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const toUpstream = delayedPipe(upstream);
    const toClient = delayedPipe(client);
    let first = true;
    client.on('data', (chunk) => {
      toUpstream(chunk, first ? oneWayMs + roundTripMs : oneWayMs);
      first = false;
    });
    upstream.on('data', (chunk) => toClient(chunk, oneWayMs));
    client.on('end', () => toUpstream(null, oneWayMs));
    upstream.on('end', () => toClient(null, oneWayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
