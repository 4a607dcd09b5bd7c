import {
  type EventPattern,
  InvalidEventPatternError,
  matchesPattern,
  validatePattern,
} from '../../local/event-pattern';
import { awsFixture } from '../support/fixtures';

interface DocumentedCase {
  name: string;
  operator: string;
  pattern: unknown;
  event: unknown;
  matches: boolean;
  source: string;
}

const documented = awsFixture<DocumentedCase[]>('eventbridge-pattern-cases.documented.json');

/** The example event of the Event Ruler README, which its operator examples are written against. */
const rulerEvent = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

/** A one-field event under `detail`, the shape most guide examples use. */
const detail = (fields: Record<string, unknown>): Record<string, unknown> => ({ source: 'test', detail: fields });

describe('documented pattern cases (shared fixture)', () => {
  it('loads a non-empty fixture', () => {
    expect(documented.length).toBeGreaterThanOrEqual(12);
  });

  it.each(documented.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(validatePattern(c.pattern)).toEqual([]);
    expect(matchesPattern(c.pattern, c.event)).toBe(c.matches);
  });
});

describe('exact matching', () => {
  const pattern: EventPattern = {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
    detail: { state: ['terminated'] },
  };
  const terminated = {
    source: 'aws.ec2',
    'detail-type': 'EC2 Instance State-change Notification',
    detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
  };

  it('matches when every field matches and ignores fields the pattern does not name', () => {
    expect(matchesPattern(pattern, terminated)).toBe(true);
  });

  it('requires every field (AND across fields)', () => {
    expect(matchesPattern(pattern, { ...terminated, source: 'aws.autoscaling' })).toBe(false);
    expect(matchesPattern(pattern, { ...terminated, detail: { state: 'running' } })).toBe(false);
  });

  it('does not match when a named field is absent', () => {
    expect(matchesPattern(pattern, { source: 'aws.ec2', 'detail-type': terminated['detail-type'] })).toBe(false);
    expect(matchesPattern({ detail: { state: [null] } }, { detail: {} })).toBe(false);
  });

  it('treats the values of a leaf as alternatives (OR)', () => {
    const either = { source: ['aws.ec2', 'aws.fargate'] };
    expect(matchesPattern(either, { source: 'aws.fargate' })).toBe(true);
    expect(matchesPattern(either, { source: 'aws.ecs' })).toBe(false);
  });

  it('is case-sensitive and does no normalisation', () => {
    expect(matchesPattern({ source: ['aws.ec2'] }, { source: 'AWS.EC2' })).toBe(false);
    expect(matchesPattern({ source: ['aws.ec2'] }, { source: ' aws.ec2' })).toBe(false);
  });

  it('matches nested values by path (Macie example: risk score 80 and trigger risk 8)', () => {
    const macie = { source: ['aws.macie'], detail: { 'risk-score': [80], trigger: { risk: [8] } } };
    const event = { source: 'aws.macie', detail: { 'risk-score': 80, trigger: { risk: 8, 'alert-type': 'basic' } } };
    expect(matchesPattern(macie, event)).toBe(true);
    expect(matchesPattern(macie, { ...event, detail: { 'risk-score': 80, trigger: { risk: 7 } } })).toBe(false);
  });

  it('does not match a nested pattern against a scalar, nor a leaf against an object', () => {
    expect(matchesPattern({ detail: { state: ['x'] } }, { detail: 'x' })).toBe(false);
    expect(matchesPattern({ detail: ['x'] }, { detail: { state: 'x' } })).toBe(false);
  });

  it('keeps JSON types apart: strings, numbers, booleans and null', () => {
    expect(matchesPattern({ n: [300] }, { n: '300' })).toBe(false);
    expect(matchesPattern({ n: ['300'] }, { n: 300 })).toBe(false);
    expect(matchesPattern({ b: [true] }, { b: 'true' })).toBe(false);
    expect(matchesPattern({ b: [true] }, { b: true })).toBe(true);
    expect(matchesPattern({ b: [false] }, { b: true })).toBe(false);
  });

  it('compares numbers numerically (300 matches 3.0e2 and 300.0)', () => {
    const event = JSON.parse('{"a": 3.0e2, "b": 300.0, "c": 301}') as unknown;
    expect(matchesPattern({ a: [300] }, event)).toBe(true);
    expect(matchesPattern({ b: [3e2] }, event)).toBe(true);
    expect(matchesPattern({ c: [300] }, event)).toBe(false);
  });

  it('compares an IP-address literal as an address, so IPv6 spellings agree', () => {
    expect(matchesPattern({ ip: ['2001:db8::1'] }, { ip: '2001:0DB8:0:0:0:0:0:1' })).toBe(true);
    expect(matchesPattern({ ip: ['2001:db8::1'] }, { ip: '2001:db8::2' })).toBe(false);
    expect(matchesPattern({ ip: ['10.0.0.1'] }, { ip: '10.0.0.1' })).toBe(true);
    expect(matchesPattern({ ip: ['10.0.0.1'] }, { ip: '10.0.0.10' })).toBe(false);
  });
});

