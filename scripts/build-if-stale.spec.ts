import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, 'build-if-stale.js');

/**
 * A folder with sources (src/, config.json), an output (out/index.html) and a "build" that counts
 * its runs in `runs` and writes the output, or fails when `fail` exists.
 */
describe('build-if-stale', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  const runs = () => (existsSync(path('runs')) ? readFileSync(path('runs'), 'utf8').length : 0);
  const BUILD = `const fs = require('fs');
    if (fs.existsSync('fail')) process.exit(3);
    fs.appendFileSync('runs', 'x');
    fs.mkdirSync('out', { recursive: true });
    fs.writeFileSync('out/index.html', 'built');`;
  const run = () =>
    spawnSync(
      process.execPath,
      [SCRIPT, '--stamp', 'stamps/out.built', '--output', 'out/index.html', '--source', 'src', '--source', 'config.json', '--', process.execPath, '-e', BUILD],
      { cwd: dir, encoding: 'utf8' },
    );
  /** Sets a file's modification time `seconds` from now. */
  const age = (name: string, seconds: number) => {
    const at = new Date(Date.now() + seconds * 1000);
    utimesSync(path(name), at, at);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'build-if-stale-'));
    mkdirSync(path('src/pages'), { recursive: true });
    writeFileSync(path('src/pages/home.tsx'), 'home');
    writeFileSync(path('config.json'), '{}');
    for (const name of ['src/pages/home.tsx', 'src/pages', 'src', 'config.json']) age(name, -60);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('builds when there is no output, and records the build', () => {
    const result = run();
    expect(result.status).toBe(0);
    expect(runs()).toBe(1);
    expect(existsSync(path('stamps/out.built'))).toBe(true);
  });

  it('does not build again while no source changed', () => {
    run();
    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('is current');
    expect(runs()).toBe(1);
  });

  it('builds again when a file deep in a source folder changed', () => {
    run();
    writeFileSync(path('src/pages/home.tsx'), 'home, changed');
    age('src/pages/home.tsx', 5);
    run();
    expect(runs()).toBe(2);
  });

  it('builds again when a source file given by name changed, or a file was added', () => {
    run();
    age('config.json', 5);
    run();
    expect(runs()).toBe(2);
    writeFileSync(path('src/pages/about.tsx'), 'about');
    age('src/pages/about.tsx', 5);
    run();
    expect(runs()).toBe(3);
  });

  it('builds again when the output is gone, even with a stamp', () => {
    run();
    rmSync(path('out'), { recursive: true });
    run();
    expect(runs()).toBe(2);
  });

  it('passes on a failed build and records nothing, so the next start builds again', () => {
    writeFileSync(path('fail'), '');
    const failed = run();
    expect(failed.status).toBe(3);
    expect(existsSync(path('stamps/out.built'))).toBe(false);
    rmSync(path('fail'));
    run();
    expect(runs()).toBe(1);
    run();
    expect(runs()).toBe(1);
  });

  it('refuses a call without a command or without sources', () => {
    const noCommand = spawnSync(process.execPath, [SCRIPT, '--stamp', 's', '--output', 'o', '--source', 'src'], { cwd: dir, encoding: 'utf8' });
    expect(noCommand.status).toBe(2);
    const noSource = spawnSync(process.execPath, [SCRIPT, '--stamp', 's', '--output', 'o', '--', 'true'], { cwd: dir, encoding: 'utf8' });
    expect(noSource.status).toBe(2);
    expect(runs()).toBe(0);
  });
});
