import { studyDay } from '../lifecycle/clinical-time';
import { medianAndRange, proportion, type MedianAndRange, type Proportion } from '../statistics';
import type { LoggedEvent } from './patient-facts';

/**
 * The way from a patient's veins back to them, as its log records it: the cells collected
 * (`LEUKAPHERESIS_COMPLETED`), the product released (`PRODUCT_RELEASED`) or its manufacture failed
 * (`MANUFACTURING_FAILED`, an end of the road), and a death or withdrawal before the infusion.
 */
export interface ProductPath {
  /** The first collection: the way is counted from it, whatever had to be made again. */
  apheresisAt: string | null;
  /** The last release: the product the patient was (or is to be) given. */
  releasedAt: string | null;
  /** Manufacturing attempts started (`MANUFACTURING_STARTED`); 0 for a patient whose chain of custody was not recorded. */
  attempts: number;
  /** Each order to make the product again (`REMANUFACTURE_ORDERED`): why, and from what. */
  remanufactures: Array<{ at: string; cause: string; source: string }>;
  /** A release that waived a criterion under the protocol's out-of-specification rule. */
  releasedOutOfSpecification: boolean;
  /** Bridging therapy was given between the apheresis and lymphodepletion. */
  bridged: boolean;
  manufacturingFailed: { at: string; reason: string } | null;
  /** The patient left the study before any infusion: died or withdrew, in the words given (`cause`, `reason`). */
  leftBeforeInfusion: { at: string; kind: 'died' | 'withdrew'; text: string } | null;
}

/** What a patient contributes to the vein-to-vein figures. */
export interface VeinToVeinFacts {
  /** The site the figures are grouped under; null pools the patients of sites the reader may not see. */
  site: string | null;
  infusedAt: string | null;
  product: ProductPath;
}

/** Why an apheresed patient never received the product, by the event that ended the way. */
export const NOT_INFUSED_REASONS = ['manufacturing failed', 'died', 'withdrew'] as const;
export type NotInfusedReason = (typeof NOT_INFUSED_REASONS)[number];

const textOf = (data: Record<string, unknown>, field: string) => {
  const text = data[field];
  return typeof text === 'string' && text.trim() ? text.trim() : 'no reason given';
};

const byTime = (a: LoggedEvent, b: LoggedEvent) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0);

/** The product path of one patient, from its log (already cut to the outcomes' date), each step the earliest by clinical time (a late entry dated before counts first). */
export function productPath(events: readonly LoggedEvent[]): ProductPath {
  const all = (type: string) => events.filter((e) => e.type === type).sort(byTime);
  const first = (type: string) => all(type)[0];
  const failed = first('MANUFACTURING_FAILED');
  const infused = first('INFUSION_COMPLETED');
  const left = [first('DEATH'), first('WITHDRAWN')].filter((e): e is LoggedEvent => e !== undefined && (!infused || e.occurredAt < infused.occurredAt)).sort(byTime)[0];
  return {
    apheresisAt: first('LEUKAPHERESIS_COMPLETED')?.occurredAt ?? null,
    releasedAt: all('PRODUCT_RELEASED').at(-1)?.occurredAt ?? null,
    attempts: all('MANUFACTURING_STARTED').length,
    remanufactures: all('REMANUFACTURE_ORDERED').map((e) => ({ at: e.occurredAt, cause: String(e.data.cause), source: String(e.data.source) })),
    releasedOutOfSpecification: all('PRODUCT_RELEASED').some((e) => e.data.outOfSpecification !== undefined),
    bridged: all('BRIDGING_THERAPY_GIVEN').length > 0,
    manufacturingFailed: failed ? { at: failed.occurredAt, reason: textOf(failed.data, 'reason') } : null,
    leftBeforeInfusion: left
      ? left.type === 'DEATH'
        ? { at: left.occurredAt, kind: 'died', text: textOf(left.data, 'cause') }
        : { at: left.occurredAt, kind: 'withdrew', text: textOf(left.data, 'reason') }
      : null,
  };
}

/**
 * Whole days from one step to the next: UTC calendar days, as study days are counted (a product
 * released on the 17th calendar day after the apheresis is 17 days, whatever the hour of either), so
 * the figures read as the dates a publication reports them from.
 */
const daysFrom = (from: string, to: string) => studyDay(to, from);

export interface NotInfusedRow {
  reason: NotInfusedReason;
  patients: number;
  /** Of them, the patients whose product had been released. */
  afterRelease: number;
  /** The words given (the failure's reason, the cause of death, the reason for withdrawal), grouped, the most frequent first. */
  texts: Array<{ text: string; patients: number }>;
}

/** The figures of one group of patients (the trial, a cohort, a site). */
export interface VeinToVeinCounts {
  /** Patients whose cells were collected. */
  apheresed: number;
  /** Of them, patients with a released product. */
  released: number;
  /** Of them, patients infused. */
  infused: number;
  manufacturingFailures: number;
  /** Manufacturing attempts started, the first ones included. */
  manufacturingAttempts: number;
  /** Patients whose product had to be made again (from retained cells or a new apheresis). */
  remanufactured: number;
  /** Patients given a product released out of specification, on the investigator's signed justification. */
  releasedOutOfSpecification: number;
  /** Patients whose product was rejected as out of specification and made again. */
  rejectedOutOfSpecification: number;
  /** Patients given bridging therapy while their product was made. */
  bridged: number;
  /** Apheresed patients on study whose product is neither released nor failed yet. */
  inManufacturing: number;
  /** Patients on study with a released product not infused yet. */
  awaitingInfusion: number;
  apheresisToRelease: MedianAndRange;
  releaseToInfusion: MedianAndRange;
  apheresisToInfusion: MedianAndRange;
}

