import { join } from 'node:path';
import { main } from '../../cli/main';
import { captureAll as capture } from '../support/cli-output';

const root = join(__dirname, '../..');
/**
 * `faultline pipeline --local` feeds the embedded runtime (real demo fleet) a CodePipeline event or
 * Invoke job as AWS sends it, with a template bound to the pipeline stored first.
 */
describe('faultline pipeline --local', () => {
  const template = join(root, 'experiments/pipeline-instance-loss.yaml');

  it('a stage SUCCEEDED event starts the bound experiment once and shows its result', async () => {
    const { out, lines } = capture();
    const code = await main(
      ['pipeline', join(root, 'examples/pipeline/stage-succeeded.json'), '--template', template, '--local'],
      out,
    );
    const text = lines.join('\n');
    expect(code).toBe(0);
    expect(text).toMatch(/demo-pipeline-instance-loss\s+COMPLETED\s+PASSED/);
    expect(text.match(/requested\s+demo-pipeline-instance-loss/g)).toHaveLength(1);
  }, 90_000);

  it('an Invoke job is answered as CodePipeline expects: waiting with a token, then success', async () => {
    const { out, lines } = capture();
    const code = await main(
      ['pipeline', join(root, 'examples/pipeline/invoke-job.json'), '--template', template, '--local'],
      out,
    );
    const calls = lines.filter((l) => l.startsWith('[codepipeline]'));
    expect(code).toBe(0);
    expect(calls[0]).toMatch(/PutJobSuccessResult .*"continuationToken"/);
    expect(calls[calls.length - 1]).toMatch(/PutJobSuccessResult .*1 experiment PASSED/);
    expect(calls[calls.length - 1]).not.toMatch(/continuationToken/);
    expect(lines.join('\n')).not.toMatch(/6CGtmAa3lzWtV7a|IQoJb3JpZ2luX2VjEA/);
  }, 90_000);

  it('refuses without --local, and refuses a file that is neither', async () => {
    expect(await main(['pipeline', join(root, 'examples/pipeline/invoke-job.json')], capture().out)).toBe(1);
    const { out, lines } = capture();
    expect(await main(['pipeline', join(root, 'package.json'), '--local'], out)).toBe(1);
    expect(lines.join('\n')).toMatch(/neither a CodePipeline job nor an EventBridge event/);
  });
});
