import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { freePort } from './postgres-cluster.js';

interface StoredVersion {
  readonly id: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
  /** A DeleteObject on the versioned bucket: the versions before it stay, none of them current. */
  readonly deleteMarker?: boolean;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * s3rver ignores If-Match and If-None-Match on PutObject. This loopback proxy in front of it
 * enforces them as S3 does (412 Precondition Failed), serialising each object's requests so the
 * check and the write are atomic and no read sees a write half done (s3rver writes in place);
 * multipart parts and bucket requests pass through untouched.
 *
 * s3rver has no versioning either. With `versioned`, the proxy keeps every body a single-request
 * PutObject stored, as a versioned bucket would, and answers ListObjectVersions
 * (`GET /bucket?versions&prefix=`) and GetObject with a `versionId` from them; a DeleteObject adds a delete marker,
 * so the deleted object's versions are all listed as noncurrent, as S3 lists them.
 */
export class ConditionalS3Proxy {
  private readonly locks = new Map<string, Promise<void>>();
  /** Every version stored through the proxy, oldest first, by `/bucket/key` path. */
  readonly versions = new Map<string, StoredVersion[]>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly versioned: boolean,
  ) {}

  static async start(upstreamPort: number, options: { versioned?: boolean } = {}): Promise<ConditionalS3Proxy> {
    const port = await freePort();
    let proxy!: ConditionalS3Proxy;
    const server = createServer((req, res) => void proxy.handle(req, res, upstreamPort));
    proxy = new ConditionalS3Proxy(server, port, options.versioned ?? false);
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
    if (this.versioned && this.answerVersions(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://proxy');
    // An object's path (/bucket/key), outside multipart uploads: its reads and writes take turns, below.
    const objectPath = url.pathname.split('/').length > 2 && !url.searchParams.has('uploadId') ? url.pathname : undefined;
    if (objectPath === undefined) {
      this.forward(req, res, upstreamPort);
      return;
    }
    // s3rver writes an object in place (truncate, then write) and its metadata apart, so a read that overlaps a write
    // can see half a document: S3 never shows that (a PUT is atomic). Serialising each key's requests restores it.
    const previous = this.locks.get(objectPath) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.locks.set(
      objectPath,
      previous.then(() => mine),
    );
    await previous;
    try {
      if (req.method === 'PUT' && (ifMatch !== undefined || ifNoneMatch !== undefined)) {
        const current = await this.headEtag(req, upstreamPort);
        const failed = (ifNoneMatch === '*' && current !== undefined) || (ifMatch !== undefined && current !== ifMatch);
        if (failed) {
          req.resume();
          res.writeHead(412, { 'content-type': 'application/xml' });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions ' +
              'you specified did not hold</Message></Error>',
          );
          return;
        }
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

  /** ListObjectVersions and versioned GetObject, from the versions kept; true when it answered. */
  private answerVersions(req: IncomingMessage, res: import('node:http').ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (req.method !== 'GET') return false;
    if (url.searchParams.has('versions')) {
      const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
      const prefix = url.searchParams.get('prefix') ?? '';
      const rows = [...this.versions]
        .map(([path, versions]) => [decodeURIComponent(path.split('/').slice(2).join('/')), versions] as const)
        .filter(([key]) => key.startsWith(prefix))
        .flatMap(([key, versions]) =>
          versions
            .map((v, i) => ({ key, v, latest: i === versions.length - 1 }))
            .reverse()
            .map(({ key: k, v, latest }) =>
              v.deleteMarker
                ? `<DeleteMarker><Key>${xmlEscape(k)}</Key><VersionId>${v.id}</VersionId><IsLatest>${latest}</IsLatest>` +
                  `<LastModified>${v.lastModified.toISOString()}</LastModified></DeleteMarker>`
                : `<Version><Key>${xmlEscape(k)}</Key><VersionId>${v.id}</VersionId><IsLatest>${latest}</IsLatest>` +
                  `<LastModified>${v.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(v.etag)}</ETag>` +
                  `<Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`,
            ),
        );
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>` +
          `${rows.join('')}</ListVersionsResult>`,
      );
      return true;
    }
    const versionId = url.searchParams.get('versionId');
    if (versionId === null) return false;
    const version = this.versions.get(url.pathname)?.find((v) => v.id === versionId);
    if (!version) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchVersion</Code><Message>no such version</Message></Error>');
      return true;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(version.body.length),
      etag: version.etag,
      'last-modified': version.lastModified.toUTCString(),
      'x-amz-version-id': version.id,
    });
    res.end(version.body);
    return true;
  }

  private forward(req: IncomingMessage, res: import('node:http').ServerResponse, upstreamPort: number): void {
    // A single-request PutObject (no upload id or part number) becomes a version when the bucket is versioned.
    const url = new URL(req.url ?? '/', 'http://proxy');
    const keep =
      this.versioned &&
      (req.method === 'PUT' || req.method === 'DELETE') &&
      !url.searchParams.has('uploadId') &&
      !url.searchParams.has('partNumber') &&
      url.pathname.split('/').length > 2;
    const chunks: Buffer[] = [];
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (response) => {
        if (keep && req.method === 'PUT' && response.statusCode === 200) {
          const list = this.versions.get(url.pathname) ?? [];
          list.push({ id: randomUUID(), body: Buffer.concat(chunks), etag: String(response.headers.etag), lastModified: new Date() });
          this.versions.set(url.pathname, list);
        }
        if (keep && req.method === 'DELETE' && response.statusCode === 204 && this.versions.has(url.pathname)) {
          const list = this.versions.get(url.pathname)!;
          const marker = { id: randomUUID(), body: Buffer.alloc(0), etag: '', lastModified: new Date(), deleteMarker: true };
          if (!list.at(-1)?.deleteMarker) list.push(marker);
        }
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.once('error', () => {
      // Cut mid-answer (headers sent): end the connection as S3 would, rather than throw in the test process.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502);
      res.end();
    });
    if (keep) req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.pipe(upstream);
  }
}
