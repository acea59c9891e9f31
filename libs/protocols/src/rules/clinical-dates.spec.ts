import { beforeBirthRefusals, birthDateRefusals, clinicalDate, clinicalDateOrDateTime, clinicalDateTime, eventDates, futureDateRefusals, isInFuture } from './clinical-dates';

const NOW = '2026-03-02T10:00:00.000Z';

describe('clinical dates: nothing before 1900', () => {
  it.each([
    ['1900-01-01', true],
    ['1899-12-31', false],
    ['1800-01-01', false],
    ['2026-03-02', true],
    ['2026-02-30', false],
  ])('a date %s is accepted: %p', (at, ok) => {
    expect(clinicalDate.safeParse(at).success).toBe(ok);
    expect(clinicalDateOrDateTime.safeParse(at).success).toBe(ok);
  });

  it.each([
    ['1900-01-01T00:00:00Z', true],
    ['1899-12-31T23:59:59Z', false],
    // 1900-01-01 01:00 at +02:00 is still 1899 in UTC
    ['1900-01-01T01:00:00+02:00', false],
    ['1800-06-01T10:00:00Z', false],
    ['2026-03-02T10:00:00+01:00', true],
  ])('a date-time %s is accepted: %p', (at, ok) => {
    expect(clinicalDateTime.safeParse(at).success).toBe(ok);
    expect(clinicalDateOrDateTime.safeParse(at).success).toBe(ok);
  });

  it('names the bound', () => {
    const parsed = clinicalDateTime.safeParse('1800-01-01T00:00:00Z');
    expect(parsed.success || parsed.error.issues[0].message).toBe('must not be before 1900-01-01');
  });
});

describe('clinical dates: nothing more than 5 minutes ahead of the clock', () => {
  it.each([
    ['2026-03-02T10:05:00.000Z', false],
    ['2026-03-02T10:05:00.001Z', true],
    ['2026-03-02T11:04:00+01:00', false],
    ['2026-03-02T11:06:00+01:00', true],
    // a date alone is the whole day: today is not in the future, tomorrow is
    ['2026-03-02', false],
    ['2026-03-03', true],
    ['9999-12-31', true],
  ])('%s is in the future: %p', (at, future) => {
    expect(isInFuture(at, NOW)).toBe(future);
  });

  it('a date alone is today within the tolerance around midnight', () => {
    expect(isInFuture('2026-03-03', '2026-03-02T23:56:00.000Z')).toBe(false);
    expect(isInFuture('2026-03-03', '2026-03-02T23:54:00.000Z')).toBe(true);
  });

  it('refuses each future date of the data by name, leaving occurredAt to the engine', () => {
    const event = {
      type: 'ADVERSE_EVENT_REPORTED',
      occurredAt: '2030-01-01T00:00:00.000Z',
      data: { onset: '2026-03-02', resolvedAt: '2026-04-01' },
    };
    expect(futureDateRefusals(event, NOW)).toEqual(['data.resolvedAt 2026-04-01 is more than 5 minutes in the future']);
    expect(futureDateRefusals({ type: 'LAB_RESULT_RECORDED', occurredAt: NOW, data: { collectedAt: '2027-01-01T00:00:00Z' } }, NOW)).toEqual([
      'data.collectedAt 2027-01-01T00:00:00Z is more than 5 minutes in the future',
    ]);
  });
});

describe('clinical dates: not before the birth date', () => {
  it('lists occurredAt and the dated fields of the data', () => {
    expect(eventDates({ type: 'DLT_ADJUDICATED', occurredAt: NOW, data: { onset: '2026-03-01', term: 'x' } })).toEqual([
      { field: 'occurredAt', at: NOW },
      { field: 'data.onset', at: '2026-03-01' },
    ]);
    expect(eventDates({ type: 'CONSENT_SIGNED', occurredAt: NOW, data: { consentVersion: 'v1' } })).toEqual([{ field: 'occurredAt', at: NOW }]);
  });

  it('compares by calendar day: the day of birth itself is not before it', () => {
    const at = (occurredAt: string, collectedAt = occurredAt) => ({ type: 'LAB_RESULT_RECORDED', occurredAt, data: { collectedAt } });
    expect(beforeBirthRefusals(at('1991-07-14T00:00:00.000Z'), '1991-07-14')).toEqual([]);
    expect(beforeBirthRefusals(at('1991-07-13T23:59:59.999Z'), '1991-07-14')).toEqual([
      "occurredAt 1991-07-13T23:59:59.999Z is before the patient's birth date 1991-07-14",
      "data.collectedAt 1991-07-13T23:59:59.999Z is before the patient's birth date 1991-07-14",
    ]);
    expect(beforeBirthRefusals(at('2026-03-02T10:00:00.000Z', '1990-01-01'), '1991-07-14')).toEqual(["data.collectedAt 1990-01-01 is before the patient's birth date 1991-07-14"]);
  });
});

describe('a birth date a living patient can have', () => {
  it.each([
    ['1991-07-14', []],
    ['2026-03-02', []],
    ['2026-03-03', ['birthDate 2026-03-03 is in the future']],
    ['9999-12-31', ['birthDate 9999-12-31 is in the future']],
    // 122 years and 364 days old: older than anyone on record but within the same whole year
    ['1903-03-03', []],
    ['1903-03-02', ['birthDate 1903-03-02 would make the patient older than 122 years, the oldest anyone has lived']],
    ['1900-01-01', ['birthDate 1900-01-01 would make the patient older than 122 years, the oldest anyone has lived']],
  ])('%s', (birthDate, reasons) => {
    expect(birthDateRefusals(birthDate, NOW)).toEqual(reasons);
  });
});
