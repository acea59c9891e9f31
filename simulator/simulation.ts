import { writeFileSync } from 'node:fs';
import { DAY_MS, findProtocol, type Protocol } from '#protocols';
import { freePort } from '#domain';
import { arrivalIntervalDays, defaultDaysPerSecond, expectedStudyDays } from './pace';
import { AmendmentRun, migratingAmendment } from './amendment';
import { ApiClient, isOk } from './api';
import { SimClock, scaleFor } from './clock';
import { InfusionCalendar, type Milestone, type SimulationContext, type TrialSetup } from './context';
import { type Engine, startEngine } from './engine';
import { SimulatedLab } from './hl7';
import { type SimulationOptions, USAGE } from './options';
import { SimulatedPatient, type PatientSummary } from './patient';
import { type Io, Progress } from './progress';
import { Random } from './random';
import { formatReport, type SimulationReport, studyDayOf, type TrialView } from './report';
import { createStaff, type Staff } from './staff';
import { profileFor } from './trials';

export interface SimulationResult {
  exitCode: 0 | 1 | 2;
  report?: SimulationReport;
  /** With `serve`: the engine, still running, and the staff's tokens; call `engine.stop()` when done. */
  served?: { engine: Engine; staff: Staff };
}

const SITES = ['site-a', 'site-b'];
/** Patients per dose-finding run by default: enough for the 3+3 to name an MTD in most runs. */
const DOSE_FINDING_PATIENTS = 18;
const DEFAULT_PATIENTS = 12;

/**
 * A whole simulation: starts the engine in this process on a scaled clock, creates the sites'
 * staff, drives the patients through the trial over HTTP, waits for the engine's own timers to end
 * their follow-up, then reports the trial's decisions and outcomes. Stops the engine (and deletes its
 * Redis keys and temporary files) unless `serve` is set.
 */
export async function runSimulation(options: SimulationOptions, io: Io, hooks: { engineStarted?(engine: Engine): void } = {}): Promise<SimulationResult> {
  if (options.help) {
    io.out(`${USAGE}\n`);
    return { exitCode: 0 };
  }
  const local = options.trial ? findProtocol(options.trial) : undefined;
  const cohort = options.cohort ?? null;
  const patients = options.patients ?? (local?.spec.doseEscalation ? DOSE_FINDING_PATIENTS : DEFAULT_PATIENTS);
  // The engine needs its scale at start, so the pace is worked out from this build's own protocol registry.
  const daysPerSecond = options.daysPerSecond ?? (local ? defaultDaysPerSecond(expectedStudyDays(local.spec, patients, cohort)) : 1);
  const origin = Date.now();
  const clock = new SimClock(origin, scaleFor(daysPerSecond));
  const hl7Port = options.hl7 ? await freePort() : undefined;
  const engine = await startEngine({ origin, scale: clock.scale, port: options.port, databaseUrl: options.databaseUrl, dataDir: options.dataDir, hl7Port, hl7Sites: SITES });
  hooks.engineStarted?.(engine);
  let keepRunning = false;
  let lab: SimulatedLab | undefined;
  try {
    const api = new ApiClient(engine.url);
    const trial = await openTrial(api, engine.adminToken, options, local, io);
    if (!trial) return { exitCode: 2 };
    const { protocol } = trial;
    const staff = await createStaff(api, engine.adminToken, SITES);
    if (hl7Port !== undefined) lab = await SimulatedLab.open(api, engine.adminToken, SITES, hl7Port);
    const studyStart = clock.now();
    const progress = new Progress(io, patients, options.quiet);
    const context: SimulationContext = {
      api,
      clock,
      trial,
      staff,
      studyStart,
      calendar: new InfusionCalendar(protocol.spec.doseEscalation?.staggerDays ?? 0),
      milestone: (m: Milestone) => progress.milestone(studyDayOf(m.at, studyStart), m),
      ...(lab ? { lab } : {}),
    };
    io.err(
      `Simulating ${patients} patients on ${protocol.id}@${protocol.version}${cohort ? ` (cohort ${cohort})` : ''}: seed ${options.seed}, ` +
        `${daysPerSecond} study days per second, ${engine.storage}, engine at ${engine.url}\n`,
    );

    const master = Random.seeded(options.seed);
    const amendment = planAmendment(context, engine.adminToken, protocol, options, master, io);
    const arrivals = enrolPatients(context, master, patients, arrivalIntervalDays(protocol.spec));
    const driving = drivePatients(context, engine.adminToken, progress, arrivals);
    const amending = amendment?.run(driving);
    const summaries = await driving;
    await amending;
    const report = await collectReport(context, engine.adminToken, summaries, {
      options,
      patients,
      daysPerSecond,
      storage: engine.storage,
      wallSeconds: (Date.now() - origin) / 1000,
      studyDays: studyDayOf(clock.now(), studyStart),
    });
    if (amendment) report.amendment = await amendment.finish();
    if (lab) report.hl7 = lab.report;
    io.out(formatReport(report, studyStart));
    if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    const exitCode = report.errors.length ? 1 : 0;
    if (options.serve) {
      keepRunning = true;
      printServing(io, engine, staff);
      return { exitCode, report, served: { engine, staff } };
    }
    return { exitCode, report };
  } finally {
    lab?.close();
    if (!keepRunning) await engine.stop();
  }
}

