/** An answer no step was ready for: this patient stops (the error is already recorded). */
export class StopPatient extends Error {}
