import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyRecord } from '../../../libs/domain/src/audit/record-verifier';
import { NoteError } from '../../../libs/domain/src/audit/signed-note';

const USAGE = `Checks a site's record from its exports alone (README, "How a sponsor verifies a site's record").

  node dist/apps/verify-record/src/main.js --key <verifier key or file> --checkpoints <file> --log <file> [--json]

  --key          the checkpoints' verifier key, <origin>+<key id>+<base64 key> (GET /audit/checkpoints/key,
                 "verifierKey"), or a file holding it: the one kept since the site was opened
  --checkpoints  the checkpoint file (GET /audit/checkpoints, or the lines the webhook delivered)
  --log          the log export (GET /audit/log)
  --json         print the report as JSON

Exit status: 0 the record holds, 1 it does not (each broken patient is named), 2 a wrong command line.`;

function main(): number {
  let values: { key?: string; checkpoints?: string; log?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { key: { type: 'string' }, checkpoints: { type: 'string' }, log: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.key || !values.checkpoints || !values.log) {
    console.error(`--key, --checkpoints and --log are all needed.\n\n${USAGE}`);
    return 2;
  }
  const verifierKey = existsSync(values.key) ? readFileSync(values.key, 'utf8').trim() : values.key;
  let report: ReturnType<typeof verifyRecord>;
  try {
    report = verifyRecord({ verifierKey, checkpoints: readFileSync(values.checkpoints, 'utf8'), log: readFileSync(values.log, 'utf8') });
  } catch (error) {
    if (!(error instanceof NoteError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    console.error((error as Error).message);
    return 2;
  }
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const c = report.checkpoint;
    console.log(c ? `Checkpoint ${c.number} of ${c.origin}, issued ${c.issuedAt}: ${c.patients} patients, ${c.entries} entries, root ${c.rootHash}` : 'No checkpoint holds.');
    console.log(`The log: ${report.patients} patients, ${report.entries} entries (${report.unsealedEntries} recorded after the latest checkpoint).`);
    if (report.checkpointProblem) console.log(`The checkpoint file does not hold: ${report.checkpointProblem}`);
    for (const line of report.malformedLines) console.log(`The log export: ${line}`);
    for (const b of report.broken) console.log(`BROKEN ${b.patientId} at seq ${b.seq}: ${b.problem}`);
    console.log(report.ok ? 'The record holds.' : `The record does not hold: ${report.broken.length} patients broken.`);
  }
  return report.ok ? 0 : 1;
}

process.exitCode = main();
