/**
 * CAR-T expansion and persistence in one compartment (peripheral blood, bone marrow or lymph
 * node), from qPCR copies/µg genomic DNA or CAR-T % by flow (docs/clinical.md, section "CAR-T kinetics").
 */

/** One measurement: study day counted from the infusion (day 0), and its value. */
export interface KineticsSample {
  day: number;
  value: number;
}

export interface CarTKinetics {
  /** The peak value within the window; null without samples. */
  cmax: number | null;
  /** The day of the peak; the earliest such day when the peak is reached twice. Null without samples. */
  tmax: number | null;
  /** AUC from day 0 to the window's end by the linear trapezoid rule (see `carTKinetics`), in value × days. */
  auc: number;
  /** How many samples fall within the window and were used. */
  samples: number;
}

/**
 * Cmax, Tmax and AUC0–window (28 days unless given) by the linear trapezoid rule over the samples
 * taken on days 0 to `windowDays`, both included (docs/clinical.md, section "CAR-T kinetics", gives the trapezoid
 * rule; it says nothing of the window's ends, so the two rules below are this function's own):
 * - the area starts at day 0: without a day-0 sample it is anchored at (day 0, 0), as no CAR-T
 *   copies can be found before the infusion;
 * - it ends at the window's end: when the last sample in the window falls before it and a later
 *   sample exists, the value at the window's end is interpolated linearly between the two. Without a
 *   later sample nothing is extrapolated and the area ends at the last sample.
 * Samples before the infusion are left out (the value there is 0 by the anchor), and without a
 * sample in the window the area is 0. The anchor and the interpolated end are not samples: they
 * count neither for Cmax and Tmax nor in `samples`.
 * Samples may come in any order; two on the same day are refused, as the area between them would be
 * undefined.
 */
export function carTKinetics(samples: readonly KineticsSample[], windowDays = 28): CarTKinetics {
  if (!Number.isFinite(windowDays) || windowDays <= 0) {
    throw new RangeError(`the window must be a positive number of days, got ${windowDays}`);
  }
  for (const { day, value } of samples) {
    if (!Number.isFinite(day)) throw new RangeError(`a sample day must be a number, got ${day}`);
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`a sample value must be a non-negative number, got ${value} on day ${day}`);
    }
  }
  const sorted = [...samples].sort((a, b) => a.day - b.day);
  const inWindow = sorted.filter(({ day }) => day >= 0 && day <= windowDays);
  // The first sample after the window, which the area's end is interpolated towards.
  const later = sorted.find(({ day }) => day > windowDays);
  const used = later ? [...inWindow, ...sorted.filter(({ day }) => day === later.day)] : inWindow;
  used.forEach((sample, index) => {
    if (index > 0 && sample.day === used[index - 1]!.day) {
      throw new RangeError(`two samples on day ${sample.day}: give one value per day`);
    }
  });
  // Sorted by day, so the first sample at the peak value is the earliest one.
  const peak = inWindow.reduce<KineticsSample | null>((best, sample) => (best === null || sample.value > best.value ? sample : best), null);
  return { cmax: peak?.value ?? null, tmax: peak?.day ?? null, auc: trapezoidArea(curve(inWindow, later, windowDays)), samples: inWindow.length };
}

/**
 * The points the area runs through: the day-0 anchor, the samples in the window and the end
 * interpolated towards the first later sample. None without a sample in the window: an area is
 * not made from the anchor and a later sample alone.
 */
function curve(inWindow: readonly KineticsSample[], later: KineticsSample | undefined, windowDays: number): KineticsSample[] {
  if (inWindow.length === 0) return [];
  const points = inWindow[0]!.day > 0 ? [{ day: 0, value: 0 }, ...inWindow] : [...inWindow];
  const last = points[points.length - 1]!;
  if (later && last.day < windowDays) {
    const fraction = (windowDays - last.day) / (later.day - last.day);
    points.push({ day: windowDays, value: last.value + (later.value - last.value) * fraction });
  }
  return points;
}

function trapezoidArea(points: readonly KineticsSample[]): number {
  let area = 0;
  for (let index = 1; index < points.length; index += 1) {
    const [previous, point] = [points[index - 1]!, points[index]!];
    area += ((previous.value + point.value) / 2) * (point.day - previous.day);
  }
  return area;
}
