import type { AmendmentReport } from './amendment';
import type { ApiError } from './api';
import type { Hl7Report } from './hl7';
import { DAY_MS } from '#protocols';
import type { PatientSummary } from './patient';
import type { MedianAndRange, VeinToVein } from '#contract';

export interface TrialDecision {
  at: string;
  action: string;
  fromLevel: number;
  toLevel: number | null;
  reason: string;
}

/** GET /trials/:id, as the report uses it. */
export interface TrialView {
  protocol: string;
  title: string;
  status: string;
  enrolled: number;
  target: number;
  doseEscalation: { design: string; cohortSize: number; staggerDays?: number } | null;
  currentDoseLevel: number;
  levels: Array<{ level: number; label: string; enrolled: number; evaluable: number; dlts: number }>;
  decisions: TrialDecision[];
  mtd: number | null;
}

export interface SimulationReport {
  protocol: string;
  title: string;
  cohort: string | null;
  seed: number;
  patients: number;
  daysPerSecond: number;
  storage: string;
  wallSeconds: number;
  /** Study days from the opening of the study to the end of the last patient's follow-up. */
  studyDays: number;
  finalStates: Record<string, number>;
  screenFailures: Array<{ subjectId: string; finding?: string; reasons: string[] }>;
  perPatient: PatientSummary[];
  trial: TrialView;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the trial's outcomes as the API answers them, a different shape per response criteria
  outcomes: any;
  audit: { ok: boolean; patientsChecked: number; entriesChecked: number } | null;
  eventsPosted: number;
  eventsByType: Record<string, number>;
  refusals: Record<string, number>;
  errors: ApiError[];
  /** With --amend-at: what the amendment did. */
  amendment?: AmendmentReport;
  /** With --hl7: what the lab's ORU^R01 messages became. */
  hl7?: Hl7Report;
}

const pct = (rate: number | null | undefined) => (rate === null || rate === undefined ? '–' : `${Math.round(rate * 100)} %`);
const num = (value: number | null | undefined, digits = 0) => (value === null || value === undefined ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits }));
const pad = (text: string | number, width: number) => String(text).padEnd(width);

function proportion(p: { successes: number; n: number; rate: number | null; ci: { lower: number; upper: number } | null } | undefined): string {
  if (!p || p.n === 0) return 'no infused patients';
  return `${p.successes} of ${p.n} = ${pct(p.rate)} (95 % CI ${pct(p.ci?.lower)}–${pct(p.ci?.upper)})`;
}

function survival(name: string, km: { median: number | null; medianCi: { lower: number | null; upper: number | null }; n: number; events: number } | null): string {
  if (!km) return `  ${pad(name, 5)} no patients`;
  const median = km.median === null ? 'not reached' : `${num(km.median)} days`;
  const ci = `(95 % CI ${km.medianCi.lower === null ? '–' : num(km.medianCi.lower)} to ${km.medianCi.upper === null ? 'not reached' : num(km.medianCi.upper)})`;
  return `  ${pad(name, 5)} median ${pad(median, 12)} ${pad(ci, 32)} ${km.events} event${km.events === 1 ? '' : 's'} in ${km.n}`;
}

const byGrade = (rows: Array<{ grade: number; patients: number }>) =>
  rows
    .filter((r) => r.patients > 0)
    .map((r) => `grade ${r.grade}: ${r.patients}`)
    .join(' · ') || 'none';

