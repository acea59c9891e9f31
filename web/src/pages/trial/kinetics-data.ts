import { api } from '../../api/client';
import type { Patient } from '../../api/types';
import { studyDay } from '../../lib/format';

export interface KineticsSeries {
  patientId: string;
  subjectId: string;
  compartment: string;
  unit: string;
  /** One value per study day (the last collected that day), ascending. */
  points: Array<{ day: number; value: number }>;
}

/** A date-only collection time stands for its day (the engine takes the start of that day). */
const instant = (at: string) => (at.length === 10 ? `${at}T00:00:00.000Z` : at);

/** Runs `work` over `items`, at most `limit` at a time. */
async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * CAR copies by study day for each infused patient with lab results, read from the patients' logs
 * (the outcomes answer has Cmax, Tmax and AUC but not the samples themselves).
 */
export async function carCopySeries(patients: Patient[]): Promise<KineticsSeries[]> {
  const sampled = patients.filter((p) => p.day0 && p.record.labResultCount > 0);
  const logs = await mapLimit(sampled, 4, (p) => api.events(p.id));
  return sampled.flatMap((patient, i) => {
    const byCompartment = new Map<string, { unit: string; days: Map<number, { at: string; value: number }> }>();
    for (const entry of logs[i]!) {
      if (entry.type !== 'LAB_RESULT_RECORDED' || entry.data.code !== 'CAR_COPIES') continue;
      const value = Number(entry.data.value);
      const at = instant(String(entry.data.collectedAt));
      const compartment = typeof entry.data.compartment === 'string' ? entry.data.compartment : 'PB';
      const series = byCompartment.get(compartment) ?? { unit: String(entry.data.unit ?? ''), days: new Map() };
      const day = studyDay(at, patient.day0!);
      const previous = series.days.get(day);
      if (!previous || previous.at <= at) series.days.set(day, { at, value });
      byCompartment.set(compartment, series);
    }
    return [...byCompartment.entries()].map(([compartment, s]) => ({
      patientId: patient.id,
      subjectId: patient.subjectId,
      compartment,
      unit: s.unit,
      points: [...s.days.entries()].map(([day, v]) => ({ day, value: v.value })).sort((a, b) => a.day - b.day),
    }));
  });
}