describe('null and empty string', () => {
  const launch = {
    source: 'aws.autoscaling',
    'detail-type': 'EC2 Instance Launch Successful',
    resources: [],
    detail: { eventVersion: '', responseElements: null },
  };

  it('matches null and the empty string only as themselves', () => {
    expect(matchesPattern({ detail: { responseElements: [null] } }, launch)).toBe(true);
    expect(matchesPattern({ detail: { eventVersion: [''] } }, launch)).toBe(true);
    expect(matchesPattern({ detail: { eventVersion: [null] } }, launch)).toBe(false);
    expect(matchesPattern({ detail: { responseElements: [''] } }, launch)).toBe(false);
  });

  it('does not let a null pattern match a missing field', () => {
    expect(matchesPattern({ detail: { missing: [null] } }, launch)).toBe(false);
    expect(matchesPattern({ detail: { missing: [''] } }, launch)).toBe(false);
  });
});

describe('arrays in events', () => {
  const resources = [
    'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
    'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
    'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
  ];

  it('matches when any element of the event array matches any pattern value', () => {
    const event = { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-1', resources[0]] };
    expect(matchesPattern({ resources }, event)).toBe(true);
    expect(matchesPattern({ resources }, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-1'] })).toBe(
      false,
    );
    expect(matchesPattern({ resources }, { resources: [] })).toBe(false);
  });

  it('matches objects inside arrays, flattening nested arrays', () => {
    const employees = {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones' }],
      ],
    };
    expect(matchesPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ['Maria'] } }, employees)).toBe(false);
  });

  it('never combines fields from different elements of the same array', () => {
    const employees = {
      employees: [
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
  });
});

