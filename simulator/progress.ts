import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Milestone } from './context';

/** Where a run writes: the report to `out`, progress to `err`; `tty` says whether `err` is a terminal. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  tty: boolean;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  tty: Boolean(process.stderr.isTTY) && !process.env.CI,
};

export interface ProgressState {
  finished: number;
  studyDay: number;
  events: number;
  refusals: number;
}

/**
 * The run's progress: on a terminal a bar (patients finished of N, study day, events posted,
 * refusals) with the milestones scrolling above it; elsewhere one line per milestone and no bar.
 */
export class Progress {
  private multibar?: MultiBar;
  private bar?: SingleBar;

  constructor(
    private readonly io: Io,
    private readonly total: number,
    private readonly quiet: boolean,
  ) {}

  start(): void {
    if (this.quiet || !this.io.tty) return;
    this.multibar = new MultiBar(
      {
        format: 'patients finished [{bar}] {value}/{total} | study day {day} | {events} events | {refusals} refusals',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 24,
      },
      Presets.shades_classic,
    );
    this.bar = this.multibar.create(this.total, 0, { day: 0, events: 0, refusals: 0 });
  }

  update(state: ProgressState): void {
    this.bar?.update(state.finished, { day: state.studyDay, events: state.events, refusals: state.refusals });
  }

  milestone(studyDay: number, m: Milestone): void {
    if (this.quiet) return;
    const line = `day ${String(studyDay).padStart(4)}  ${(m.subjectId ?? 'trial').padEnd(8)} ${m.text}\n`;
    if (this.multibar) this.multibar.log(line);
    else this.io.err(line);
  }

  stop(): void {
    this.multibar?.stop();
    this.multibar = undefined;
    this.bar = undefined;
  }
}
