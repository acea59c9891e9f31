/**
 * CAR-T expansion and persistence in one compartment (peripheral blood, bone marrow or lymph
 * node), from qPCR copies/µg genomic DNA or CAR-T % by flow (clinical.md, "CAR-T kinetics").
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
  /** AUC from day 0 to the window's end by the linear trapezoid rule over the samples in it, in value × days. */
  auc: number;
  /** How many samples fall within the window and were used. */
  samples: number;
}

/**
 * Cmax, Tmax and AUC0–window (28 days unless given) by the linear trapezoid rule over the samples
 * taken on days 0 to `windowDays`, both included. Samples before the infusion or after the window
 * are left out, and nothing is extrapolated: the area runs from the first sample in the window to
 * the last, so without a day-0 sample it starts at the first one. Samples may come in any order;
 * two on the same day are refused, as the area between them would be undefined.
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
  const inWindow = samples.filter(({ day }) => day >= 0 && day <= windowDays).sort((a, b) => a.day - b.day);
  inWindow.forEach((sample, index) => {
    if (index > 0 && sample.day === inWindow[index - 1]!.day) {
      throw new RangeError(`two samples on day ${sample.day}: give one value per day`);
    }
  });

  // Sorted by day, so the first sample at the peak value is the earliest one.
  const peak = inWindow.reduce<KineticsSample | null>((best, sample) => (best === null || sample.value > best.value ? sample : best), null);
  let auc = 0;
  for (let index = 1; index < inWindow.length; index += 1) {
    const [previous, sample] = [inWindow[index - 1]!, inWindow[index]!];
    auc += ((previous.value + sample.value) / 2) * (sample.day - previous.day);
  }
  return { cmax: peak?.value ?? null, tmax: peak?.day ?? null, auc, samples: inWindow.length };
}