describe('prefix', () => {
  const pattern = { time: [{ prefix: '2017-10-02' }] };

  it('matches strings that start with the prefix', () => {
    expect(matchesPattern(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matchesPattern(pattern, { time: '2017-10-03T18:43:48Z' })).toBe(false);
    expect(matchesPattern(pattern, { time: '2017-10-0' })).toBe(false);
  });

  it('only applies to strings', () => {
    expect(matchesPattern({ n: [{ prefix: '12' }] }, { n: 123 })).toBe(false);
  });

  it('ignores case with {prefix: {equals-ignore-case}}', () => {
    const service = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    expect(matchesPattern(service, detail({ service: 'EventBridge' }))).toBe(true);
    expect(matchesPattern(service, detail({ service: 'EVENTBRIDGE' }))).toBe(true);
    expect(matchesPattern(service, detail({ service: 'eventb' }))).toBe(true);
    expect(matchesPattern(service, detail({ service: 'SNS' }))).toBe(false);
  });
});

describe('suffix', () => {
  it('matches strings that end with the suffix, case-sensitively', () => {
    const png = { FileName: [{ suffix: '.png' }] };
    expect(matchesPattern(png, { FileName: 'image.png' })).toBe(true);
    expect(matchesPattern(png, { FileName: 'image.jpg' })).toBe(false);
    expect(matchesPattern(png, { FileName: 'image.PNG' })).toBe(false);
  });

  it('ignores case with {suffix: {equals-ignore-case}}', () => {
    const png = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    expect(matchesPattern(png, detail({ FileName: 'IMAGE.PNG' }))).toBe(true);
    expect(matchesPattern(png, detail({ FileName: 'image.Png' }))).toBe(true);
    expect(matchesPattern(png, detail({ FileName: 'image.gif' }))).toBe(false);
  });

  it('matches the Event Ruler example {source: [{suffix: "ec2"}]}', () => {
    expect(matchesPattern({ source: [{ suffix: 'ec2' }] }, rulerEvent)).toBe(true);
    expect(matchesPattern({ source: [{ suffix: 'ec3' }] }, rulerEvent)).toBe(false);
  });
});

describe('equals-ignore-case', () => {
  it('matches the same string in any case', () => {
    const name = { Name: [{ 'equals-ignore-case': 'alice' }] };
    expect(matchesPattern(name, { Name: 'Alice' })).toBe(true);
    expect(matchesPattern(name, { Name: 'ALICE' })).toBe(true);
    expect(matchesPattern(name, { Name: 'Alicia' })).toBe(false);
    expect(matchesPattern({ source: [{ 'equals-ignore-case': 'EC2' }] }, { source: 'ec2' })).toBe(true);
  });
});

describe('wildcard', () => {
  it('lets * match any run of characters, including none', () => {
    const pattern = { source: [{ wildcard: 'Simple*Service' }] };
    expect(matchesPattern(pattern, { source: 'SimpleQueueService' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'SimpleService' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'SimpleServiceX' })).toBe(false);
    expect(matchesPattern(pattern, { source: 'NotSimpleService' })).toBe(false);
  });

  it('matches the guide example dir/*.png', () => {
    const pattern = { EventBusArn: [{ wildcard: 'dir/*.png' }] };
    expect(matchesPattern(pattern, { EventBusArn: 'dir/image.png' })).toBe(true);
    expect(matchesPattern(pattern, { EventBusArn: 'dir/sub/image.png' })).toBe(true);
    expect(matchesPattern(pattern, { EventBusArn: 'other/image.png' })).toBe(false);
  });

  it('supports several wildcards and backtracks over repeated text', () => {
    expect(matchesPattern({ k: [{ wildcard: '*Title*' }] }, { k: 'A Title here' })).toBe(true);
    expect(matchesPattern({ k: [{ wildcard: '*Title*' }] }, { k: 'A title here' })).toBe(false);
    expect(matchesPattern({ k: [{ wildcard: 'a*b*c' }] }, { k: 'abbbcbc' })).toBe(true);
    expect(matchesPattern({ k: [{ wildcard: 'a*b*c' }] }, { k: 'acb' })).toBe(false);
    expect(matchesPattern({ k: [{ wildcard: 'ab*ba' }] }, { k: 'aba' })).toBe(false);
  });

  it('treats \\* as a literal asterisk and \\\\ as a literal backslash', () => {
    expect(matchesPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'a*b' })).toBe(true);
    expect(matchesPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'axb' })).toBe(false);
    expect(matchesPattern({ k: [{ wildcard: 'a\\\\b' }] }, { k: 'a\\b' })).toBe(true);
    expect(matchesPattern({ k: [{ wildcard: 'a\\\\*' }] }, { k: 'a\\anything' })).toBe(true);
  });

  it('only applies to strings', () => {
    expect(matchesPattern({ k: [{ wildcard: '*' }] }, { k: 5 })).toBe(false);
    expect(matchesPattern({ k: [{ wildcard: '*' }] }, { k: '' })).toBe(true);
  });
});

describe('anything-but', () => {
  it('excludes a single string', () => {
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matchesPattern(pattern, detail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, detail({ state: 'initializing' }))).toBe(false);
  });

  it('does not match a missing field', () => {
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, detail({}))).toBe(false);
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, { source: 'test' })).toBe(false);
  });

  it('excludes a single number, compared numerically', () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matchesPattern(pattern, detail({ 'x-limit': 124 }))).toBe(true);
    expect(matchesPattern(pattern, detail({ 'x-limit': 123 }))).toBe(false);
    expect(matchesPattern(pattern, JSON.parse('{"detail": {"x-limit": 1.23e2}}'))).toBe(false);
    expect(matchesPattern(pattern, detail({ 'x-limit': '123' }))).toBe(true);
  });

  it('excludes a list of strings', () => {
    const pattern = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matchesPattern(pattern, detail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, detail({ state: 'stopped' }))).toBe(false);
    expect(matchesPattern(pattern, detail({ state: 'overloaded' }))).toBe(false);
  });

  it('excludes a list of numbers', () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matchesPattern(pattern, detail({ 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(pattern, detail({ 'x-limit': 200 }))).toBe(false);
  });

  it('excludes a prefix, and a list of prefixes', () => {
    const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matchesPattern(pattern, detail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, detail({ state: 'initializing' }))).toBe(false);
    const region = { Region: [{ 'anything-but': { prefix: ['us-', 'eu-'] } }] };
    expect(matchesPattern(region, { Region: 'ap-south-1' })).toBe(true);
    expect(matchesPattern(region, { Region: 'eu-west-1' })).toBe(false);
  });

  it('excludes a suffix', () => {
    const pattern = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
    expect(matchesPattern(pattern, { FileName: 'image.jpg' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'image.png' })).toBe(false);
  });

  it('excludes values in any case with equals-ignore-case', () => {
    const pattern = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
    expect(matchesPattern(pattern, { state: 'INITIALIZING' })).toBe(false);
    expect(matchesPattern(pattern, { state: 'running' })).toBe(true);
    const list = { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'overloaded'] } }] };
    expect(matchesPattern(list, { state: 'STOPPED' })).toBe(false);
    expect(matchesPattern(list, { state: 'pending' })).toBe(true);
  });

  it('excludes wildcard matches, one or a list', () => {
    const pattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    expect(matchesPattern(pattern, { FilePath: '/usr/bin/env' })).toBe(true);
    expect(matchesPattern(pattern, { FilePath: '/usr/lib/libc.so' })).toBe(false);
    const list = { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] };
    expect(matchesPattern(list, { FilePath: '/usr/bin/env' })).toBe(false);
    expect(matchesPattern(list, { FilePath: '/etc/hosts' })).toBe(true);
  });

  it('matches an event array when any element is not excluded', () => {
    const pattern = { state: [{ 'anything-but': 'stopped' }] };
    expect(matchesPattern(pattern, { state: ['stopped', 'running'] })).toBe(true);
    expect(matchesPattern(pattern, { state: ['stopped'] })).toBe(false);
    expect(matchesPattern(pattern, { state: [] })).toBe(false);
  });
});

