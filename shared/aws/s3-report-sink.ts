import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportObject, ReportSink } from '../report/ports';

export interface S3ReportSinkOptions {
  /** The stack's report bucket (REPORT_BUCKET). */
  bucket: string;
}

/**
 * Reports in the stack's report bucket: one PutObject per file, with its content type (a browser
 * opens report.html as a page) and SSE-S3 asked for explicitly, as the bucket's default encryption
 * also does. The bucket is versioned, so writing a key again keeps the earlier version until the
 * lifecycle rule expires it.
 */
export class S3ReportSink implements ReportSink {
  constructor(
    private readonly s3: S3Client,
    private readonly options: S3ReportSinkOptions,
  ) {}

  async put(object: ReportObject): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: object.key,
        Body: object.body,
        ContentType: object.contentType,
        ServerSideEncryption: 'AES256',
      }),
    );
  }
}
