import { doseLevelForNextPatient, type LifecycleSpec, levelRecord, trialRefusals, type TrialState } from '#protocols';
import type { TrialEntity } from '../persistence/entities';
import type { VersionCount } from '../persistence/repositories/patient-repository';

/**
 * The trial as sponsors and investigators read it (`GET /trials/:protocolId`). Every patient is
 * counted; a patient is named (id, subject id, log entry) only to a caller who may see the patient's
 * site, `own` holding those patients' subject ids: another site's patients are counted, never identified.
 * The trial spans the protocol's versions (ADR 0011): `spec` is its rules (the newest version's),
 * `versions` the versions that have patients.
 */
export function toTrialView(spec: LifecycleSpec, row: TrialEntity, state: TrialState, now: Date, own: ReadonlyMap<string, string>, versions: readonly VersionCount[]) {
  const named = (patientId: string) => {
    const subjectId = own.get(patientId);
    return subjectId === undefined ? { patientId: null, subjectId: null } : { patientId, subjectId };
  };
  // Enrollment is open exactly when the engine would take an ENROLLED now; the reasons say why not.
  const enrollmentClosedReasons = trialRefusals(spec, state, { type: 'ENROLLED', occurredAt: now.toISOString(), data: {} });
  const revisedBy = new Map(state.decisions.flatMap((d, i) => (d.revises === undefined ? [] : [[d.revises, i] as const])));
  return {
    protocol: spec.id,
    rulesVersion: spec.version,
    versions: [...versions],
    title: spec.title,
    status: state.status,
    enrolled: state.enrolled,
    target: spec.targetEnrollment,
    enrollmentOpen: enrollmentClosedReasons.length === 0,
    enrollmentClosedReasons,
    doseEscalation: spec.doseEscalation ?? null,
    currentDoseLevel: state.currentDoseLevel,
    nextPatientDoseLevel: doseLevelForNextPatient(state),
    levels: spec.doseLevels.map((d) => {
      const locks = state.locks.filter((l) => l.level === d.level);
      return { ...d, ...levelRecord(state, d.level), dataLockedAt: locks.at(-1)?.signature.signedAt ?? null };
    }),
    pending: state.pending.map((p) => ({ ...named(p.patientId), level: p.level, closesAt: p.closesAt })),
    decisions: state.decisions.map((d, index) => {
      const { patientId, seq, evaluationsCounted: _counted, lateEvaluations: _late, awaiting, revises, cause, tallies, mtd, ...decision } = d;
      const who = named(patientId);
      return {
        index,
        ...decision,
        mtd: mtd ?? null,
        ...who,
        seq: who.patientId === null ? null : seq,
        tallies: tallies ?? null,
        revises: revises ?? null,
        revisedBy: revisedBy.get(index) ?? null,
        cause: cause ?? null,
        ...(awaiting ? { awaiting } : {}),
      };
    }),
    holds: state.holds.map((h) => ({ ...h, active: !h.released, released: h.released ?? null })),
    dataLocks: state.locks,
    mtd: state.mtd,
    lastInfusionAt: state.lastInfusionAt,
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export type TrialView = ReturnType<typeof toTrialView>;