describe('numeric', () => {
  const pattern = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };

  it('matches the guide example when every comparison holds', () => {
    expect(matchesPattern(pattern, rulerEvent)).toBe(true);
  });

  it('fails when one comparison fails', () => {
    expect(matchesPattern(pattern, { detail: { ...rulerEvent.detail, 'c-count': 6 } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { ...rulerEvent.detail, 'c-count': 0 } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { ...rulerEvent.detail, 'd-count': 10 } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { ...rulerEvent.detail, 'x-limit': 301.9 } })).toBe(false);
  });

  it('honours inclusive and exclusive bounds', () => {
    expect(matchesPattern({ n: [{ numeric: ['>=', 5] }] }, { n: 5 })).toBe(true);
    expect(matchesPattern({ n: [{ numeric: ['>', 5] }] }, { n: 5 })).toBe(false);
    expect(matchesPattern({ n: [{ numeric: ['<=', 5] }] }, { n: 5 })).toBe(true);
    expect(matchesPattern({ n: [{ numeric: ['<', 5] }] }, { n: 5 })).toBe(false);
    expect(matchesPattern({ n: [{ numeric: ['>=', 1, '<', 2] }] }, { n: 1.5 })).toBe(true);
  });

  it('only applies to JSON numbers', () => {
    expect(matchesPattern({ n: [{ numeric: ['>', 0] }] }, { n: '5' })).toBe(false);
    expect(matchesPattern({ n: [{ numeric: ['>', 0] }] }, { n: true })).toBe(false);
    expect(matchesPattern({ n: [{ numeric: ['>', 0] }] }, {})).toBe(false);
  });

  it('matches any element of an event array', () => {
    expect(matchesPattern({ n: [{ numeric: ['>', 10] }] }, { n: [1, 2, 30] })).toBe(true);
    expect(matchesPattern({ n: [{ numeric: ['>', 10] }] }, { n: [1, 2, 3] })).toBe(false);
  });
});

