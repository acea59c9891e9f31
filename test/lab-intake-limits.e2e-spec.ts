import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ackOf } from '#domain';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

/**
 * Lab messages at the edges of what the intake takes, and who a result goes to when identifiers
 * were saved (docs/adr/0016-keyed-events-lock-free-and-batched-intake.md): a message too large for
 * one lab report is refused whole before anything is applied, a large one is written in statements
 * within the database's limits, and a saved identifier never takes another patient's results.
 */
jest.setTimeout(300_000);

let n = 0;
const nextControlId = () => `LIM${Date.now()}${(n += 1)}`;
const obx = (i: number, value = '1.2') => `OBX|${i}|NM|751-8^Neutrophils^LN||${value}|10*3/uL^^UCUM|||||F|||20261204080000+0000`;
const oru = (site: string, pid3: string, obxs: string[], controlId = nextControlId()) => ({
  controlId,
  text: [
    `MSH|^~\\&|LIS|${site}|CART|ENGINE|20261204101500+0000||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
    `PID|1||${pid3}||Doe^Jane`,
    'OBR|1||F-1|58410-2^CBC panel^LN|||20261204080000+0000',
    ...obxs,
  ].join('\r'),
});

describe.each(['postgres', 'sqlite'] as const)('lab messages at the limits on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;
  let lab: string;
  const send = (text: string) => t.http.post('/integrations/hl7').set('Authorization', `Bearer ${lab}`).set('Content-Type', 'x-application/hl7-v2+er7').send(text);
  const rows = async (controlId: string) => Number((await t.app.get(DataSource).query(`SELECT count(*) AS n FROM lab_results WHERE control_id LIKE '${controlId}-%'`))[0].n);
  const labValues = async (patientId: string) =>
    ((await site.get(`/patients/${patientId}/events`)).body as Array<{ type: string; data: { code: string; value: number } }>)
      .filter((e) => e.type === 'LAB_RESULT_RECORDED')
      .map((e) => e.data);

  beforeAll(async () => {
    t = await startTestApp(kind, { HL7_MAX_MESSAGE_BYTES: '1mb' });
    site = await TrialSite.open(t, `LIM${randomBytes(3).toString('hex').toUpperCase()}`);
    lab = await createUser(t, 'lab', [site.siteId]);
  });
  afterAll(async () => t?.close());

  it("takes 500 results in one message, written within the database's limit of bound values; refuses 501 whole (AR), writing nothing", async () => {
    const most = oru(
      site.siteId,
      'NOBODY^^^X^PI',
      Array.from({ length: 500 }, (_, i) => obx(i + 1)),
    );
    const taken = await send(most.text);
    expect(taken.status).toBe(200);
    expect(ackOf(taken.text).code).toBe('AE');
    expect(await rows(most.controlId)).toBe(500);

    const tooMany = oru(
      site.siteId,
      'NOBODY^^^X^PI',
      Array.from({ length: 501 }, (_, i) => obx(i + 1)),
    );
    const refused = await send(tooMany.text);
    expect(refused.status).toBe(200);
    expect(ackOf(refused.text)).toMatchObject({ code: 'AR', text: expect.stringContaining('at most 500 are taken in one message') });
    expect(await rows(tooMany.controlId)).toBe(0);
  });

  it('refuses a result naming more than 20 patient identifiers whole (AR), matching no one', async () => {
    const patient = await site.infused();
    const subject = (await site.get(`/patients/${patient}`)).body.subjectId;
    const many = oru(site.siteId, [`${subject}^^^X^PI`, ...Array.from({ length: 17_000 }, (_, i) => `I${i}`)].join('~'), [obx(1)]);
    const refused = await send(many.text);
    expect(refused.status).toBe(200);
    expect(ackOf(refused.text)).toMatchObject({ code: 'AR', text: expect.stringContaining('more than 20 patient identifiers') });
    expect(await labValues(patient)).toEqual([]);
    const twenty = oru(site.siteId, [`${subject}^^^X^PI`, ...Array.from({ length: 19 }, (_, i) => `I${i}`)].join('~'), [obx(1)]);
    expect(ackOf((await send(twenty.text)).text).code).toBe('AA');
    expect(await labValues(patient)).toEqual([expect.objectContaining({ code: 'ANC', value: 1.2 })]);
  });

  it('records two OBX of one order that repeat a set id as two results, not one and a duplicate', async () => {
    const patient = await site.infused();
    const subject = (await site.get(`/patients/${patient}`)).body.subjectId;
    const message = oru(site.siteId, `${subject}^^^X^PI`, [obx(1, '1.2'), 'OBX|1|NM|2160-0^Creatinine^LN||88.4|umol/L^^UCUM|||||F|||20261204080000+0000']);
    expect(ackOf((await send(message.text)).text).code).toBe('AA');
    expect((await labValues(patient)).map((d) => d.code)).toEqual(['ANC', 'CREAT']);
  });

  it("never saves another patient's subject id for a patient: that patient's later results stay theirs", async () => {
    const [p1, p2] = [await site.infused(), await site.infused()];
    const [s1, s2] = [(await site.get(`/patients/${p1}`)).body.subjectId, (await site.get(`/patients/${p2}`)).body.subjectId];
    // A result naming both: ambiguous, held; a person applies it to patient 1 and saves the identifiers, as the inbox offers.
    const both = oru(site.siteId, `${s1}^^^X^PI~${s2}^^^X^PI`, [obx(1, '1.2')]);
    expect(ackOf((await send(both.text)).text).code).toBe('AE');
    // The first test left 500 items in this site's inbox: the item is found by its control id.
    const [item] = (await t.app.get(DataSource).query(`SELECT id, reason FROM lab_results WHERE control_id = '${both.controlId}-1'`)) as Array<{ id: string; reason: string }>;
    expect(item.reason).toMatch(/2 patients/);
    const resolved = await t.http
      .post(`/integrations/inbox/${item.id}/resolve`)
      .set('Authorization', `Bearer ${site.coordinator}`)
      .send({ action: 'apply', patientId: p1, saveIdentifiers: true });
    expect(resolved.status).toBe(200);
    // Patient 2's next result, naming patient 2's subject id alone, is patient 2's.
    expect(ackOf((await send(oru(site.siteId, `${s2}^^^X^PI`, [obx(1, '0.3')]).text)).text).code).toBe('AA');
    expect((await labValues(p1)).map((d) => d.value)).toEqual([1.2]);
    expect((await labValues(p2)).map((d) => d.value)).toEqual([0.3]);
  });
});
