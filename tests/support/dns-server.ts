import { createSocket, type Socket } from 'node:dgram';

/**
 * A real DNS server on 127.0.0.1 (UDP) answering fixed records, for the dns kind's tests: what a resolver library
 * sends and parses goes over the wire. Names not in `zone` get NXDOMAIN; a name in `servfail` gets SERVFAIL; with
 * `silent` it reads queries and never answers (a resolver that times out). Counts the queries it saw.
 */
export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS';

export interface Zone {
  readonly [name: string]: Partial<Record<RecordType, readonly string[]>>;
}

const TYPE_CODES: Record<RecordType, number> = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 };
const CODE_TYPES = Object.fromEntries(Object.entries(TYPE_CODES).map(([t, c]) => [c, t])) as Record<number, RecordType>;

export class DnsTestServer {
  queries = 0;
  silent = false;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly zone: Zone,
    private readonly servfail: ReadonlySet<string>,
  ) {
    socket.on('message', (message, peer) => {
      this.queries++;
      if (this.silent) return;
      const answer = this.answer(message);
      if (answer) socket.send(answer, peer.port, peer.address);
    });
  }

  static async start(zone: Zone, options: { servfail?: readonly string[] } = {}): Promise<DnsTestServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new DnsTestServer(socket, socket.address().port, zone, new Set(options.servfail ?? []));
  }

  /** `127.0.0.1:<port>`: the `resolver` of a check. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer): Buffer | undefined {
    if (query.length < 12) return undefined;
    const id = query.readUInt16BE(0);
    const [name, end] = readName(query, 12);
    const type = CODE_TYPES[query.readUInt16BE(end)];
    const question = query.subarray(12, end + 4);
    const key = name.toLowerCase();
    const servfail = this.servfail.has(key);
    const records = servfail ? undefined : this.zone[key];
    const values = records && type ? (records[type] ?? []) : [];
    // Flags: a response (QR), recursion desired and available, RCODE 0 / 2 (SERVFAIL) / 3 (NXDOMAIN).
    const rcode = servfail ? 2 : records ? 0 : 3;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE(0x8180 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(values.length, 6);
    const answers = values.map((value) => resourceRecord(type!, value));
    return Buffer.concat([header, question, ...answers]);
  }
}

function readName(buffer: Buffer, start: number): [string, number] {
  const labels: string[] = [];
  let at = start;
  while (buffer[at]! > 0) {
    const length = buffer[at]!;
    labels.push(buffer.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return [labels.join('.'), at + 1];
}

function encodeName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, '')
    .split('.')
    .filter(Boolean)
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function rdataOf(type: RecordType, value: string): Buffer {
  switch (type) {
    case 'A':
      return Buffer.from(value.split('.').map(Number));
    case 'AAAA': {
      const [head, tail = ''] = value.split('::');
      const left = head ? head.split(':') : [];
      const right = tail ? tail.split(':') : [];
      const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
      const out = Buffer.alloc(16);
      for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g || '0', 16), i * 2);
      return out;
    }
    case 'MX': {
      const [priority, exchange] = value.split(' ');
      const out = Buffer.alloc(2);
      out.writeUInt16BE(Number(priority), 0);
      return Buffer.concat([out, encodeName(exchange!)]);
    }
    case 'TXT': {
      const text = Buffer.from(value, 'utf8');
      return Buffer.concat([Buffer.from([text.length]), text]);
    }
    default:
      return encodeName(value);
  }
}

function resourceRecord(type: RecordType, value: string): Buffer {
  const rdata = rdataOf(type, value);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE_CODES[type], 0);
  fixed.writeUInt16BE(1, 2); // IN
  fixed.writeUInt32BE(60, 4); // TTL
  fixed.writeUInt16BE(rdata.length, 8);
  // The owner name as a pointer to the question's name at offset 12.
  return Buffer.concat([Buffer.from([0xc0, 12]), fixed, rdata]);
}