describe('exists', () => {
  it('exists:true matches any present leaf value, null included', () => {
    const pattern = { detail: { state: [{ exists: true }] } };
    expect(matchesPattern(pattern, detail({ state: 'pending' }))).toBe(true);
    expect(matchesPattern(pattern, detail({ state: null }))).toBe(true);
    expect(matchesPattern(pattern, detail({ state: ['a'] }))).toBe(true);
    expect(matchesPattern(pattern, detail({ other: 1 }))).toBe(false);
  });

  it('exists:true does not match an intermediate (object) node', () => {
    expect(matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, detail({ 'c-count': { c1: 100 } }))).toBe(
      false,
    );
  });

  it('exists:false matches an absent field, an object node and an empty array', () => {
    const pattern = { detail: { 'c-count': [{ exists: false }] } };
    expect(matchesPattern(pattern, detail({ state: 'x' }))).toBe(true);
    expect(matchesPattern(pattern, { source: 'no detail at all' })).toBe(true);
    expect(matchesPattern(pattern, detail({ 'c-count': { c1: 100 } }))).toBe(true);
    expect(matchesPattern(pattern, detail({ 'c-count': [] }))).toBe(true);
    expect(matchesPattern(pattern, detail({ 'c-count': 5 }))).toBe(false);
    expect(matchesPattern(pattern, detail({ 'c-count': null }))).toBe(false);
  });

  it('exists:false combines with other fields', () => {
    const pattern = { source: ['aws.ec2'], detail: { 'c-count': [{ exists: false }] } };
    expect(matchesPattern(pattern, { source: 'aws.ec2', detail: {} })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.s3', detail: {} })).toBe(false);
  });

  it('exists:false inside an array is checked in the element the other fields matched', () => {
    const pattern = { items: { name: ['a'], deleted: [{ exists: false }] } };
    expect(matchesPattern(pattern, { items: [{ name: 'a', deleted: true }, { name: 'b' }] })).toBe(false);
    expect(matchesPattern(pattern, { items: [{ name: 'a' }, { name: 'b', deleted: true }] })).toBe(true);
  });

  it('exists:false alone against an array of objects holds only if no element has the field', () => {
    const pattern = { items: { deleted: [{ exists: false }] } };
    expect(matchesPattern(pattern, { items: [{ name: 'a' }, { name: 'b' }] })).toBe(true);
    expect(matchesPattern(pattern, { items: [{ name: 'a' }, { deleted: true }] })).toBe(false);
  });
});

describe('cidr', () => {
  it('matches IPv4 addresses inside the block', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matchesPattern(pattern, detail({ sourceIPAddress: '10.0.0.33' }))).toBe(true);
    expect(matchesPattern(pattern, detail({ sourceIPAddress: '10.0.0.255' }))).toBe(true);
    expect(matchesPattern(pattern, detail({ sourceIPAddress: '10.0.1.1' }))).toBe(false);
    expect(matchesPattern(pattern, detail({ sourceIPAddress: '9.255.255.255' }))).toBe(false);
  });

  it('matches the Event Ruler complex example (10.0.0.0/8)', () => {
    const complex = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };
    expect(matchesPattern(complex, rulerEvent)).toBe(true);
    expect(matchesPattern(complex, { ...rulerEvent, detail: { ...rulerEvent.detail, 'source-ip': '11.0.0.1' } })).toBe(
      false,
    );
    expect(matchesPattern(complex, { ...rulerEvent, detail: { ...rulerEvent.detail, state: 'initializing' } })).toBe(
      false,
    );
  });

  it('matches IPv6 addresses inside the block', () => {
    const pattern = { ip: [{ cidr: '2001:db8::/32' }] };
    expect(matchesPattern(pattern, { ip: '2001:db8:0:0:1::1' })).toBe(true);
    expect(matchesPattern(pattern, { ip: '2001:DB8:FFFF::' })).toBe(true);
    expect(matchesPattern(pattern, { ip: '2001:db9::1' })).toBe(false);
  });

  it('does not match other families, non-addresses or non-strings', () => {
    expect(matchesPattern({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '2001:db8::1' })).toBe(false);
    expect(matchesPattern({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '10.0.0.1' })).toBe(false);
    expect(matchesPattern({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 'not-an-ip' })).toBe(false);
    expect(matchesPattern({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 10 })).toBe(false);
    expect(matchesPattern({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '10.0.0.256' })).toBe(false);
  });
});

describe('$or', () => {
  const normalOr = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
  };

  it('matches when the other fields and any branch match', () => {
    expect(matchesPattern(normalOr, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' })).toBe(true);
    expect(matchesPattern(normalOr, { source: 'aws.cloudwatch', metricName: 'ReadLatency' })).toBe(true);
  });

  it('fails when no branch matches or the shared field fails', () => {
    expect(matchesPattern(normalOr, { source: 'aws.cloudwatch', namespace: 'AWS/S3' })).toBe(false);
    expect(matchesPattern(normalOr, { source: 'aws.ec2', namespace: 'AWS/EC2' })).toBe(false);
  });

  it('works at nested levels and in parallel', () => {
    const parallel = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    };
    expect(
      matchesPattern(parallel, { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } }),
    ).toBe(true);
    expect(matchesPattern(parallel, { namespace: 'AWS/EC2', detail: { source: 'aws.s3' } })).toBe(false);
  });

  it('supports an AND inside a branch and nested $or', () => {
    const nested = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
      ],
    };
    const base = { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' };
    expect(matchesPattern(nested, { ...base, spaceId: 1000 })).toBe(true);
    expect(matchesPattern(nested, { ...base, spaceId: 1001 })).toBe(false);
    expect(matchesPattern(nested, { ...base, metricType: 'Other', metricId: 1234 })).toBe(false);
  });

  it('keeps array consistency across a branch merged into a sibling path', () => {
    const pattern = { a: { x: [1] }, $or: [{ a: { y: [2] } }, { b: [3] }] };
    expect(matchesPattern(pattern, { a: [{ x: 1 }, { y: 2 }] })).toBe(false);
    expect(matchesPattern(pattern, { a: [{ x: 1, y: 2 }] })).toBe(true);
    expect(matchesPattern(pattern, { a: [{ x: 1 }], b: 3 })).toBe(true);
  });
});

