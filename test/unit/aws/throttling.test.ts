import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HostFaultProvider } from '../../../shared/aws/faults/host-faults';

/**
 * A throttled call is retried by the SDK client the adapters are given (standard retry mode),
 * not by hand: checked with a real SSMClient against a loopback server speaking the SSM JSON
 * protocol, which throttles the first SendCommand.
 */
describe('a throttled AWS call is retried', () => {
  let server: Server;
  let endpoint: string;
  const calls: { target: string; status: number; body: Record<string, unknown> }[] = [];
  let sendCommandAnswers = 0;

  const readBody = (req: IncomingMessage) =>
    new Promise<Record<string, unknown>>((resolve) => {
      let text = '';
      req.on('data', (chunk) => (text += String(chunk)));
      req.on('end', () => resolve(JSON.parse(text || '{}') as Record<string, unknown>));
    });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const target = String(req.headers['x-amz-target']);
      const body = await readBody(req);
      let status = 200;
      let answer: unknown;
      if (target === 'AmazonSSM.SendCommand' && sendCommandAnswers++ === 0) {
        status = 400;
        answer = { __type: 'ThrottlingException', message: 'Rate exceeded' };
      } else if (target === 'AmazonSSM.SendCommand') {
        answer = { Command: { CommandId: 'cmd-1', DocumentName: body.DocumentName, Status: 'Pending' } };
      } else if (target === 'AmazonSSM.ListCommandInvocations') {
        answer = {
          CommandInvocations: [{ CommandId: 'cmd-1', InstanceId: 'i-1', Status: 'Success', StatusDetails: 'Success' }],
        };
      } else {
        status = 400;
        answer = { __type: 'UnknownOperationException', message: target };
      }
      calls.push({ target, status, body });
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('SendCommand throttled once is sent again, and the fault counts as injected', async () => {
    const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
    const ssm = new SSMClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 3, retryMode: 'standard' });
    const provider = new HostFaultProvider({
      ssm,
      ec2: new EC2Client({ endpoint, region: 'us-east-1', credentials }),
      documentPrefix: 'faultline-dev-',
      poll: { attempts: 3, intervalMs: 1, sleep: async () => undefined },
    });

    const outcome = await provider.inject({
      executionId: 'exec-1',
      action: 'stress',
      faultType: 'cpu-stress',
      target: {
        name: 'web',
        provider: 'aws',
        resourceType: 'aws:ec2:instance',
        id: 'i-1',
        key: 'aws:ec2:instance:i-1',
      },
      parameters: { loadPercent: 80, workers: 1 },
      expiresAt: new Date(Date.now() + 300_000),
    });
    ssm.destroy();

    expect(outcome.handle).toMatchObject({ commandId: 'cmd-1', documentName: 'faultline-dev-cpu-stress' });
    const sends = calls.filter((c) => c.target === 'AmazonSSM.SendCommand');
    expect(sends.map((c) => c.status)).toEqual([400, 200]);
    expect(sends[1]!.body).toEqual(sends[0]!.body);
    expect(sends[1]!.body).toMatchObject({ DocumentName: 'faultline-dev-cpu-stress', InstanceIds: ['i-1'] });
  });
});
