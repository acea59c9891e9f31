import { parseOptions, UsageError } from './options';

describe('command line', () => {
  it('takes the trial, the sizes and the switches', () => {
    const o = parseOptions(['--trial', 'cd20-cd22', '--cohort', 'B-NHL', '--patients', '8', '--seed', '42', '--days-per-second', '12.5', '--serve', '--json', 'out.json']);
    expect(o).toMatchObject({ trial: 'cd20-cd22', cohort: 'B-NHL', patients: 8, seed: 42, daysPerSecond: 12.5, serve: true, json: 'out.json', port: 0, quiet: false });
  });

  it('leaves the per-protocol defaults open and draws a seed', () => {
    const o = parseOptions(['--trial', 'cd19-rr-all']);
    expect(o.patients).toBeUndefined();
    expect(o.daysPerSecond).toBeUndefined();
    expect(Number.isInteger(o.seed)).toBe(true);
  });

  it.each([
    [['--trail', 'x'], /Unknown option '--trail'/],
    [['--patients', 'many'], /--patients must be a whole number, got "many"/],
    [['--patients', '0'], /--patients must be from 1 to 500, got 0/],
    [['--patients', '2.5'], /--patients must be a whole number/],
    [['--days-per-second', '500'], /--days-per-second must be from 0.01 to 100, got 500/],
    [['--port', '70000'], /--port must be from 0 to 65535/],
    [['--database-url', 'mysql://x/y'], /--database-url must be a PostgreSQL URL/],
    [['--database-url', 'postgres://x/y', '--data-dir', 'd'], /not both/],
    [['cd19-rr-all'], /Unexpected argument 'cd19-rr-all'/],
    [['--trial'], /argument missing/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv as string[])).toThrow(UsageError);
    expect(() => parseOptions(argv as string[])).toThrow(message);
  });
});
