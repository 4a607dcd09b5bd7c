import { request } from 'node:http';
import {
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { LocalBus, type BusName } from '../../local/bus';
import { startPutEventsServer, type PutEventsServer } from '../../local/put-events-server';
import type { BusEvent } from '../../shared/ports';
import type { Logger } from '../../shared/lambda/logger';
import { awsFixtureText } from '../support/fixtures';

const CUSTOM_BUS = 'faultline-local';
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const SECRET = 'local-secret-never-logged';

const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' };

const sdkClient = (url: string): EventBridgeClient =>
  new EventBridgeClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: SECRET },
    maxAttempts: 1,
  });

const validEntry = (detail: Record<string, unknown> = { key1: 'value1' }): PutEventsRequestEntry => ({
  Source: 'com.mycompany.myapp',
  DetailType: 'myDetailType',
  Detail: JSON.stringify(detail),
  EventBusName: CUSTOM_BUS,
});

describe('PutEvents endpoint in front of the local bus', () => {
  let bus: LocalBus;
  let server: PutEventsServer;
  let client: EventBridgeClient;
  let delivered: BusEvent[];
  let seen: Array<{ event: BusEvent; bus: BusName }>;
  let viaHttp: BusEvent[];

  const post = (body: unknown, extraHeaders: Record<string, string> = headers): Promise<Response> =>
    fetch(server.url, {
      method: 'POST',
      headers: extraHeaders,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    bus = new LocalBus({
      rules: [{ functionName: 'f', bus: 'custom', pattern: { source: ['com.mycompany.myapp'] } }],
      account: ACCOUNT,
      region: REGION,
    });
    bus.register('f', async (event) => {
      delivered.push(event);
    });
    bus.subscribe((event, name) => seen.push({ event, bus: name }));
    server = await startPutEventsServer({
      bus,
      port: 0,
      customBusName: CUSTOM_BUS,
      onEvent: (event) => viaHttp.push(event),
    });
    client = sdkClient(server.url);
  });

  beforeEach(() => {
    delivered = [];
    seen = [];
    viaHttp = [];
  });

  afterAll(async () => {
    client.destroy();
    await bus.idle();
    bus.stop();
    await server.close();
  });

  it('answers the AWS SDK: event ids it parses, events delivered with detail as an object', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            ...validEntry({ key1: 'value1', nested: { n: 1 } }),
            Resources: ['arn:aws:ec2:us-east-1:000000000000:instance/i-1'],
            Time: new Date('2026-11-29T10:00:00Z'),
          },
          {
            ...validEntry({ key1: 'value2' }),
            EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${CUSTOM_BUS}`,
          },
        ],
      }),
    );
    await bus.idle();

    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    const ids = out.Entries!.map((e) => e.EventId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(delivered.map((e) => e.id)).toEqual(ids);
    expect(delivered[0]).toMatchObject({
      version: '0',
      source: 'com.mycompany.myapp',
      'detail-type': 'myDetailType',
      account: ACCOUNT,
      region: REGION,
      time: '2026-11-29T10:00:00Z',
      resources: ['arn:aws:ec2:us-east-1:000000000000:instance/i-1'],
      detail: { key1: 'value1', nested: { n: 1 } },
    });
    expect(delivered[1]!.detail).toEqual({ key1: 'value2' });
    expect(seen.map((s) => s.bus)).toEqual(['custom', 'custom']);
    expect(viaHttp.map((e) => e.id)).toEqual(ids);
  });

  it('accepts the AWS CLI example body verbatim and puts it on the default bus', async () => {
    const body = awsFixtureText('eventbridge-putevents.request-body.json');

    const res = await post(body);
    const out = (await res.json()) as { FailedEntryCount: number; Entries: Array<{ EventId?: string }> };
    await bus.idle();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries.map((e) => Object.keys(e))).toEqual([['EventId'], ['EventId']]);
    // No EventBusName: the default bus, where f's rule (on the custom bus) does not listen.
    expect(seen.map((s) => [s.bus, s.event.id, s.event.detail, s.event.resources])).toEqual([
      ['default', out.Entries[0]!.EventId, { key1: 'value1', key2: 'value2' }, ['resource1', 'resource2']],
      ['default', out.Entries[1]!.EventId, { key1: 'value3', key2: 'value4' }, ['resource1', 'resource2']],
    ]);
    expect(delivered).toEqual([]);
  });

  it('fails entries one by one, in request order, and delivers only the valid one', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          validEntry({ ok: true }),
          { ...validEntry(), Source: 'aws.ec2' },
          { Source: 'com.mycompany.myapp', DetailType: 'myDetailType', EventBusName: CUSTOM_BUS },
          { ...validEntry(), Detail: '{"not": json' },
        ],
      }),
    );
    await bus.idle();

    expect(out.FailedEntryCount).toBe(3);
    expect(out.Entries![0]!.EventId).toEqual(expect.any(String));
    expect(out.Entries!.slice(1)).toEqual([
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
    ]);
    expect(delivered.map((e) => [e.id, e.detail])).toEqual([[out.Entries![0]!.EventId, { ok: true }]]);
    expect(seen).toHaveLength(1);
  });

  it('refuses a detail that is JSON but not an object, an over-long detail-type, an empty field and an unknown bus', async () => {
    const res = await post({
      Entries: [
        { ...validEntry(), Detail: '["a"]' },
        { ...validEntry(), DetailType: 'x'.repeat(129) },
        { ...validEntry(), DetailType: '' },
        { ...validEntry(), EventBusName: 'faultline-typo' },
        { ...validEntry(), EventBusName: `arn:aws:events:${REGION}:111122223333:event-bus/${CUSTOM_BUS}` },
        {
          ...validEntry(),
          DetailType: 'y'.repeat(128),
          EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
        },
      ],
    });
    const out = (await res.json()) as {
      FailedEntryCount: number;
      Entries: Array<{ ErrorCode?: string; ErrorMessage?: string; EventId?: string }>;
    };
    await bus.idle();

    expect(res.status).toBe(200);
    expect(out.FailedEntryCount).toBe(5);
    expect(out.Entries.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'MalformedDetail',
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'ok',
    ]);
    expect(out.Entries[1]!.ErrorMessage).toMatch(/DetailType.*128/);
    expect(out.Entries[2]!.ErrorMessage).toBe(
      'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    );
    expect(out.Entries[3]!.ErrorMessage).toMatch(/^Event bus faultline-typo does not exist\./);
    expect(out.Entries[4]!.ErrorMessage).toMatch(/111122223333:event-bus\/faultline-local does not exist/);
    expect(seen.map((s) => [s.bus, s.event.id])).toEqual([['default', out.Entries[5]!.EventId]]);
  });

  it('takes Time as epoch seconds or as an RFC 3339 string', async () => {
    const res = await post({
      Entries: [
        { ...validEntry(), Time: 1796032800 },
        { ...validEntry(), Time: '2026-11-29T11:00:00+01:00' },
      ],
    });
    await bus.idle();

    expect(res.status).toBe(200);
    expect(delivered.map((e) => e.time)).toEqual(['2026-11-30T10:00:00Z', '2026-11-29T10:00:00Z']);
  });

  it('rejects a request with more than 10 entries as a whole, and the SDK throws ValidationException', async () => {
    const entries = Array.from({ length: 11 }, () => validEntry());

    const res = await post({ Entries: entries });
    const body = (await res.json()) as { __type: string; message: string };
    const thrown = await client.send(new PutEventsCommand({ Entries: entries })).catch((e: unknown) => e);
    await bus.idle();

    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(body.__type).toBe('ValidationException');
    expect(body.message).toMatch(/'entries'.*less than or equal to 10/);
    expect(thrown).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect((thrown as Error).message).toMatch(/less than or equal to 10/);
    expect(seen).toEqual([]);
  });

  it.each([
    ['missing', {}, /Member must not be null/],
    ['empty', { Entries: [] }, /greater than or equal to 1/],
  ])('rejects %s Entries with ValidationException', async (_name, body, message) => {
    const res = await post(body);

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ __type: 'ValidationException', message: expect.stringMatching(message) });
  });

  it('rejects the whole request when no entry has Source, DetailType and Detail', async () => {
    const res = await post({ Entries: [{ Source: 'com.mycompany.myapp' }, { DetailType: 'x', Detail: '{}' }] });
    await bus.idle();

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'ValidationException',
      message: expect.stringMatching(/Source, DetailType and Detail/),
    });
    expect(seen).toEqual([]);
  });

  it('rejects entries whose summed size is over the limit, counted as AWS counts it', async () => {
    const padding = 'x'.repeat(1024 * 1024);

    const res = await post({ Entries: [validEntry({ padding })] });

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'ValidationException',
      message: expect.stringMatching(/^Total size of the entries in the request is over the limit/),
    });
  });

  it('answers an unknown operation with UnknownOperationException, from fetch and from the SDK', async () => {
    const res = await post({}, { ...headers, 'x-amz-target': 'AWSEvents.ListRules' });
    const thrown = await client.send(new ListRulesCommand({})).catch((e: unknown) => e);

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: expect.stringContaining('AWSEvents.ListRules'),
    });
    expect(thrown).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
  });

  it('answers a body that is not JSON, or a JSON shape of the wrong types, with SerializationException', async () => {
    const notJson = await post('{"Entries": [');
    const wrongType = await post({ Entries: [{ ...validEntry(), Detail: { key1: 'an object, not a string' } }] });
    const wrongTime = await post({ Entries: [{ ...validEntry(), Time: 'yesterday' }] });

    for (const res of [notJson, wrongType, wrongTime]) {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { __type: string }).__type).toBe('SerializationException');
    }
  });

  it('requires the AWS JSON 1.1 content type', async () => {
    const res = await post({ Entries: [validEntry()] }, { ...headers, 'content-type': 'application/json' });

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'SerializationException',
      message: expect.stringContaining('application/x-amz-json-1.1'),
    });
  });
});

/** POSTs without Content-Length (chunked), so the cap is enforced on the stream, not the header. */
const postChunked = (url: string, body: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 512) req.write(body.slice(i, i + 512));
    req.end();
  });

describe('PutEvents endpoint limits and failures', () => {
  it('answers 413 to a body over the cap, whether it declares its length or not', async () => {
    const bus = new LocalBus({ rules: [] });
    const server = await startPutEventsServer({ bus, port: 0, customBusName: CUSTOM_BUS, maxBodyBytes: 1024 });
    const body = JSON.stringify({ Entries: [validEntry({ padding: 'x'.repeat(4096) })] });
    try {
      const declared = await fetch(server.url, { method: 'POST', headers, body });
      const chunked = await postChunked(server.url, body);

      expect(declared.status).toBe(413);
      expect(((await declared.json()) as { __type: string }).__type).toBe('RequestEntityTooLargeException');
      expect(chunked.status).toBe(413);
      expect((JSON.parse(chunked.body) as { __type: string }).__type).toBe('RequestEntityTooLargeException');
    } finally {
      await server.close();
    }
  });

  it('sizes entries as the User Guide does: UTF-8 bytes of Source, DetailType, Detail, Resources, 14 for Time', async () => {
    // 1 + 1 + 2 + 2 ("é" is two bytes) + 14 = 20 bytes.
    const entry = { Source: 'a', DetailType: 'b', Detail: '{}', Resources: ['é'], Time: 1796032800 };
    const bus = new LocalBus({ rules: [] });
    const atLimit = await startPutEventsServer({ bus, port: 0, customBusName: CUSTOM_BUS, maxEntriesBytes: 20 });
    const belowLimit = await startPutEventsServer({ bus, port: 0, customBusName: CUSTOM_BUS, maxEntriesBytes: 19 });
    try {
      const accepted = await fetch(atLimit.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ Entries: [entry] }),
      });
      const refused = await fetch(belowLimit.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ Entries: [entry] }),
      });

      expect(accepted.status).toBe(200);
      expect(((await accepted.json()) as { FailedEntryCount: number }).FailedEntryCount).toBe(0);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toMatch(/over the limit \(20 > 19 bytes\)/);
    } finally {
      await atLimit.close();
      await belowLimit.close();
    }
  });

  it('reports an entry the bus could not take as InternalFailure, and logs neither credentials nor the signature', async () => {
    const lines: string[] = [];
    const record = (message: string, fields?: Record<string, unknown>) =>
      lines.push(JSON.stringify({ message, ...fields }));
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const brokenBus = {
      account: ACCOUNT,
      region: REGION,
      putEvents: (): BusEvent[] => {
        throw new Error('bus stopped');
      },
    };
    const server = await startPutEventsServer({ bus: brokenBus, port: 0, customBusName: CUSTOM_BUS, logger });
    const client = sdkClient(server.url);
    try {
      const out = await client.send(new PutEventsCommand({ Entries: [validEntry()] }));

      expect(out.FailedEntryCount).toBe(1);
      expect(out.Entries).toEqual([{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Service Failure' }]);
      expect(lines.join('\n')).toContain('bus stopped');
      expect(lines.join('\n')).not.toMatch(/AKIDLOCALTEST|Signature=|AWS4-HMAC-SHA256|authorization/i);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('refuses a custom bus name that would shadow the default bus', async () => {
    await expect(
      startPutEventsServer({ bus: new LocalBus({ rules: [] }), port: 0, customBusName: 'default' }),
    ).rejects.toThrow(/customBusName/);
  });
});
