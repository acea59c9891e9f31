import { readOruR01, referenceRangeOf } from './oru-r01';
import { hl7Instant } from './hl7-text';

const msh = 'MSH|^~\\&|LIS|SITE-A|CART|ENGINE|20261204101500+0000||ORU^R01^ORU_R01|MSG0001|P|2.5.1';
const pid = 'PID|1||SITE-A-S001^^^SITE-A^PI~998877^^^HOSP^MR||Doe^Jane';
const obr = 'OBR|1||F-1|58410-2^CBC^LN|||20261204080000+0100';
const obx = (setId: number, rest: string) => `OBX|${setId}|NM|${rest}|||||F|||20261204080000+0100`;
const message = (...segments: string[]) => segments.join('\r');

describe('readOruR01', () => {
  it('reads each OBX with its patient identifiers, code, value, unit, status and collection time', () => {
    const read = readOruR01(message(msh, pid, obr, obx(1, '751-8^Neutrophils^LN||4.2|10*3/uL'), 'OBX|2|NM|PLT^Platelets^L||150|10*9/L|||||C|||20261204080000+0100'));
    if ('problem' in read) throw new Error(read.problem);
    expect(read.siteId).toBe('SITE-A');
    expect(read.results).toEqual([
      expect.objectContaining({
        controlId: 'MSG0001-1',
        patientIdentifiers: ['SITE-A-S001', '998877'],
        code: { system: 'LN', code: '751-8', text: 'Neutrophils' },
        value: 4.2,
        unit: '10*3/uL',
        collectedAt: '2026-12-04T07:00:00.000Z',
        status: 'final',
        problems: [],
      }),
      expect.objectContaining({ controlId: 'MSG0001-2', code: { system: 'L', code: 'PLT', text: 'Platelets' }, status: 'corrected' }),
    ]);
  });

  it("reads the site from MSH-4's namespace id when the facility is a universal id too", () => {
    const read = readOruR01(message(msh.replace('|SITE-A|', '|SITE-A&2.16.840.1.113883.3.999&ISO|'), pid, obr, obx(1, '751-8^N^LN||4|10*9/L')));
    expect('siteId' in read && read.siteId).toBe('SITE-A');
  });

  it.each(['2.3', '2.3.1', '2.4', '2.5'])('reads version %s', (version) => {
    const read = readOruR01(message(msh.replace('2.5.1', version), pid, obr, obx(1, '751-8^N^LN||4|10*9/L')));
    expect('results' in read && read.results).toHaveLength(1);
  });

  it('numbers results by OBR and OBX when OBX set ids repeat across orders', () => {
    const read = readOruR01(message(msh, pid, obr, obx(1, '751-8^N^LN||4|10*9/L'), 'OBR|2||F-2|24323-8^CMP^LN|||20261204080000+0100', obx(1, '1742-6^ALT^LN||30|U/L')));
    if ('problem' in read) throw new Error(read.problem);
    expect(read.results.map((r) => r.controlId)).toEqual(['MSG0001-1.1', 'MSG0001-2.1']);
  });

  it.each([
    ['no MSH', message(pid, obr), 'does not begin with an MSH'],
    ['other encoding characters', message(msh.replace('^~\\&', '#~\\&'), pid), 'encoding characters'],
    ['another message type', message(msh.replace('ORU^R01^ORU_R01', 'ADT^A01'), pid), 'ADT^A01 is not ORU^R01'],
    ['another version', message(msh.replace('2.5.1', '2.7'), pid, obr, obx(1, 'x^y^LN||1|U/L')), 'version 2.7'],
    ['an OBX before its OBR', message(msh, pid, obx(1, '751-8^N^LN||4|10*9/L'), obr), 'an OBX before the OBR'],
    ['an OBR before its PID', message(msh, obr, pid, obx(1, '751-8^N^LN||4|10*9/L')), 'an OBR before the PID'],
    ['no control id', message(msh.replace('MSG0001', ''), pid, obr, obx(1, 'x^y^LN||1|U/L')), 'no control id'],
    ['no result', message(msh, pid, obr), 'no OBX'],
    ['a control id longer than 199 characters', message(msh.replace('MSG0001', 'X'.repeat(200)), pid, obr, obx(1, 'x^y^LN||1|U/L')), 'longer than 199'],
    ['a sending facility that is no site id', message(msh.replace('|SITE-A|', `|${'S'.repeat(61)}|`), pid, obr, obx(1, 'x^y^LN||1|U/L')), 'not a site id'],
  ])('refuses a message with %s', (_what, text, problem) => {
    const read = readOruR01(text);
    expect('problem' in read && read.problem).toContain(problem);
  });

  it('flags a value that is not numeric and a time without its offset, without guessing', () => {
    const read = readOruR01(message(msh, pid, 'OBR|1||F-1|x^y^LN|||20261204080000', 'OBX|1|ST|751-8^N^LN||high|10*9/L|||||F'));
    if ('problem' in read) throw new Error(read.problem);
    expect(read.results[0].value).toBeUndefined();
    expect(read.results[0].collectedAt).toBeUndefined();
    expect(read.results[0].problems).toEqual([expect.stringContaining('value type ST'), expect.stringContaining('no UTC offset')]);
  });
});

describe('hl7Instant', () => {
  it.each([
    ['20261204', { at: '2026-12-04' }],
    ['202612040830-0500', { at: '2026-12-04T13:30:00.000Z' }],
    ['20261204083015.25+0000', { at: '2026-12-04T08:30:15.250Z' }],
    ['19000101', { at: '1900-01-01' }],
  ])('reads %s', (text, expected) => expect(hl7Instant(text)).toEqual(expected));

  it.each(['20261304', '20260230', 'garbage', '202612042560+0000', '20261204+0100'])('refuses %s', (text) => expect(hl7Instant(text)).toHaveProperty('problem'));
});

describe('OBX-7 reference range', () => {
  it.each([
    ['3.5-11.0', { low: 3.5, high: 11 }],
    [' 1.8 - 7.7 ', { low: 1.8, high: 7.7 }],
    ['<40', { high: 40 }],
    ['<= 1.2', { high: 1.2 }],
    ['>60', { low: 60 }],
    ['>=0.5', { low: 0.5 }],
  ])('reads %p', (text, range) => {
    expect(referenceRangeOf(text)).toEqual(range);
  });

  it.each(['', 'negative', '11-3.5', '5-5', '-1-4', '<0', 'N/A', '3.5-', '1e3-2e3'])('leaves %p unread rather than guess', (text) => {
    expect(referenceRangeOf(text)).toBeUndefined();
  });
});
