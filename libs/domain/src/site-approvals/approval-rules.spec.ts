import { findProtocol } from '#protocols';
import { approvalDateRefusals, type ApprovalRevision, currentApprovals, dayOf, explicitVersionRefusals, inForceOn, registrationVersion } from './approval-rules';

const v2 = findProtocol('cd19-rr-all', 2)!.spec;
const v3 = findProtocol('cd19-rr-all', 3)!.spec;
const versions = [findProtocol('cd19-rr-all', 1)!.spec, v2, v3];

function revision(n: number, approvedOn: string, reference = 'IRB-1', reason: string | null = null): ApprovalRevision {
  return {
    protocolId: 'cd19-rr-all',
    amendmentVersion: 3,
    siteId: 'site-a',
    revision: n,
    approvedOn,
    reference,
    reason,
    recordedBy: `user:admin-${n}`,
    recordedByName: `Admin ${n}`,
    recordedAt: `2026-01-0${n}T10:00:00.000Z`,
  };
}

describe('the date of a site approval', () => {
  it("may be the amendment's effective date and today, not a day before the one nor after the other", () => {
    expect(v3.amendment!.effective).toBe('2024-06-01');
    expect(approvalDateRefusals(v3, '2024-06-01', '2026-12-04')).toEqual([]);
    expect(approvalDateRefusals(v3, '2026-12-04', '2026-12-04')).toEqual([]);
    expect(approvalDateRefusals(v3, '2024-05-31', '2026-12-04')).toEqual([
      'the approval date 2024-05-31 is before amendment 2 (version 3) of cd19-rr-all took effect on 2024-06-01',
    ]);
    expect(approvalDateRefusals(v3, '2026-12-05', '2026-12-04')).toEqual(['the approval date 2026-12-05 is in the future (today is 2026-12-04)']);
  });

  it('is compared on the UTC calendar day of the server clock', () => {
    expect(dayOf(new Date('2026-12-04T23:59:59.999Z'))).toBe('2026-12-04');
    expect(dayOf(new Date('2026-12-05T00:00:00.000Z'))).toBe('2026-12-05');
  });
});

describe('a version in force at a site', () => {
  it('is in force everywhere when its amendment needs no site approval', () => {
    expect(inForceOn(v2, undefined, '2017-01-01')).toBe(true);
  });

  it('needing approval, is in force from the approval date on, not the day before', () => {
    const approval = { approvedOn: '2025-03-10' };
    expect(inForceOn(v3, approval, '2025-03-09')).toBe(false);
    expect(inForceOn(v3, approval, '2025-03-10')).toBe(true);
    expect(inForceOn(v3, undefined, '2030-01-01')).toBe(false);
  });
});

describe('the version a new patient registers on', () => {
  it('is the newest in force at the site: v2 until the IRB approval of v3, v3 from its date', () => {
    const approvedFrom = (approvedOn: string | undefined) => (version: number) => (version === 3 && approvedOn ? { approvedOn } : undefined);
    expect(registrationVersion(versions, approvedFrom(undefined), '2026-12-04')).toBe(2);
    expect(registrationVersion(versions, approvedFrom('2026-12-05'), '2026-12-04')).toBe(2);
    expect(registrationVersion(versions, approvedFrom('2026-12-04'), '2026-12-04')).toBe(3);
  });

  it('names the amendment, the site and why when an explicit version is not in force there', () => {
    expect(explicitVersionRefusals(v3, 'site-b', undefined, '2026-12-04')).toEqual([
      'amendment 2 (version 3) of cd19-rr-all is not approved at site site-b (no IRB approval recorded)',
    ]);
    expect(explicitVersionRefusals(v3, 'site-b', { approvedOn: '2026-12-10' }, '2026-12-04')).toEqual([
      'amendment 2 (version 3) of cd19-rr-all is not approved at site site-b (approved from 2026-12-10)',
    ]);
    expect(explicitVersionRefusals(v3, 'site-b', { approvedOn: '2026-12-04' }, '2026-12-04')).toEqual([]);
    expect(explicitVersionRefusals(v2, 'site-b', undefined, '2026-12-04')).toEqual([]);
  });
});

describe('the approvals as their revisions make them', () => {
  it('takes the newest revision for the values and keeps each correction with what it replaced', () => {
    const rows = [revision(3, '2025-03-12', 'IRB-3', 'typo in the reference'), revision(1, '2025-03-10'), revision(2, '2025-03-11', 'IRB-1', 'the letter is dated the 11th')];
    expect(currentApprovals(rows)).toEqual([
      {
        protocolId: 'cd19-rr-all',
        version: 3,
        siteId: 'site-a',
        approvedOn: '2025-03-12',
        reference: 'IRB-3',
        recordedBy: { id: 'user:admin-1', name: 'Admin 1' },
        recordedAt: '2026-01-01T10:00:00.000Z',
        corrections: [
          {
            approvedOn: '2025-03-11',
            reference: 'IRB-1',
            replaced: { approvedOn: '2025-03-10', reference: 'IRB-1' },
            reason: 'the letter is dated the 11th',
            recordedBy: { id: 'user:admin-2', name: 'Admin 2' },
            recordedAt: '2026-01-02T10:00:00.000Z',
          },
          {
            approvedOn: '2025-03-12',
            reference: 'IRB-3',
            replaced: { approvedOn: '2025-03-11', reference: 'IRB-1' },
            reason: 'typo in the reference',
            recordedBy: { id: 'user:admin-3', name: 'Admin 3' },
            recordedAt: '2026-01-03T10:00:00.000Z',
          },
        ],
      },
    ]);
  });

  it('keeps the sites apart', () => {
    const approvals = currentApprovals([revision(1, '2025-03-10'), { ...revision(1, '2025-04-01'), siteId: 'site-b' }]);
    expect(approvals.map((a) => [a.siteId, a.approvedOn])).toEqual([
      ['site-a', '2025-03-10'],
      ['site-b', '2025-04-01'],
    ]);
  });
});