describe('pattern given as JSON text', () => {
  it('parses it, and a repeated key keeps its last value as the guide says', () => {
    const text = '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}';
    expect(matchesPattern(text, detail({ location: 'eu-west' }))).toBe(true);
    expect(matchesPattern(text, detail({ location: 'us-east' }))).toBe(false);
  });
});

describe('validatePattern', () => {
  const problemsOf = (pattern: unknown): string[] => validatePattern(pattern);

  it('accepts every operator in its documented forms', () => {
    const pattern = {
      source: ['aws.ec2', 1, true, null, ''],
      detail: {
        a: [{ prefix: 'x' }, { prefix: { 'equals-ignore-case': 'x' } }],
        b: [{ suffix: 'x' }, { suffix: { 'equals-ignore-case': 'x' } }],
        c: [{ 'equals-ignore-case': 'x' }, { wildcard: 'a*b\\*c\\\\' }],
        d: [{ 'anything-but': 'x' }, { 'anything-but': 1 }, { 'anything-but': ['x', 'y'] }, { 'anything-but': [1, 2] }],
        e: [{ 'anything-but': { prefix: 'x' } }, { 'anything-but': { suffix: ['x'] } }],
        f: [{ 'anything-but': { 'equals-ignore-case': ['x'] } }, { 'anything-but': { wildcard: '*/lib/*' } }],
        g: [{ numeric: ['=', 1] }, { numeric: ['>', 0, '<=', 5] }, { numeric: ['>=', -5e9, '<', 5e9] }],
        h: [{ exists: true }, { exists: false }, { cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/32' }],
      },
      $or: [{ x: ['1'] }, { y: { z: ['2'] } }],
    };
    expect(problemsOf(pattern)).toEqual([]);
  });

  it('refuses a pattern that is not a non-empty JSON object', () => {
    expect(problemsOf(['source'])).toEqual(['(root): an event pattern must be a JSON object']);
    expect(problemsOf(null)).toEqual(['(root): an event pattern must be a JSON object']);
    expect(problemsOf({})).toEqual(['(root): empty objects are not allowed']);
    expect(problemsOf({ detail: {} })).toEqual(['detail: empty objects are not allowed']);
    expect(problemsOf('{"source": ')[0]).toMatch(/^\(root\): not valid JSON/);
  });

  it('refuses a leaf that is not an array, naming its path', () => {
    const [problem] = problemsOf({ detail: { state: 'running' } });
    expect(problem).toMatch(/^detail\.state: must be an object or an array of match values/);
    expect(problem).toContain('["running"]');
  });

  it('hints when an operator object is written without its array', () => {
    expect(problemsOf({ time: { prefix: '2017' } })[0]).toMatch(/^time\.prefix: .*put operators inside the leaf array/);
  });

  it('refuses empty and nested arrays and odd values', () => {
    expect(problemsOf({ source: [] })).toEqual(['source: empty arrays are not allowed; list at least one match value']);
    expect(problemsOf({ source: [['a']] })).toEqual([
      'source[0]: nested arrays are not allowed in a list of match values',
    ]);
    expect(problemsOf({ source: [undefined] })[0]).toMatch(/^source\[0\]: a match value must be/);
  });

  it('refuses unknown operators and operator objects with several keys', () => {
    expect(problemsOf({ detail: { state: [{ contains: 'x' }] } })).toEqual([
      'detail.state[0].contains: unknown operator "contains"',
    ]);
    expect(problemsOf({ s: [{ exactly: 'x' }] })).toEqual(['s[0].exactly: unknown operator "exactly"']);
    expect(problemsOf({ s: [{ prefix: 'a', suffix: 'b' }] })).toEqual([
      's[0]: an operator object holds exactly one operator, got prefix, suffix',
    ]);
    expect(problemsOf({ s: [{}] })).toEqual(['s[0]: empty operator object']);
  });

  it('refuses wrong operand types', () => {
    expect(problemsOf({ s: [{ prefix: 5 }] })[0]).toMatch(/^s\[0\]\.prefix: must be a string/);
    expect(problemsOf({ s: [{ prefix: { 'equals-ignore-case': 5 } }] })[0]).toMatch(
      /^s\[0\]\.prefix\.equals-ignore-case: must be a string/,
    );
    expect(problemsOf({ s: [{ suffix: { wildcard: 'x' } }] })[0]).toMatch(
      /^s\[0\]\.suffix: only \{"equals-ignore-case"/,
    );
    expect(problemsOf({ s: [{ 'equals-ignore-case': ['x'] }] })[0]).toMatch(
      /^s\[0\]\.equals-ignore-case: must be a string/,
    );
    expect(problemsOf({ s: [{ exists: 'true' }] })[0]).toMatch(/^s\[0\]\.exists: must be true or false/);
    expect(problemsOf({ s: [{ cidr: 10 }] })[0]).toMatch(/^s\[0\]\.cidr: must be a string/);
    expect(problemsOf({ s: [{ wildcard: 1 }] })[0]).toMatch(/^s\[0\]\.wildcard: must be a string/);
  });

  it('refuses malformed numeric expressions', () => {
    expect(problemsOf({ n: [{ numeric: ['<', '10'] }] })).toEqual([
      'n[0].numeric[1]: must be a number, got the string "10"',
    ]);
    expect(problemsOf({ n: [{ numeric: ['~', 1] }] })[0]).toMatch(/^n\[0\]\.numeric\[0\]: unknown numeric operator/);
    expect(problemsOf({ n: [{ numeric: ['<', 5, '>', 1] }] })[0]).toMatch(
      /lower bound \(> or >=\) followed by an upper bound/,
    );
    expect(problemsOf({ n: [{ numeric: ['=', 5, '<', 6] }] })[0]).toMatch(
      /lower bound \(> or >=\) followed by an upper bound/,
    );
    expect(problemsOf({ n: [{ numeric: ['>', 10, '<', 5] }] })[0]).toMatch(
      /lower bound 10 must be less than the upper bound 5/,
    );
    expect(problemsOf({ n: [{ numeric: ['>', 1, '<'] }] })[0]).toMatch(/one comparison/);
    expect(problemsOf({ n: [{ numeric: '>5' }] })[0]).toMatch(/^n\[0\]\.numeric: must be an array/);
    expect(problemsOf({ n: [{ numeric: ['>', 6e9] }] })[0]).toMatch(/outside the supported range/);
    expect(problemsOf({ n: [{ numeric: ['>', 0.0000001] }] })[0]).toMatch(/more than 6 digits after the decimal point/);
  });

  it('refuses malformed anything-but', () => {
    expect(problemsOf({ s: [{ 'anything-but': ['a', 1] }] })[0]).toMatch(/only strings or only numbers/);
    expect(problemsOf({ s: [{ 'anything-but': [null] }] })[0]).toMatch(/only strings or only numbers/);
    expect(problemsOf({ s: [{ 'anything-but': true }] })[0]).toMatch(
      /^s\[0\]\.anything-but: must be a string, a number/,
    );
    expect(problemsOf({ s: [{ 'anything-but': [] }] })[0]).toMatch(/must not be empty/);
    expect(problemsOf({ s: [{ 'anything-but': { prefix: '' } }] })[0]).toMatch(
      /^s\[0\]\.anything-but\.prefix: an empty prefix is not allowed/,
    );
    expect(problemsOf({ s: [{ 'anything-but': { numeric: ['>', 1] } }] })[0]).toMatch(
      /anything-but does not support "numeric"/,
    );
    expect(problemsOf({ s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] })[0]).toMatch(/exactly one of prefix/);
    expect(problemsOf({ s: [{ 'anything-but': { wildcard: ['ok*', 'a**b'] } }] })[0]).toMatch(
      /^s\[0\]\.anything-but\.wildcard\[1\]: consecutive wildcard/,
    );
    expect(problemsOf({ s: [{ 'anything-but': { suffix: [1] } }] })[0]).toMatch(
      /^s\[0\]\.anything-but\.suffix\[0\]: must be a string/,
    );
  });

  it('refuses invalid wildcards', () => {
    expect(problemsOf({ s: [{ wildcard: 'a**b' }] })).toEqual([
      's[0].wildcard: consecutive wildcard characters at position 1',
    ]);
    expect(problemsOf({ s: [{ wildcard: 'a\\b' }] })[0]).toMatch(/invalid escape at position 1/);
    expect(problemsOf({ s: [{ wildcard: 'a\\' }] })[0]).toMatch(/invalid escape/);
  });

  it('refuses malformed CIDR blocks', () => {
    expect(problemsOf({ ip: [{ cidr: '10.0.0.0' }] })[0]).toMatch(/exactly one "\/" is required/);
    expect(problemsOf({ ip: [{ cidr: '10.0.0.0/x' }] })[0]).toMatch(/mask must be a non-negative integer/);
    expect(problemsOf({ ip: [{ cidr: '10.0.0.0/32' }] })[0]).toMatch(/IPv4 mask bits must be below 32/);
    expect(problemsOf({ ip: [{ cidr: '::/128' }] })[0]).toMatch(/IPv6 mask bits must be below 128/);
    expect(problemsOf({ ip: [{ cidr: '300.0.0.0/8' }] })[0]).toMatch(/is not an IPv4 or IPv6 address/);
    expect(problemsOf({ ip: [{ cidr: 'host.example/8' }] })[0]).toMatch(/is not an IPv4 or IPv6 address/);
  });

  it('refuses malformed $or', () => {
    expect(problemsOf({ $or: [{ a: ['1'] }] })).toEqual(['$or: $or must hold at least two objects, got 1']);
    expect(problemsOf({ $or: { a: ['1'] } })[0]).toMatch(/^\$or: \$or must be an array/);
    expect(problemsOf({ $or: [{ a: ['1'] }, 'b'] })).toEqual([
      '$or[1]: each $or entry must be an object, got the string "b"',
    ]);
    expect(problemsOf({ $or: [{ a: ['1'] }, {}] })).toEqual(['$or[1]: empty objects are not allowed']);
    expect(problemsOf({ $or: [{ numeric: [1] }, { prefix: ['abc'] }] })).toEqual([
      '$or[0].numeric: "numeric" is a reserved keyword and cannot name a field inside $or',
      '$or[1].prefix: "prefix" is a reserved keyword and cannot name a field inside $or',
    ]);
  });

  it('reports every problem at once, each with its own path', () => {
    const problems = problemsOf({
      source: 'aws.ec2',
      detail: { state: [{ foo: 1 }], count: [{ numeric: ['>', 'x'] }], ip: [{ cidr: 'nope' }] },
    });
    expect(problems).toHaveLength(4);
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'source',
      'detail.state[0].foo',
      'detail.count[0].numeric[1]',
      'detail.ip[0].cidr',
    ]);
  });

  it('quotes keys that are not plain identifiers', () => {
    expect(problemsOf({ 'a.b': 'x' })[0]).toMatch(/^\["a\.b"\]: /);
    expect(problemsOf({ detail: { 'with space': 1 } })[0]).toMatch(/^detail\["with space"\]: /);
  });
});