export interface VeinToVein extends VeinToVeinCounts {
  unit: 'days';
  /** Released of apheresed, with the exact 95 % CI: patients still in manufacturing count in the denominator. */
  manufacturingSuccess: Proportion;
  /** Apheresed patients who left the study without an infusion, by why. */
  notInfused: { patients: number; byReason: NotInfusedRow[] };
  /** The same figures per site, named sites first in order, the pooled `null` group last. */
  bySite: Array<VeinToVeinCounts & { siteId: string | null; notInfused: number }>;
}

function counts(group: readonly VeinToVeinFacts[]): VeinToVeinCounts {
  const apheresed = group.filter((p) => p.product.apheresisAt !== null);
  const released = apheresed.filter((p) => p.product.releasedAt !== null);
  const infused = apheresed.filter((p) => p.infusedAt !== null);
  const onStudy = (p: VeinToVeinFacts) => p.infusedAt === null && !p.product.manufacturingFailed && !p.product.leftBeforeInfusion;
  const between = (from: (p: VeinToVeinFacts) => string | null, to: (p: VeinToVeinFacts) => string | null) =>
    medianAndRange(apheresed.flatMap((p) => (from(p) && to(p) ? [daysFrom(from(p)!, to(p)!)] : [])));
  return {
    apheresed: apheresed.length,
    released: released.length,
    infused: infused.length,
    manufacturingFailures: apheresed.filter((p) => p.product.manufacturingFailed).length,
    manufacturingAttempts: apheresed.reduce((sum, p) => sum + p.product.attempts, 0),
    remanufactured: apheresed.filter((p) => p.product.remanufactures.length > 0).length,
    releasedOutOfSpecification: apheresed.filter((p) => p.product.releasedOutOfSpecification).length,
    rejectedOutOfSpecification: apheresed.filter((p) => p.product.remanufactures.some((r) => r.cause === 'outOfSpecification')).length,
    bridged: apheresed.filter((p) => p.product.bridged).length,
    inManufacturing: apheresed.filter((p) => onStudy(p) && p.product.releasedAt === null).length,
    awaitingInfusion: released.filter(onStudy).length,
    apheresisToRelease: between(
      (p) => p.product.apheresisAt,
      (p) => p.product.releasedAt,
    ),
    releaseToInfusion: between(
      (p) => p.product.releasedAt,
      (p) => p.infusedAt,
    ),
    apheresisToInfusion: between(
      (p) => p.product.apheresisAt,
      (p) => p.infusedAt,
    ),
  };
}

/** Why an apheresed patient was not infused, or null when it was or is still on its way. */
function notInfusedBecause(p: VeinToVeinFacts): { reason: NotInfusedReason; text: string } | null {
  if (p.product.apheresisAt === null || p.infusedAt !== null) return null;
  const failed = p.product.manufacturingFailed;
  const left = p.product.leftBeforeInfusion;
  // Manufacturing failure ends the study (the patient's state accepts nothing after it): whichever came first is the reason.
  if (failed && (!left || failed.at <= left.at)) return { reason: 'manufacturing failed', text: failed.reason };
  if (left) return { reason: left.kind, text: left.text };
  return null;
}

/** The words given, grouped whatever their case or spacing (the first spelling seen is shown), the most frequent first. */
function groupTexts(texts: readonly string[]): Array<{ text: string; patients: number }> {
  const groups = new Map<string, { text: string; patients: number }>();
  for (const text of texts) {
    const key = text.toLowerCase().replace(/\s+/g, ' ');
    const group = groups.get(key) ?? { text, patients: 0 };
    group.patients += 1;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.patients - a.patients || a.text.localeCompare(b.text));
}

/**
 * The vein-to-vein figures of a group of patients: days from apheresis to release, release to
 * infusion and apheresis to infusion (median, range, n), the manufacturing success rate (released
 * of apheresed), the manufacturing failures, and the apheresed patients never infused and why; for
 * the group and for each site. Sources and definitions: docs/clinical.md, section "Vein to vein".
 */
export function veinToVein(facts: readonly VeinToVeinFacts[]): VeinToVein {
  const overall = counts(facts);
  const ended = facts.flatMap((p) => {
    const because = notInfusedBecause(p);
    return because ? [{ ...because, released: p.product.releasedAt !== null }] : [];
  });
  const sites = [...new Set(facts.filter((p) => p.product.apheresisAt !== null).map((p) => p.site))].sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
  return {
    unit: 'days',
    ...overall,
    manufacturingSuccess: proportion(overall.released, overall.apheresed),
    notInfused: {
      patients: ended.length,
      byReason: NOT_INFUSED_REASONS.map((reason) => {
        const of = ended.filter((e) => e.reason === reason);
        return { reason, patients: of.length, afterRelease: of.filter((e) => e.released).length, texts: groupTexts(of.map((e) => e.text)) };
      }),
    },
    bySite: sites.map((siteId) => {
      const group = facts.filter((p) => p.site === siteId);
      return { siteId, ...counts(group), notInfused: group.filter((p) => notInfusedBecause(p) !== null).length };
    }),
  };
}