/** The stream of the amendment's draws (late approval, declines): past the patients' timing streams. */
const AMENDMENT_STREAM = 2000;

/** With --amend-at, the amendment run of a trial whose newest version migrates patients on study; otherwise nothing (said so). */
function planAmendment(context: SimulationContext, admin: string, protocol: Protocol, options: SimulationOptions, master: Random, io: Io): AmendmentRun | undefined {
  if (options.amendAt === undefined) return undefined;
  const amendment = migratingAmendment(protocol);
  if (!amendment) {
    io.err(`--amend-at: ${protocol.id} has no amendment that reaches patients on study; the run goes on without one.\n`);
    return undefined;
  }
  const run = new AmendmentRun(context, admin, amendment, master.stream(AMENDMENT_STREAM), options.amendAt);
  context.amendmentSettled = () => run.settled();
  return run;
}

/**
 * The trial, checked against the command line and the engine: an unknown protocol or cohort, or a
 * database that already holds patients of it, is said in words (and the run stops, 2). The engine
 * runs this build's protocol registry, so `local` is the protocol it serves.
 */
async function openTrial(api: ApiClient, admin: string, options: SimulationOptions, local: Protocol | undefined, io: Io): Promise<TrialSetup | undefined> {
  const listed = await api.get<Array<{ id: string; title: string }>>('/protocols', admin);
  if (!isOk(listed)) throw new Error(`GET /protocols answered ${listed.status}`);
  const profile = options.trial ? profileFor(options.trial) : undefined;
  if (!local || !profile || !listed.body.some((p) => p.id === local.id)) {
    io.err(`${options.trial ? `There is no protocol "${options.trial}".` : 'Name the protocol with --trial <id>.'} The engine runs:\n`);
    for (const p of listed.body) io.err(`  ${p.id.padEnd(14)} ${p.title}\n`);
    return undefined;
  }
  const cohort = options.cohort ?? null;
  const cohortProblem = checkCohort(local, cohort);
  if (cohortProblem) {
    io.err(`${cohortProblem}\n`);
    return undefined;
  }
  const existing = await api.get<{ total: number }>(`/patients?protocolId=${encodeURIComponent(local.id)}&limit=1`, admin);
  if (isOk(existing) && existing.body.total > 0) {
    io.err(`The database already holds ${existing.body.total} patients of ${local.id}: a simulation needs a trial of its own. Use an empty database.\n`);
    return undefined;
  }
  return { protocol: local, profile, cohort };
}

/** Runs every patient to the end, with the progress display and the watch on the trial's decisions. */
async function drivePatients(context: SimulationContext, admin: string, progress: Progress, patients: SimulatedPatient[]): Promise<PatientSummary[]> {
  const { api, clock, studyStart } = context;
  let finished = 0;
  const update = () => progress.update({ finished, studyDay: studyDayOf(clock.now(), studyStart), events: api.stats.eventsPosted, refusals: api.stats.refusalCount });
  progress.start();
  const watcher = watchTrial(context, admin);
  const ticker = setInterval(update, 200);
  try {
    return await Promise.all(patients.map((p) => p.run().finally(() => (finished += 1))));
  } finally {
    clearInterval(ticker);
    await watcher.stop();
    update();
    progress.stop();
  }
}

function checkCohort(protocol: Protocol, cohort: string | null): string | undefined {
  const ids = protocol.cohorts;
  if (cohort === null || ids.includes(cohort)) return undefined;
  return ids.length ? `${protocol.id} has no cohort "${cohort}"; its cohorts: ${ids.join(', ')}.` : `${protocol.id} has no cohorts; run it without --cohort.`;
}

