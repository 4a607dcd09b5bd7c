import {
  FisClient,
  GetExperimentCommand,
  ListExperimentsCommand,
  ResourceNotFoundException,
  StartExperimentCommand,
  StopExperimentCommand,
  type ExperimentStatus,
} from '@aws-sdk/client-fis';
import 'aws-sdk-client-mock-jest';
import { fisClientToken, FisExperimentProvider } from '../../../shared/aws/faults/fis-experiment';
import type { FaultRecord, ResolvedTarget } from '../../../shared/domain/execution';
import { InjectionError, RevertError } from '../../../shared/errors';
import type { InjectRequest } from '../../../shared/ports';
import { mockFis } from '../../support/fis-stub';

const fis = mockFis();

const provider = () =>
  new FisExperimentProvider({
    fis: new FisClient({}),
    poll: { attempts: 3, intervalMs: 3000, sleep: async () => undefined },
  });

const target: ResolvedTarget = {
  name: 'az',
  provider: 'aws',
  resourceType: 'aws:fis:experiment-template',
  id: 'EXTa1b2c3de5f6g7h',
  key: 'aws:fis:experiment-template:EXTa1b2c3de5f6g7h',
};

const request: InjectRequest = {
  executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
  action: 'az-outage',
  faultType: 'fis-experiment',
  target,
  parameters: { experimentTemplateId: 'EXTa1b2c3de5f6g7h' },
  expiresAt: new Date('2026-11-29T10:05:00Z'),
};

const experiment = (status: ExperimentStatus, reason?: string) => ({
  experiment: {
    id: 'EXPaBCD1efg2HIJkL3',
    experimentTemplateId: 'EXTa1b2c3de5f6g7h',
    state: { status, ...(reason ? { reason } : {}) },
  },
});

const fault = (handle?: Record<string, string>): FaultRecord => ({
  executionId: request.executionId,
  action: 'az-outage',
  faultType: 'fis-experiment',
  target,
  parameters: request.parameters,
  state: 'INJECTED',
  ...(handle ? { handle } : {}),
  armedAt: '2026-11-29T10:00:00.000Z',
  expiresAt: '2026-11-29T10:05:00.000Z',
});

beforeEach(() => fis.reset());

describe('FisExperimentProvider.inject', () => {
  it('starts the template idempotently, tagged with the execution, and waits until it runs', async () => {
    // Prepare
    fis.on(StartExperimentCommand).resolves(experiment('pending'));
    fis.on(GetExperimentCommand).resolvesOnce(experiment('pending')).resolves(experiment('running'));

    // Act
    const outcome = await provider().inject(request);

    // Assess
    expect(fis.commandCalls(StartExperimentCommand)[0]!.args[0].input).toEqual({
      clientToken: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01-az-outage',
      experimentTemplateId: 'EXTa1b2c3de5f6g7h',
      tags: { 'faultline:execution-id': '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01', 'faultline:action': 'az-outage' },
    });
    expect(fis.commandCalls(GetExperimentCommand).map((c) => c.args[0].input)).toEqual([
      { id: 'EXPaBCD1efg2HIJkL3' },
      { id: 'EXPaBCD1efg2HIJkL3' },
    ]);
    expect(outcome).toEqual({
      handle: { experimentId: 'EXPaBCD1efg2HIJkL3', experimentTemplateId: 'EXTa1b2c3de5f6g7h' },
    });
  });

  it("puts the stack's opt-in tag on the experiment when given, so that IAM conditions on it hold", async () => {
    // Prepare
    fis.on(StartExperimentCommand).resolves(experiment('initiating'));
    const tagged = new FisExperimentProvider({
      fis: new FisClient({}),
      targetTag: { key: 'faultline:target', value: 'true' },
    });

    // Act
    await tagged.inject(request);

    // Assess
    expect(fis.commandCalls(StartExperimentCommand)[0]!.args[0].input.tags).toEqual({
      'faultline:target': 'true',
      'faultline:execution-id': '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
      'faultline:action': 'az-outage',
    });
  });

  it('needs no second look when the experiment is already initiating', async () => {
    // Prepare
    fis.on(StartExperimentCommand).resolves(experiment('initiating'));

    // Act
    await provider().inject(request);

    // Assess
    expect(fis.commandCalls(GetExperimentCommand)).toHaveLength(0);
  });

  it("throws with FIS's reason when the experiment failed to start", async () => {
    // Prepare
    fis.on(StartExperimentCommand).resolves(experiment('pending'));
    fis.on(GetExperimentCommand).resolves(experiment('failed', 'Target resolution failed'));

    // Act / Assess
    await expect(provider().inject(request)).rejects.toThrow(
      'fis-experiment: experiment EXPaBCD1efg2HIJkL3 is failed (Target resolution failed), expected initiating or running',
    );
  });

  it('refuses a template id that is not the target', async () => {
    await expect(provider().inject({ ...request, parameters: { experimentTemplateId: 'EXTother' } })).rejects.toThrow(
      InjectionError,
    );
    expect(fis).not.toHaveReceivedAnyCommand();
  });

  it('keeps the idempotency token at 64 characters or fewer', () => {
    const token = fisClientToken('x'.repeat(60), 'a-long-action-name');
    expect(token.length).toBeLessThanOrEqual(64);
    expect(token).toBe(fisClientToken('x'.repeat(60), 'a-long-action-name'));
    expect(token).not.toBe(fisClientToken('x'.repeat(60), 'a-long-action-nam3'));
  });
});

