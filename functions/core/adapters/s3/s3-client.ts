import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client for the suite's bucket. With S3_ENDPOINT set (an S3-compatible server in
 * --local runs) it uses path-style addressing and computes checksums only when required,
 * which such servers need to store streamed bodies intact.
 */
export function createS3Client(endpoint = process.env.S3_ENDPOINT): S3Client {
  if (!endpoint) return new S3Client({});
  return new S3Client({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