/** The first of the patients' timing streams: past the streams of the most patients a run takes (--patients ≤ 500). */
const TIMING_STREAMS = 1000;

/**
 * The patients of the run, arriving one after another (every week or so; on a dose-finding trial at
 * the pace of its cohorts), alternating between the sites, each with random streams of its own.
 */
function enrolPatients(context: SimulationContext, master: Random, count: number, interval: number): SimulatedPatient[] {
  const arrivals = master.stream(0);
  const cohorts = context.trial.protocol.cohorts;
  let at = context.studyStart + arrivals.between(0, 2) * DAY_MS;
  return Array.from({ length: count }, (_, i) => {
    const site = context.staff.sites[i % context.staff.sites.length];
    const subjectId = `${site.siteId.slice(-1).toUpperCase()}-${String(i + 1).padStart(3, '0')}`;
    const rng = master.stream(i + 1);
    const cohort = context.trial.cohort ?? (cohorts.length ? rng.pick(cohorts) : null);
    const patient = new SimulatedPatient(context, site, subjectId, cohort, at, rng, master.stream(TIMING_STREAMS + i));
    at += interval * arrivals.between(0.5, 1.5) * DAY_MS;
    return patient;
  });
}

/** Polls the trial and reports each new dose-escalation decision as it is taken. */
function watchTrial(context: SimulationContext, token: string): { stop(): Promise<void> } {
  let seen = 0;
  let stopped = false;
  const escalates = context.trial.protocol.spec.doseEscalation !== undefined;
  const poll = async () => {
    const answer = await context.api.get<TrialView>(`/trials/${context.trial.protocol.id}`, token);
    if (!isOk(answer)) return;
    for (const d of answer.body.decisions.slice(seen)) context.milestone({ at: Date.parse(d.at), text: `dose escalation: ${d.reason}` });
    seen = answer.body.decisions.length;
  };
  const loop = (async () => {
    while (!stopped) {
      await new Promise((done) => setTimeout(done, 500));
      if (escalates) await poll();
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      if (escalates) await poll();
    },
  };
}

async function collectReport(
  context: SimulationContext,
  admin: string,
  summaries: PatientSummary[],
  run: { options: SimulationOptions; patients: number; daysPerSecond: number; storage: string; wallSeconds: number; studyDays: number },
): Promise<SimulationReport> {
  const { api, trial } = context;
  const id = trial.protocol.id;
  const trialView = await api.get<TrialView>(`/trials/${id}`, admin);
  const outcomes = await api.get(`/trials/${id}/outcomes`, admin);
  const audit = await api.get(`/audit/verify`, context.staff.monitor);
  if (!isOk(trialView) || !isOk(outcomes)) throw new Error(`the trial's read-outs failed: GET /trials ${trialView.status}, outcomes ${outcomes.status}`);
  const finalStates: Record<string, number> = {};
  for (const s of summaries) finalStates[s.finalState] = (finalStates[s.finalState] ?? 0) + 1;
  return {
    protocol: trialView.body.protocol,
    title: trialView.body.title,
    cohort: trial.cohort,
    seed: run.options.seed,
    patients: run.patients,
    daysPerSecond: run.daysPerSecond,
    storage: run.storage,
    wallSeconds: run.wallSeconds,
    studyDays: run.studyDays,
    finalStates,
    screenFailures: summaries.filter((s) => s.screenFailure).map((s) => ({ subjectId: s.subjectId, ...s.screenFailure! })),
    perPatient: summaries,
    trial: trialView.body,
    outcomes: outcomes.body,
    audit: isOk(audit) ? { ok: audit.body.ok, patientsChecked: audit.body.patientsChecked, entriesChecked: audit.body.entriesChecked } : null,
    eventsPosted: api.stats.eventsPosted,
    eventsByType: Object.fromEntries(api.stats.eventsByType),
    refusals: Object.fromEntries(api.stats.refusals),
    errors: api.stats.errors,
  };
}

function printServing(io: Io, engine: Engine, staff: Staff): void {
  const site = staff.sites[0];
  io.out(
    [
      '',
      'The engine keeps running (its clock still runs at the simulation speed); Ctrl-C stops it.',
      `  console             ${engine.url}/app`,
      `  API docs            ${engine.url}/docs`,
      `  admin token         ${engine.adminToken}`,
      `  coordinator token   ${site.coordinator}   (${site.siteId})`,
      `  investigator token  ${site.investigator}   (${site.siteId}; signing password ${staff.signingPassword})`,
      `  monitor token       ${staff.monitor}`,
      '',
    ].join('\n'),
  );
}
