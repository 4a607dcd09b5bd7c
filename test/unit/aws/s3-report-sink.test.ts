import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { S3ReportSink } from '../../../shared/aws/s3-report-sink';

const s3 = mockClient(S3Client);

beforeEach(() => s3.reset());

describe('S3ReportSink', () => {
  it('writes each report file with PutObject: the bucket, the key, the text, its content type and SSE-S3', async () => {
    s3.on(PutObjectCommand).resolves({});
    const sink = new S3ReportSink(new S3Client({}), { bucket: 'faultline-ci-reports-123456789012' });

    await sink.put({ key: 'reports/checkout/e-1/report.html', body: '<!doctype html>', contentType: 'text/html' });

    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'faultline-ci-reports-123456789012',
      Key: 'reports/checkout/e-1/report.html',
      Body: '<!doctype html>',
      ContentType: 'text/html',
      ServerSideEncryption: 'AES256',
    });
  });

  it('fails when S3 refuses the write, so that the event is retried and then dead-lettered', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const sink = new S3ReportSink(new S3Client({}), { bucket: 'b' });

    await expect(
      sink.put({ key: 'reports/x/y/result.json', body: '{}', contentType: 'application/json' }),
    ).rejects.toThrow('Access Denied');
  });
});
