import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface UploadedPart {
  readonly n: number;
  readonly etag: string;
  readonly size: number;
}

/**
 * The Lambda's half of an upload done by a server through presigned URLs: it opens the
 * multipart upload, signs one UploadPart URL per part (the server gets no credentials and no
 * S3 permissions), and completes or aborts the upload once the server reported its parts.
 */
export interface PartUploads {
  readonly location: string;
  create(key: string, contentType: string): Promise<string>;
  presign(key: string, uploadId: string, parts: number, expiresInSeconds: number): Promise<string[]>;
  complete(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void>;
  abort(key: string, uploadId: string): Promise<void>;
}

export class S3PartUploads implements PartUploads {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  get location(): string {
    return `s3://${this.bucket}`;
  }

  async create(key: string, contentType: string): Promise<string> {
    const response = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }));
    if (!response.UploadId) throw new Error(`CreateMultipartUpload for ${key} returned no UploadId`);
    return response.UploadId;
  }

  async presign(key: string, uploadId: string, parts: number, expiresInSeconds: number): Promise<string[]> {
    const urls: string[] = [];
    for (let n = 1; n <= parts; n++) {
      urls.push(
        await getSignedUrl(this.client, new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: n }), {
          expiresIn: expiresInSeconds,
        }),
      );
    }
    return urls;
  }

  async complete(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void> {
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.n, ETag: `"${p.etag}"` })) },
      }),
    );
  }

  async abort(key: string, uploadId: string): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
  }
}