describe('matchesPattern on an invalid pattern', () => {
  it('throws InvalidEventPatternError listing the problems', () => {
    let thrown: unknown;
    try {
      matchesPattern({ source: 'aws.ec2', detail: { state: [{ foo: 1 }] } }, { source: 'aws.ec2' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEventPatternError);
    expect(thrown).toBeInstanceOf(Error);
    const error = thrown as InvalidEventPatternError;
    expect(error.name).toBe('InvalidEventPatternError');
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain('detail.state[0].foo: unknown operator "foo"');
  });

  it('keeps the JSON syntax error as the cause of an unparseable pattern', () => {
    let thrown: unknown;
    try {
      matchesPattern('{"source": [', {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEventPatternError);
    expect((thrown as InvalidEventPatternError).cause).toBeInstanceOf(SyntaxError);
  });

  it("reads only the event's own fields, never its prototype", () => {
    expect(matchesPattern({ constructor: [{ exists: true }] }, { source: 'x' })).toBe(false);
    expect(matchesPattern({ toString: [{ exists: false }] }, { source: 'x' })).toBe(true);
    expect(matchesPattern(JSON.parse('{"__proto__": {"x": [{"exists": true}]}}'), { source: 'x' })).toBe(false);
  });

  it('does not throw for an event that merely fails to match', () => {
    expect(matchesPattern({ source: ['aws.ec2'] }, 'not an object')).toBe(false);
    expect(matchesPattern({ source: ['aws.ec2'] }, null)).toBe(false);
  });
});
