import { DataSource, LessThanOrEqual } from 'typeorm';
import { TimerEntity } from '#domain';
import { eventually, type TestApp } from './test-app';

/** Runs the reconciler and waits until every timer due by the test clock has fired or been skipped. */
export async function settleDueTimers(t: TestApp, timeoutMs = 20_000): Promise<void> {
  await t.reconcile();
  const timers = t.app.get(DataSource).getRepository(TimerEntity);
  await eventually(async () => (await timers.countBy({ status: 'pending', dueAt: LessThanOrEqual(t.clock.now().toISOString()) })) === 0, timeoutMs, 'due timers to fire');
}