/** The study day (from the opening of the study) of an instant. */
export function studyDayOf(at: string | number, studyStart: number): number {
  return Math.floor(((typeof at === 'string' ? Date.parse(at) : at) - studyStart) / DAY_MS);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the trial's outcomes as the API answers them, a different shape per response criteria
function responseLines(outcomes: any, label: string): string[] {
  const r = outcomes.response;
  const lines = [
    `${label} (${r.criteria === 'BY_COHORT' ? "each by its cohort's criteria" : r.criteria === 'LUGANO_2014' ? 'Lugano 2014' : 'ALL'}; ORR counts ${r.objectiveResponses.join(' + ')}), of ${outcomes.infused} infused:`,
    `  ORR               ${proportion(r.orr)}`,
  ];
  if (r.criteria !== 'LUGANO_2014') lines.push(`  MRD-negative ORR  ${proportion(r.mrdNegativeOrr)}${r.criteria === 'BY_COHORT' ? ' (of ALL-criteria patients)' : ''}`);
  if (r.dcr) lines.push(`  DCR               ${proportion(r.dcr)}`);
  for (const l of (r.landmarks ?? []) as Array<{ measure: string; rate: unknown; notYetDue: number; notAssessed: number }>) {
    const pending = [l.notYetDue ? `${l.notYetDue} not yet due` : '', l.notAssessed ? `${l.notAssessed} not assessed` : ''].filter(Boolean).join(', ');
    lines.push(`  ${l.measure}: ${proportion(l.rate as never)}${pending ? ` (${pending})` : ''}`);
  }
  const best = (r.bestResponse as Array<{ response: string; patients: number }>).map((b) => `${b.response} ${b.patients}`).join(' · ');
  lines.push(`  best response     ${best || 'none assessed'}`);
  return lines;
}

/** The report as text. */
export function formatReport(report: SimulationReport, studyStart: number): string {
  const { trial, outcomes } = report;
  const lines: string[] = [];
  const cohortWords = report.cohort ? `, cohort ${report.cohort}` : (outcomes.cohorts ?? []).length ? ', each patient drawn into a cohort' : '';
  lines.push(`${report.protocol}: ${report.title}${cohortWords}`);
  lines.push(
    `${report.patients} patients, seed ${report.seed}, ${num(report.daysPerSecond, 1)} study days per second on ${report.storage}; ` +
      `${report.studyDays} study days in ${report.wallSeconds.toFixed(1)} s`,
  );

  lines.push('', 'Patients by final state');
  lines.push(
    `  ${Object.entries(report.finalStates)
      .sort((a, b) => b[1] - a[1])
      .map(([s, n]) => `${s} ${n}`)
      .join(' · ')}`,
  );
  if (report.screenFailures.length) {
    lines.push('', 'Screen failures');
    for (const f of report.screenFailures) lines.push(`  ${pad(f.subjectId, 8)} ${f.reasons.join('; ')}`);
  }

  const enrolled = `${trial.enrolled} of ${trial.target} enrolled`;
  lines.push(
    '',
    trial.doseEscalation
      ? `Dose escalation: ${trial.doseEscalation.design} in cohorts of ${trial.doseEscalation.cohortSize}; status ${trial.status}; ` +
          `MTD ${trial.mtd === null ? 'not found' : `dose level ${trial.mtd}`}; ${enrolled}`
      : `Dose: one level, no dose escalation; ${enrolled}`,
  );
  lines.push(`  ${pad('level', 6)} ${pad('dose', 16)} ${pad('enrolled', 9)} ${pad('evaluable', 10)} DLTs`);
  for (const l of trial.levels) lines.push(`  ${pad(l.level, 6)} ${pad(l.label, 16)} ${pad(l.enrolled, 9)} ${pad(l.evaluable, 10)} ${l.dlts}`);
  if (trial.decisions.length) {
    lines.push('  Decisions:');
    for (const d of trial.decisions) {
      const move = d.toLevel === null ? `${d.action}` : `${d.action} ${d.fromLevel} → ${d.toLevel}`;
      lines.push(`    day ${String(studyDayOf(d.at, studyStart)).padStart(4)}  ${pad(move, 18)} ${d.reason}`);
    }
  } else if (trial.doseEscalation) {
    lines.push('  Decisions: none yet (no cohort completed its DLT evaluation)');
  }

  if (outcomes.veinToVein) lines.push('', ...veinToVeinLines(outcomes.veinToVein));

  lines.push('');
  // On a trial with cohorts each cohort is read out by its own criteria (B-ALL by ALL, B-NHL by
  // Lugano 2014); the trial-level response applies the protocol's default criteria to every patient.
  const cohorts = (outcomes.cohorts ?? []).filter((c: { participants: number }) => c.participants > 0);
  if (!cohorts.length) lines.push(...responseLines(outcomes, 'Response'));
  for (const c of cohorts) lines.push(...responseLines(c, `Response, cohort ${c.cohort}`));

  const s = outcomes.survival;
  lines.push('', 'Survival (Kaplan–Meier, days from infusion, censored at the last contact)');
  lines.push(survival('OS', s.os), survival('PFS', s.pfs), survival('EFS', s.efs), survival('DOR', s.dor));

  const safety = outcomes.safety;
  lines.push('', `Safety: ${safety.participantsWithGrade3OrWorse} of ${safety.treated} treated (infused) participants had a grade ≥ 3 adverse event`);
  lines.push(`  CRS (ASTCT), worst grade per participant:   ${byGrade(safety.crsByGrade)}`);
  lines.push(`  ICANS (ASTCT), worst grade per participant: ${byGrade(safety.icansByGrade)}`);
  lines.push(`  ${pad('adverse event (participants by worst grade)', 56)} G1  G2  G3  G4  G5`);
  const terms = [...(safety.adverseEventsByTerm as Array<{ term: string; byWorstGrade: Array<{ grade: number; patients: number }> }>)].sort((a, b) => total(b) - total(a));
  for (const t of terms) lines.push(`  ${pad(t.term, 56)} ${t.byWorstGrade.map((g) => String(g.patients).padStart(2)).join('  ')}`);

  const k = outcomes.kinetics;
  lines.push('', 'CAR-T kinetics (CAR copies/µg gDNA; medians over the patients with a sample by day 28)');
  if (!k.summary.length) lines.push('  no CAR copy results');
  for (const c of k.summary) {
    lines.push(
      `  ${pad(c.compartment, 3)} ${pad(`n = ${c.patients}`, 12)} Cmax ${pad(num(c.medianCmax), 9)} Tmax day ${pad(num(c.medianTmax, 1), 6)} AUC0–28 ${num(c.medianAuc0to28)}${c.withoutSamples ? ` (${c.withoutSamples} more without a sample by day 28)` : ''}`,
    );
  }
  const cytokines = (k.cytokinePeaks as Array<{ code: string; patients: number; medianPeak: number | null }>).filter((c) => c.patients > 0);
  if (cytokines.length) lines.push(`  cytokine peaks in the first month (median pg/mL): ${cytokines.map((c) => `${c.code} ${num(c.medianPeak, 1)}`).join(' · ')}`);

  if (report.amendment) lines.push('', ...amendmentLines(report.amendment));
  if (report.hl7) lines.push('', ...hl7Lines(report.hl7));

  lines.push('', `API: ${report.eventsPosted} events posted`);
  const refusals = Object.entries(report.refusals);
  lines.push(`  refusals the simulator expected: ${refusals.length ? refusals.map(([k2, n]) => `${k2} ×${n}`).join(' · ') : 'none'}`);
  if (report.audit) {
    lines.push(`  audit: hash chains of ${report.audit.patientsChecked} patients (${report.audit.entriesChecked} entries) ${report.audit.ok ? 'intact' : 'BROKEN'}`);
  }
  if (report.errors.length) {
    lines.push('', `ERRORS (${report.errors.length}): answers the simulator did not expect`);
    for (const e of report.errors.slice(0, 30)) lines.push(`  ${e.status ?? '---'} ${e.method} ${e.path}${e.event ? ` ${e.event}` : ''}: ${e.message}`);
    if (report.errors.length > 30) lines.push(`  … and ${report.errors.length - 30} more`);
  } else {
    lines.push('  errors: none');
  }
  return `${lines.join('\n')}\n`;
}

const total = (t: { byWorstGrade: Array<{ patients: number }> }) => t.byWorstGrade.reduce((sum, g) => sum + g.patients, 0);

/** The "Lab messages" section: the ORU^R01 messages the lab sent and their ACKs. */
function hl7Lines(h: Hl7Report): string[] {
  const lines = [`Lab messages (HL7 v2 ORU^R01 over MLLP, port ${h.port}): ${h.messages}`, `  AA recorded ${h.accepted} · AR refused ${h.refused}`];
  const held = Object.entries(h.held);
  lines.push(`  AE held in the integration inbox: ${held.length ? '' : 'none'}`);
  for (const [reason, n] of held) lines.push(`    ${String(n).padStart(3)}  ${reason}`);
  return lines;
}

/** The "Amendment" section: approvals per site, the migration's outcome, re-consent and the timers it re-derived. */
function amendmentLines(a: AmendmentReport): string[] {
  const lines = [`Amendment: ${a.protocol} v${a.toVersion} on study day ${a.studyDay}`];
  for (const s of a.sites) lines.push(`  ${pad(s.siteId, 8)} IRB approval ${s.approvedOn ? `${s.approvedOn} (study day ${s.approvedOnStudyDay})` : 'not recorded'}`);
  lines.push(`  patients migrated ${a.migrated} · awaiting approval ${a.awaitingApproval}`);
  const refused = Object.entries(a.refused);
  lines.push(`  refused: ${refused.length ? '' : 'none'}`);
  for (const [reason, n] of refused) lines.push(`    ${String(n).padStart(3)}  ${reason}`);
  lines.push(`  re-consent: signed ${a.reconsent.signed} · declined ${a.reconsent.declined} · still due ${a.reconsent.due}`);
  lines.push(`  timers re-derived by the migrations: added ${a.timers.added} · moved ${a.timers.moved} · cancelled ${a.timers.cancelled}`);
  lines.push(`  rollovers into long-term follow-up: ${a.rollovers}`);
  return lines;
}

/** "median 14 (range 10–18), n 38" in days, or "none" without a patient who took both steps. */
function days(m: MedianAndRange): string {
  if (m.median === null) return 'none';
  return `median ${num(m.median, 1)} (range ${num(m.min)}–${num(m.max)}), n ${m.n}`;
}

/** The "Vein to vein" section: the times from apheresis to infusion, the manufacturing success rate, who was never infused and why, per site. */
export function veinToVeinLines(v: VeinToVein): string[] {
  if (!v.apheresed) return ['Vein to vein: no apheresis recorded'];
  const lines = [`Vein to vein (whole calendar days), of ${v.apheresed} apheresed:`];
  lines.push(`  ${pad('apheresis → release', 22)} ${days(v.apheresisToRelease)}`);
  lines.push(`  ${pad('release → infusion', 22)} ${days(v.releaseToInfusion)}`);
  lines.push(`  ${pad('apheresis → infusion', 22)} ${days(v.apheresisToInfusion)}`);
  const waiting = [v.inManufacturing ? `${v.inManufacturing} in manufacturing` : '', v.awaitingInfusion ? `${v.awaitingInfusion} released, awaiting infusion` : '']
    .filter(Boolean)
    .join(' · ');
  lines.push(
    `  ${pad('manufacturing', 22)} ${v.released} released of ${v.apheresed} = ${pct(v.manufacturingSuccess.rate)} (95 % CI ${pct(v.manufacturingSuccess.ci?.lower)}–${pct(
      v.manufacturingSuccess.ci?.upper,
    )}); ${v.manufacturingFailures} failure${v.manufacturingFailures === 1 ? '' : 's'}${waiting ? `; ${waiting}` : ''}`,
  );
  lines.push(
    `  ${pad('made again', 22)} ${v.remanufactured} patient${v.remanufactured === 1 ? '' : 's'} (${v.manufacturingAttempts} attempts in all); out of specification: ${v.releasedOutOfSpecification} released on justification, ${v.rejectedOutOfSpecification} rejected`,
  );
  lines.push(`  ${pad('bridging therapy', 22)} ${v.bridged} of ${v.apheresed}`);
  lines.push(`  ${pad('never infused', 22)} ${v.notInfused.patients}${v.notInfused.patients ? ':' : ''}`);
  for (const r of v.notInfused.byReason.filter((row) => row.patients > 0)) {
    const released = r.afterRelease ? `, ${r.afterRelease} after release` : '';
    lines.push(`    ${String(r.patients).padStart(3)}  ${r.reason}${released}: ${r.texts.map((t) => (t.patients > 1 ? `${t.text} ×${t.patients}` : t.text)).join(' · ')}`);
  }
  if (v.bySite.length > 1) {
    lines.push('  per site (apheresed, released, infused; apheresis → infusion):');
    for (const site of v.bySite) {
      lines.push(`    ${pad(site.siteId ?? 'other sites', 12)} ${pad(`${site.apheresed}, ${site.released}, ${site.infused}`, 12)} ${days(site.apheresisToInfusion)}`);
    }
  }
  return lines;
}
