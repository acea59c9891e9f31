#!/usr/bin/env node
// Runs a build only when its output is missing or older than one of its sources, so that `npm start`
// does not rebuild what is built and current.
//
//   node scripts/build-if-stale.js --stamp <file> --output <path> --source <path>... -- <command> [args...]
//
// The build is current when the output exists and the stamp (written after the last successful run
// of the command) is newer than every file under each source. A failed build writes no stamp, so
// the next run builds again. Exit status: the command's, or 0 when nothing was built.
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const IGNORED = new Set(['node_modules', '.git']);

/** The newest modification time of a file, or of any file below a folder (0 for nothing there). */
function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (IGNORED.has(entry.name)) continue;
    newest = Math.max(newest, newestChange(join(path, entry.name)));
  }
  return newest;
}

/** Why the output must be built again, or undefined when it is current. */
function staleness({ stamp, output, sources }) {
  if (!existsSync(output)) return `${output} does not exist`;
  if (!existsSync(stamp)) return `${output} has no record of a successful build`;
  const builtAt = statSync(stamp).mtimeMs;
  const changed = sources.find((source) => newestChange(source) > builtAt);
  return changed === undefined ? undefined : `${changed} changed since the last build`;
}

function parse(argv) {
  const split = argv.indexOf('--');
  if (split < 0 || split === argv.length - 1) throw new Error('no command after --');
  const options = { stamp: undefined, output: undefined, sources: [], command: argv.slice(split + 1) };
  const flags = argv.slice(0, split);
  for (let i = 0; i < flags.length; i += 2) {
    const [flag, value] = [flags[i], flags[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--stamp') options.stamp = value;
    else if (flag === '--output') options.output = value;
    else if (flag === '--source') options.sources.push(value);
    else throw new Error(`unknown option ${flag}`);
  }
  if (!options.stamp || !options.output || options.sources.length === 0) throw new Error('--stamp, --output and at least one --source are required');
  return options;
}

function main() {
  let options;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`build-if-stale: ${error.message}`);
    return 2;
  }
  const reason = staleness(options);
  if (reason === undefined) {
    console.log(`${options.output} is current; not rebuilt.`);
    return 0;
  }
  console.log(`Building ${options.output}: ${reason}.`);
  const startedAt = new Date();
  const [command, ...args] = options.command;
  const run = spawnSync(command, args, { stdio: 'inherit' });
  if (run.error) throw run.error;
  if (run.status !== 0) return run.status ?? 1;
  mkdirSync(dirname(options.stamp), { recursive: true });
  // The stamp carries the time the build started: a source saved during the build is newer, and builds again next time.
  writeFileSync(options.stamp, `${startedAt.toISOString()}\n`);
  utimesSync(options.stamp, startedAt, startedAt);
  return 0;
}

process.exitCode = main();
