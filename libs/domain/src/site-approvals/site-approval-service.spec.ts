import type { EntityManager } from 'typeorm';
import type { AccessLog, Caller } from '../audit/access-log';
import type { Clock } from '../kernel/clock';
import type { TransactionRunner } from '../persistence/transaction-runner';
import { NotFoundError, RefusedError } from '../errors';
import type { ApprovalRevision } from './approval-rules';
import type { SiteApprovalRepository } from './site-approval-repository';
import { SiteApprovalService } from './site-approval-service';

const TODAY = '2026-12-04';
const ADMIN: Caller = { actor: { id: 'user:admin', name: 'Admin', role: 'admin', siteIds: 'all' }, origin: { address: null, requestId: null } };

function build(knownSites = ['site-a', 'site-b']) {
  const rows: ApprovalRevision[] = [];
  const manager = {} as EntityManager;
  const repository = {
    revisions: jest.fn(async (protocolId: string) => rows.filter((r) => r.protocolId === protocolId)),
    revisionsAt: jest.fn(async (_m: EntityManager, protocolId: string, version: number, siteId: string) =>
      rows.filter((r) => r.protocolId === protocolId && r.amendmentVersion === version && r.siteId === siteId),
    ),
    insert: jest.fn(async (_m: EntityManager, row: ApprovalRevision) => rows.push(row)),
    siteKnown: jest.fn(async (_m: EntityManager, siteId: string) => knownSites.includes(siteId)),
    isDuplicate: jest.fn(() => false),
  };
  const tx = { run: jest.fn((work: (m: EntityManager) => Promise<unknown>) => work(manager)), manager };
  const access = { record: jest.fn() };
  const clock: Clock = { now: () => new Date(`${TODAY}T12:00:00.000Z`) };
  const sut = new SiteApprovalService(repository as unknown as SiteApprovalRepository, tx as unknown as TransactionRunner, access as unknown as AccessLog, clock);
  return { sut, mocks: { rows, repository, access } };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('SiteApprovalService.record', () => {
  it('records an approval once, with who and when, and audits it in the same transaction', async () => {
    const { sut, mocks } = build();
    const recorded = await sut.record('cd19-rr-all', 3, 'site-a', { approvedOn: '2025-03-10', reference: 'IRB 2025/114' }, ADMIN);
    expect(recorded.outcome).toBe('recorded');
    expect(recorded.approval).toMatchObject({
      approvedOn: '2025-03-10',
      reference: 'IRB 2025/114',
      recordedBy: { id: 'user:admin' },
      recordedAt: `${TODAY}T12:00:00.000Z`,
      corrections: [],
    });
    expect(mocks.access.record).toHaveBeenCalledWith(ADMIN, 'amendment.approval-record', [expect.objectContaining({ subject: 'cd19-rr-all@3 site-a' })], expect.anything());

    const again = await sut.record('cd19-rr-all', 3, 'site-a', { approvedOn: '2025-03-10', reference: 'IRB 2025/114' }, ADMIN);
    expect(again).toEqual({ approval: recorded.approval, outcome: 'unchanged' });
    expect(mocks.rows).toHaveLength(1);
    expect(mocks.access.record).toHaveBeenCalledTimes(1);
  });

  it('refuses a correction without a reason, and keeps one with a reason beside the approval', async () => {
    const { sut, mocks } = build();
    await sut.record('cd19-rr-all', 3, 'site-a', { approvedOn: '2025-03-10', reference: 'IRB 2025/114' }, ADMIN);
    const without = await refusal(sut.record('cd19-rr-all', 3, 'site-a', { approvedOn: '2025-03-11', reference: 'IRB 2025/114' }, ADMIN));
    expect(without).toBeInstanceOf(RefusedError);
    expect((without as RefusedError).details.reasons).toEqual([
      'amendment 2 (version 3) of cd19-rr-all is already recorded as approved at site site-a on 2025-03-10 (reference IRB 2025/114): a correction needs a reason',
    ]);
    const corrected = await sut.record('cd19-rr-all', 3, 'site-a', { approvedOn: '2025-03-11', reference: 'IRB 2025/114', reason: 'the letter is dated the 11th' }, ADMIN);
    expect(corrected.outcome).toBe('corrected');
    expect(corrected.approval.approvedOn).toBe('2025-03-11');
    expect(corrected.approval.corrections).toEqual([
      expect.objectContaining({ replaced: { approvedOn: '2025-03-10', reference: 'IRB 2025/114' }, reason: 'the letter is dated the 11th' }),
    ]);
    expect(mocks.rows.map((r) => r.revision)).toEqual([1, 2]);
    expect(mocks.access.record).toHaveBeenLastCalledWith(ADMIN, 'amendment.approval-correct', expect.anything(), expect.anything());
  });

  it.each([
    [2, 'site-a', '2025-03-10', 'amendment 1 (version 2) of cd19-rr-all takes effect at every site at once: it needs no site approval'],
    [1, 'site-a', '2025-03-10', 'version 1 of cd19-rr-all is the original protocol, not an amendment: it needs no site approval'],
    [9, 'site-a', '2025-03-10', 'cd19-rr-all has no version 9 (its versions are 1, 2, 3)'],
    [3, 'site-a', '2024-05-31', 'the approval date 2024-05-31 is before amendment 2 (version 3) of cd19-rr-all took effect on 2024-06-01'],
    [3, 'site-a', '2026-12-05', 'the approval date 2026-12-05 is in the future (today is 2026-12-04)'],
    [3, 'site-z', '2025-03-10', 'site site-z is not known: no user is assigned to it and no patient is registered there'],
  ])('refuses version %s at %s on %s, writing nothing', async (version, siteId, approvedOn, reason) => {
    const { sut, mocks } = build();
    const error = await refusal(sut.record('cd19-rr-all', version, siteId, { approvedOn, reference: 'IRB-1' }, ADMIN));
    expect((error as RefusedError).details.reasons).toEqual([reason]);
    expect(mocks.repository.insert).not.toHaveBeenCalled();
    expect(mocks.access.record).not.toHaveBeenCalled();
  });

  it('answers 404 for a protocol that does not exist', async () => {
    const { sut } = build();
    expect(await refusal(sut.record('no-such-trial', 2, 'site-a', { approvedOn: '2025-03-10', reference: 'IRB-1' }, ADMIN))).toBeInstanceOf(NotFoundError);
  });
});

describe('SiteApprovalService at registration', () => {
  it('registers on v2 until the approval date of v3 at the site, then on v3; the other site stays on v2', async () => {
    const { sut } = build();
    await sut.record('cd19-rr-all', 3, 'site-a', { approvedOn: TODAY, reference: 'IRB-1' }, ADMIN);
    const yesterday = new Date('2026-12-03T23:00:00.000Z');
    const today = new Date(`${TODAY}T00:00:00.000Z`);
    expect(await sut.versionForRegistration('cd19-rr-all', 'site-a', yesterday)).toBe(2);
    expect(await sut.versionForRegistration('cd19-rr-all', 'site-a', today)).toBe(3);
    expect(await sut.versionForRegistration('cd19-rr-all', 'site-b', today)).toBe(2);
    expect(await sut.isActiveAt('cd19-rr-all', 3, 'site-a', yesterday)).toBe(false);
    expect(await sut.isActiveAt('cd19-rr-all', 3, 'site-a', today)).toBe(true);
    expect(await sut.isActiveAt('cd19-rr-all', 3, 'site-b', today)).toBe(false);
    expect(await sut.isActiveAt('cd19-rr-all', 2, 'site-b', today)).toBe(true);
  });

  it('refuses an explicit version not approved at the site, and any registration on a rollover protocol', async () => {
    const { sut } = build();
    const now = new Date(`${TODAY}T12:00:00.000Z`);
    expect(await sut.versionToRegister({ protocolId: 'cd19-rr-all', protocolVersion: 1, siteId: 'site-b' }, now)).toBe(1);
    const unapproved = await refusal(sut.versionToRegister({ protocolId: 'cd19-rr-all', protocolVersion: 3, siteId: 'site-b' }, now));
    expect((unapproved as RefusedError).message).toBe('Registration refused: amendment 2 (version 3) of cd19-rr-all is not approved at site site-b (no IRB approval recorded).');
    const rollover = await refusal(sut.versionToRegister({ protocolId: 'car-t-ltfu', siteId: 'site-b' }, now));
    expect((rollover as RefusedError).details.reasons).toEqual(['patients join car-t-ltfu by rollover from a parent trial, not by registration']);
  });
});