describe('FisExperimentProvider.revert', () => {
  it('stops a running experiment and follows it until stopped', async () => {
    // Prepare
    fis
      .on(GetExperimentCommand)
      .resolvesOnce(experiment('running'))
      .resolvesOnce(experiment('stopping'))
      .resolves(experiment('stopped'));
    fis.on(StopExperimentCommand).resolves(experiment('stopping'));

    // Act
    await provider().revert(fault({ experimentId: 'EXPaBCD1efg2HIJkL3' }));

    // Assess
    expect(fis.commandCalls(StopExperimentCommand)[0]!.args[0].input).toEqual({ id: 'EXPaBCD1efg2HIJkL3' });
    expect(fis.commandCalls(GetExperimentCommand)).toHaveLength(3);
  });

  it('leaves a completed experiment alone', async () => {
    // Prepare
    fis.on(GetExperimentCommand).resolves(experiment('completed'));

    // Act
    await provider().revert(fault({ experimentId: 'EXPaBCD1efg2HIJkL3' }));

    // Assess
    expect(fis.commandCalls(StopExperimentCommand)).toHaveLength(0);
  });

  it('is fine when the experiment ended between the look and the stop', async () => {
    // Prepare
    fis.on(GetExperimentCommand).resolvesOnce(experiment('running')).resolves(experiment('completed'));
    fis
      .on(StopExperimentCommand)
      .rejects(Object.assign(new Error('Experiment is not running'), { name: 'ValidationException' }));

    // Act / Assess
    await expect(provider().revert(fault({ experimentId: 'EXPaBCD1efg2HIJkL3' }))).resolves.toBeUndefined();
  });

  it('finds the experiment by its tags when the inject died before recording it', async () => {
    // Prepare
    fis
      .on(ListExperimentsCommand)
      .resolvesOnce({
        experiments: [{ id: 'EXPother', tags: { 'faultline:execution-id': 'another' } }],
        nextToken: 'n',
      })
      .resolvesOnce({
        experiments: [
          {
            id: 'EXPaBCD1efg2HIJkL3',
            tags: { 'faultline:execution-id': request.executionId, 'faultline:action': 'az-outage' },
          },
        ],
      });
    fis.on(GetExperimentCommand).resolvesOnce(experiment('running')).resolves(experiment('stopped'));
    fis.on(StopExperimentCommand).resolves({});

    // Act
    await provider().revert(fault());

    // Assess
    expect(fis.commandCalls(ListExperimentsCommand).map((c) => c.args[0].input)).toEqual([
      { maxResults: 100 },
      { maxResults: 100, nextToken: 'n' },
    ]);
    expect(fis.commandCalls(StopExperimentCommand).map((c) => c.args[0].input)).toContainEqual({
      id: 'EXPaBCD1efg2HIJkL3',
    });
  });

  it('has nothing to stop when no experiment was ever started', async () => {
    // Prepare
    fis.on(ListExperimentsCommand).resolves({ experiments: [] });

    // Act
    await provider().revert(fault());

    // Assess
    expect(fis.commandCalls(StopExperimentCommand)).toHaveLength(0);
  });

  it('is fine with an experiment FIS no longer knows', async () => {
    // Prepare
    fis.on(GetExperimentCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));

    // Act / Assess
    await expect(provider().revert(fault({ experimentId: 'EXPgone' }))).resolves.toBeUndefined();
  });

  it('throws a RevertError when the experiment is still stopping after the last check', async () => {
    // Prepare
    fis.on(GetExperimentCommand).resolvesOnce(experiment('running')).resolves(experiment('stopping'));
    fis.on(StopExperimentCommand).resolves({});

    // Act / Assess
    const error = await provider()
      .revert(fault({ experimentId: 'EXPaBCD1efg2HIJkL3' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RevertError);
    expect((error as Error).message).toBe(
      'fis-experiment: experiment EXPaBCD1efg2HIJkL3 still stopping after StopExperiment',
    );
  });
});
