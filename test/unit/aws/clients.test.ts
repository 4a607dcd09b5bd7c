import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clients } from '../../../shared/aws/clients';

describe('clients', () => {
  it('builds each client once, on first use', () => {
    // Act
    const first = clients.ssm;
    const second = clients.ssm;

    // Assess
    expect(first).toBeInstanceOf(SSMClient);
    expect(second).toBe(first);
  });

  it('leaves endpoints to the SDK, which honours AWS_ENDPOINT_URL_<SERVICE>', async () => {
    // Prepare: the variable is read when the client resolves its endpoint
    process.env.AWS_ENDPOINT_URL_EC2 = 'http://localhost:4599';
    let request: { hostname?: string; port?: number } | undefined;
    const ec2: EC2Client = clients.ec2;
    ec2.middlewareStack.add(
      () => async (args) => {
        request = args.request as typeof request;
        throw new Error('captured, not sent');
      },
      { step: 'build', name: 'captureRequest' },
    );

    // Act
    await ec2.send(new DescribeInstancesCommand({})).catch(() => undefined);

    // Assess
    expect(request?.hostname).toBe('localhost');
    expect(request?.port).toBe(4599);
    delete process.env.AWS_ENDPOINT_URL_EC2;
  });
});
