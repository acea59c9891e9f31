import { Worker } from 'bullmq';

/**
 * A BullMQ worker that takes a delayed job when it falls due, not at Redis's next server tick.
 *
 * An idle BullMQ worker waits for its next delayed job in `BZPOPMIN` on the queue's marker key,
 * with the job's delay as the command's timeout. Redis ends a blocked command's timeout only at an
 * event-loop pass, and with nothing else to do it passes once per `serverCron`: every 1000/`hz` ms,
 * 100 ms at Redis's default `hz 10` (measured: `BZPOPMIN k 0.005` returns after 99 ms). A timer
 * due at t so fired anywhere in [t, t + 100 ms], and the timers benchmark saw a stall every
 * ~200 ms (docs/benchmarks.md, "Timers").
 *
 * This worker keeps that wait as a backstop and, in this process, sets a timer for the moment the
 * wait is for; when it runs it writes the marker BullMQ itself writes when a job becomes waiting
 * (`ZADD marker 0 "0"`, its `addBaseMarkerIfNeeded.lua`). A write to the key a client blocks on ends
 * the block at once, whatever `hz` is, and the worker's next `moveToActive` promotes the delayed jobs
 * now due. A marker left over (the wait ended first) costs one empty `moveToActive`; a job is still
 * taken by one worker only, as `moveToActive` is atomic.
 *
 * The hook is `getBlockTimeout`, the one protected step of BullMQ's wait, called with the moment
 * waited for just before the blocking command (bullmq 6: worker.ts `waitForJob`). The test
 * `prompt-worker.medium-spec.ts` runs it against a Redis at `hz 1`, where a plain worker is a
 * second late, so an upgrade that moves the hook fails there.
 */
export class PromptWorker extends Worker {
  private wake: NodeJS.Timeout | undefined;

  protected override getBlockTimeout(blockUntil: number): number {
    const timeout = super.getBlockTimeout(blockUntil);
    clearTimeout(this.wake);
    this.wake = undefined;
    const waitMs = blockUntil - Date.now();
    if (blockUntil > 0 && waitMs > 0) {
      this.wake = setTimeout(() => void this.nudge(), waitMs);
      // Never what keeps the process alive: closing the worker ends the wait anyway.
      this.wake.unref();
    }
    return timeout;
  }

  override async close(force = false): Promise<void> {
    clearTimeout(this.wake);
    this.wake = undefined;
    return super.close(force);
  }

  private async nudge(): Promise<void> {
    this.wake = undefined;
    if (this.closing || this.isPaused()) return;
    try {
      const client = await this.getBackend().client;
      await client.runCommand('zadd', [this.keys.marker, 0, '0']);
    } catch {
      // Redis unreachable: the blocking wait times out on its own and BullMQ reconnects; the job is
      // late, not lost (and the reconciler re-adds what Redis lost).
    }
  }
}
