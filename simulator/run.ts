import 'reflect-metadata';
import { ConfigurationError } from '#domain';
import type { Engine } from './engine';
import { parseOptions, USAGE, UsageError } from './options';
import { type Io, processIo } from './progress';
import { runSimulation } from './simulation';

/**
 * `npm run simulate -- --trial <id> [options]`: drives synthetic patients through a trial via the
 * HTTP API of an engine started in this process, on a scaled clock, and prints the trial's outcomes
 * and dose-escalation decisions. Exit status 0 done, 1 errors, 2 a wrong command line or protocol,
 * 130 interrupted.
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  let exitCode = 130;
  try {
    const result = await runSimulation(options, io, { engineStarted: (engine) => stopOnSignal(engine, io, () => exitCode) });
    exitCode = result.exitCode;
    if (result.served) await new Promise<never>(() => undefined); // until Ctrl-C
    return exitCode;
  } catch (error) {
    io.err(`The simulation failed: ${error instanceof ConfigurationError ? error.message : ((error as Error).stack ?? error)}\n`);
    return 1;
  }
}

/**
 * Ctrl-C (or SIGTERM) stops the engine in order: close it, then delete its Redis keys and temporary
 * files, then exit. The engine's own shutdown hooks would close it and re-raise the signal, ending
 * the process before its keys are deleted, so they are replaced here.
 */
function stopOnSignal(engine: Engine, io: Io, exitCode: () => number): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      io.err('\nStopping the engine …\n');
      engine.stop().then(
        () => process.exit(exitCode()),
        (error: unknown) => {
          io.err(`Could not stop the engine cleanly: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
    });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
