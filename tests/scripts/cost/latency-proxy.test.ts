import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLatencyProxy, type LatencyProxy } from '../../../scripts/cost/latency-proxy.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function echoServer(): Promise<number> {
  const server = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function proxyTo(port: number, rttMs: number): Promise<LatencyProxy> {
  const proxy = await startLatencyProxy(port, rttMs);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** Sends the pieces one after another, half-closes, and collects everything until the proxy ends the stream. */
function exchange(port: number, pieces: string[]): Promise<{ text: string; firstByteMs: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const start = performance.now();
    let firstByteMs = -1;
    let text = '';
    socket.on('connect', () => {
      for (const piece of pieces) socket.write(piece);
      socket.end();
    });
    socket.on('data', (d) => {
      if (firstByteMs < 0) firstByteMs = performance.now() - start;
      text += d.toString();
    });
    socket.on('end', () => resolve({ text, firstByteMs }));
    socket.on('error', reject);
  });
}

describe('startLatencyProxy', () => {
  it('relays every byte in order both ways and passes the end of the stream on', async () => {
    const proxy = await proxyTo(await echoServer(), 4);
    const pieces = Array.from({ length: 50 }, (_, i) => `piece-${i};`);
    const { text } = await exchange(proxy.port, pieces);
    expect(text).toBe(pieces.join(''));
  });

  it('holds the first answer for at least the connect round trip plus one round trip', async () => {
    const rttMs = 40;
    const proxy = await proxyTo(await echoServer(), rttMs);
    const { text, firstByteMs } = await exchange(proxy.port, ['ping']);
    expect(text).toBe('ping');
    // Client -> upstream: half a round trip plus the connect round trip; upstream -> client: half a round trip.
    expect(firstByteMs).toBeGreaterThanOrEqual(2 * rttMs - 3);
  });
});
