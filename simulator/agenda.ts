/** One thing a site does for a patient at a simulated instant. */
export interface Step {
  at: number;
  what: string;
  run(): Promise<void>;
}

/** A patient's steps in time order; a step may add later ones (a DLT to adjudicate, a relapse to record). */
export class Agenda {
  private readonly steps: Step[] = [];

  add(at: number, what: string, run: () => Promise<void>): void {
    const index = this.steps.findIndex((s) => s.at > at);
    const step = { at, what, run };
    if (index === -1) this.steps.push(step);
    else this.steps.splice(index, 0, step);
  }

  /** Takes the earliest step. */
  next(): Step | undefined {
    return this.steps.shift();
  }
}
