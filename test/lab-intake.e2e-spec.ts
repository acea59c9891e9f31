import { DataSource } from 'typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { ackOf, MllpClient, MllpListener } from '#domain';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

jest.setTimeout(180_000);

let controlIds = 0;
const nextControlId = () => `M${Date.now()}${(controlIds += 1)}`;

/** An ORU^R01 from a site's laboratory: one PID, one OBR, the OBX lines given (`code^text^system|value|unit|status|time`). */
function oru(
  site: string,
  subjectId: string,
  results: Array<{ code: string; value: string; unit: string; status?: string; at?: string; type?: string; range?: string }>,
  controlId = nextControlId(),
) {
  const segments = [
    `MSH|^~\\&|LIS|${site}|CART|ENGINE|20261204101500+0000||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
    `PID|1||${subjectId}^^^${site}^PI||Doe^Jane`,
    'OBR|1||F-1|58410-2^CBC panel^LN|||20261204080000+0000',
    ...results.map((r, i) => `OBX|${i + 1}|${r.type ?? 'NM'}|${r.code}||${r.value}|${r.unit}^^UCUM|${r.range ?? ''}||||${r.status ?? 'F'}|||${r.at ?? '20261204080000+0000'}`),
  ];
  return { controlId, text: segments.join('\r') };
}

describe.each(['postgres', 'sqlite'] as const)('Lab results in over HL7 v2 (MLLP and HTTP) and FHIR on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  let lab: string;
  let port: number;
  let client: MllpClient;
  let patientA: string;
  let subjectA: string;
  let patientB: string;
  let subjectB: string;

  const labEvents = async (patientId: string) => {
    const res = await siteA.get(`/patients/${patientId}/events`, patientId === patientB ? siteB.coordinator : siteA.coordinator);
    expect(res.status).toBe(200);
    return (res.body as Array<{ type: string; data: Record<string, unknown>; reason: string | null; seq: number }>).filter((e) => e.type === 'LAB_RESULT_RECORDED');
  };
  const messageRecord = async (controlId: string) => {
    const res = await t.http.get('/integrations/messages?limit=500').set('Authorization', `Bearer ${t.adminToken}`);
    expect(res.status).toBe(200);
    return (res.body.items as Array<{ controlId: string | null; acknowledgement: string; outcome: string; reason: string | null; results: unknown[] }>).filter(
      (m) => m.controlId === controlId,
    );
  };

  beforeAll(async () => {
    const suffix = randomBytes(3).toString('hex').toUpperCase();
    t = await startTestApp(kind, { HL7_MLLP_PORT: '0', HL7_MLLP_SITES: `LAB-A${suffix},LAB-B${suffix}`, HL7_MAX_MESSAGE_BYTES: '256kb' });
    siteA = await TrialSite.open(t, `LAB-A${suffix}`);
    siteB = await TrialSite.open(t, `LAB-B${suffix}`);
    lab = await createUser(t, 'lab', [siteA.siteId]);
    patientA = await siteA.infused();
    patientB = await siteB.infused();
    subjectA = (await siteA.get(`/patients/${patientA}`)).body.subjectId;
    subjectB = (await siteB.get(`/patients/${patientB}`, siteB.coordinator)).body.subjectId;
    port = t.app.get(MllpListener).port!;
    client = await MllpClient.open(port);
  });

  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  it('records each OBX of an ORU^R01 as LAB_RESULT_RECORDED in the catalogue unit and answers AA; the same message again writes nothing', async () => {
    const message = oru(siteA.siteId, subjectA, [
      { code: '751-8^Neutrophils^LN', value: '4.2', unit: '10*3/uL' },
      { code: '2160-0^Creatinine^LN', value: '88.4', unit: 'umol/L' },
    ]);
    const ack = ackOf(await client.send(message.text));
    expect(ack).toMatchObject({ code: 'AA', controlId: message.controlId });
    const events = await labEvents(patientA);
    expect(events.map((e) => e.data)).toEqual([
      { code: 'ANC', value: 4.2, unit: '10^9/L', collectedAt: '2026-12-04T08:00:00.000Z' },
      { code: 'CREAT', value: expect.closeTo(1.0, 3), unit: 'mg/dL', collectedAt: '2026-12-04T08:00:00.000Z' },
    ]);

    const again = ackOf(await client.send(message.text));
    expect(again.code).toBe('AA');
    expect(await labEvents(patientA)).toHaveLength(2);
    const records = await messageRecord(message.controlId);
    expect(records.map((r) => r.outcome).sort()).toEqual(['accepted', 'duplicate']);
  });

  it('applies the same message sent on four connections at once once: four AA, one event, one result row', async () => {
    const message = oru(siteA.siteId, subjectA, [{ code: '2532-0^LDH^LN', value: '321', unit: 'U/L', at: '20261204070000+0000' }]);
    const clients = await Promise.all([1, 2, 3, 4].map(() => MllpClient.open(port)));
    try {
      const acks = await Promise.all(clients.map((c) => c.send(message.text)));
      expect(acks.map((a) => ackOf(a).code)).toEqual(['AA', 'AA', 'AA', 'AA']);
    } finally {
      for (const c of clients) c.close();
    }
    expect((await labEvents(patientA)).filter((e) => e.data.code === 'LDH' && e.data.value === 321)).toHaveLength(1);
    const rows = await t.app.get(DataSource).query(`SELECT seq FROM lab_results WHERE control_id = '${message.controlId}-1'`);
    expect(rows).toHaveLength(1);
    const records = await messageRecord(message.controlId);
    expect(records).toHaveLength(4);
    expect(records.filter((r) => r.outcome === 'accepted')).toHaveLength(1);
  });

  it("keeps the row of a result whose event was written but whose row was not (a crash between them): on resend, AA, the row back with the event's seq, no second event", async () => {
    const message = oru(siteA.siteId, subjectA, [{ code: '2532-0^LDH^LN', value: '322', unit: 'U/L', at: '20261204071000+0000' }]);
    expect(ackOf(await client.send(message.text)).code).toBe('AA');
    const dataSource = t.app.get(DataSource);
    const controlId = `${message.controlId}-1`;
    const [{ seq }] = await dataSource.query(`SELECT seq FROM lab_results WHERE control_id = '${controlId}'`);
    await dataSource.query(`DELETE FROM lab_results WHERE control_id = '${controlId}'`);
    expect(ackOf(await client.send(message.text)).code).toBe('AA');
    expect(await dataSource.query(`SELECT seq, outcome FROM lab_results WHERE control_id = '${controlId}'`)).toEqual([{ seq, outcome: 'accepted' }]);
    expect((await labEvents(patientA)).filter((e) => e.data.code === 'LDH' && e.data.value === 322).map((e) => e.seq)).toEqual([seq]);
  });

  it("carries the lab's reference range (OBX-7) into the result, converted with it, and CTCAE grades against it", async () => {
    // Collected after the infusion (two hours on, a minute ago): graded, not a baseline.
    t.clock.advanceMs(2 * 3_600_000);
    const collected = new Date(t.clock.now().getTime() - 60_000);
    const at = `${collected.toISOString().slice(0, 19).replace(/[-:T]/g, '')}+0000`;
    const iso = `${collected.toISOString().slice(0, 19)}.000Z`;
    const message = oru(siteA.siteId, subjectA, [
      { code: '1742-6^ALT^LN', value: '120', unit: 'U/L', range: '<=33', at },
      { code: '2160-0^Creatinine^LN', value: '90', unit: 'umol/L', range: '62-106', at },
      { code: '1988-5^CRP^LN', value: '12', unit: 'mg/L', range: 'see report', at },
    ]);
    expect(ackOf(await client.send(message.text)).code).toBe('AA');
    const recorded = (await labEvents(patientA)).filter((e) => e.data.collectedAt === iso).map((e) => e.data);
    expect(recorded).toEqual([
      { code: 'ALT', value: 120, unit: 'U/L', collectedAt: iso, referenceRange: { high: 33 } },
      // 62–106 µmol/L through creatinine's molar mass (113.12 g/mol): 0.701–1.199 mg/dL.
      { code: 'CREAT', value: expect.closeTo(1.018, 3), unit: 'mg/dL', collectedAt: iso, referenceRange: { low: expect.closeTo(0.7014, 3), high: expect.closeTo(1.1991, 3) } },
      // A range that is not numbers is left out, never guessed; the result is kept.
      { code: 'CRP', value: 12, unit: 'mg/L', collectedAt: iso },
    ]);
    // 120 U/L is 3.6 × the lab's ULN of 33: grade 2 (> 3.0 – 5.0 × ULN), proposed; against the default ULN of 40 it would be 3.0 ×, grade 1.
    const record = (await siteA.get(`/patients/${patientA}`)).body.record;
    expect(record.labToxicity.proposals).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'ALT', term: 'Alanine aminotransferase increased', grade: 2, collectedAt: iso })]),
    );
  });

  it('records a corrected result (OBX-11 C) as a correction naming the result it corrects', async () => {
    const first = oru(siteA.siteId, subjectA, [{ code: '777-3^Platelets^LN', value: '150', unit: '10*9/L', at: '20261204090000+0000' }]);
    expect(ackOf(await client.send(first.text)).code).toBe('AA');
    const before = (await labEvents(patientA)).find((e) => e.data.code === 'PLT')!;
    const corrected = oru(siteA.siteId, subjectA, [{ code: '777-3^Platelets^LN', value: '105', unit: '10*9/L', status: 'C', at: '20261204090000+0000' }]);
    expect(ackOf(await client.send(corrected.text)).code).toBe('AA');
    const platelets = (await labEvents(patientA)).filter((e) => e.data.code === 'PLT');
    expect(platelets).toHaveLength(2);
    expect(platelets[1].data.value).toBe(105);
    expect(platelets[1].reason).toContain(`of seq ${before.seq}, which was 150 10*9/L`);
  });

  it('holds a result for an unknown patient in the inbox (AE), and a coordinator applies it to the patient', async () => {
    const message = oru(siteA.siteId, 'MRN-0042', [{ code: '718-7^Hemoglobin^LN', value: '120', unit: 'g/L' }]);
    const ack = ackOf(await client.send(message.text));
    expect(ack.code).toBe('AE');
    expect(ack.errors[0]).toContain('no patient at site');
    const count = (await labEvents(patientA)).length;

    const inbox = await siteA.get('/integrations/inbox?status=open');
    const item = inbox.body.items.find((i: { controlId: string }) => i.controlId === `${message.controlId}-1`);
    expect(item).toMatchObject({ status: 'open', patientIdentifiers: ['MRN-0042'], code: { code: '718-7' } });

    const resolved = await t.http
      .post(`/integrations/inbox/${item.id}/resolve`)
      .set('Authorization', `Bearer ${siteA.coordinator}`)
      .send({ action: 'apply', patientId: patientA, saveIdentifiers: true });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', patientId: patientA, labCode: 'HGB' });
    const events = await labEvents(patientA);
    expect(events).toHaveLength(count + 1);
    expect(events.at(-1)).toMatchObject({ data: { code: 'HGB', value: 12, unit: 'g/dL' }, reason: expect.stringContaining(message.controlId) });

    // The identifier is saved for the site: the next result with it is matched.
    expect(ackOf(await client.send(oru(siteA.siteId, 'MRN-0042', [{ code: '718-7^Hemoglobin^LN', value: '11.5', unit: 'g/dL', at: '20261204100000+0000' }]).text)).code).toBe('AA');
    const audit = await t.http.get('/audit/access?action=lab-inbox.resolve').set('Authorization', `Bearer ${t.adminToken}`);
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toContain(item.id);
  });

  it("never matches another site's patient, and names no other site", async () => {
    const message = oru(siteA.siteId, subjectB, [{ code: '751-8^Neutrophils^LN', value: '2', unit: '10*9/L' }]);
    const ack = ackOf(await client.send(message.text));
    expect(ack.code).toBe('AE');
    // The same answer as for an identifier no one has: nothing says the subject exists elsewhere.
    expect(ack.errors.join()).toContain(`no patient at site ${siteA.siteId} has the identifier the result gives (${subjectB})`);
    expect(ack.errors.join()).not.toContain(patientB);
    expect(await labEvents(patientB)).toHaveLength(0);
    const inboxB = await siteB.get('/integrations/inbox', siteB.coordinator);
    expect(inboxB.status).toBe(200);
    expect(inboxB.body.items.map((i: { controlId: string }) => i.controlId)).not.toContain(`${message.controlId}-1`);

    // A lab user of site A posting as site B's laboratory is refused whole.
    const asB = oru(siteB.siteId, subjectB, [{ code: '751-8^Neutrophils^LN', value: '2', unit: '10*9/L' }]);
    const http = await t.http.post('/integrations/hl7').set('Authorization', `Bearer ${lab}`).set('Content-Type', 'x-application/hl7-v2+er7').send(asB.text);
    expect(http.status).toBe(200);
    expect(ackOf(http.text).code).toBe('AR');
    expect(await labEvents(patientB)).toHaveLength(0);
  });

  it('maps a site code through a resolution saved for the site', async () => {
    const message = oru(siteA.siteId, subjectA, [{ code: 'NEUT^Neutrophils^99LAB', value: '3.1', unit: '10*9/L', at: '20261204110000+0000' }]);
    expect(ackOf(await client.send(message.text)).code).toBe('AE');
    const inbox = await siteA.get('/integrations/inbox?status=open', lab);
    const item = inbox.body.items.find((i: { controlId: string }) => i.controlId === `${message.controlId}-1`);
    expect(item.reason).toContain('neither a LOINC code of the catalogue nor mapped');
    const resolved = await t.http.post(`/integrations/inbox/${item.id}/resolve`).set('Authorization', `Bearer ${lab}`).send({ action: 'apply', labCode: 'ANC', saveMapping: true });
    expect(resolved.status).toBe(200);
    expect(ackOf(await client.send(oru(siteA.siteId, subjectA, [{ code: 'NEUT^Neutrophils^99LAB', value: '3.3', unit: '10*9/L', at: '20261204120000+0000' }]).text)).code).toBe(
      'AA',
    );
    expect((await labEvents(patientA)).filter((e) => e.data.code === 'ANC').map((e) => e.data.value)).toEqual([4.2, 3.1, 3.3]);
  });

  it('rejects an inbox item with a reason, and a second resolution is refused', async () => {
    const message = oru(siteA.siteId, subjectA, [{ code: '751-8^Neutrophils^LN', value: '600', unit: '10*9/L' }]);
    const ack = ackOf(await client.send(message.text));
    expect(ack.code).toBe('AE');
    expect(ack.errors[0]).toContain('at most 500');
    const item = (await siteA.get('/integrations/inbox?status=open')).body.items.find((i: { controlId: string }) => i.controlId === `${message.controlId}-1`);
    const rejected = await t.http
      .post(`/integrations/inbox/${item.id}/resolve`)
      .set('Authorization', `Bearer ${siteA.coordinator}`)
      .send({ action: 'reject', reason: 'unit keying error at the lab' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', resolution: 'rejected: unit keying error at the lab' });
    const again = await t.http.post(`/integrations/inbox/${item.id}/resolve`).set('Authorization', `Bearer ${siteA.coordinator}`).send({ action: 'apply' });
    expect(again.status).toBe(422);
    const other = await t.http.post(`/integrations/inbox/${item.id}/resolve`).set('Authorization', `Bearer ${siteB.coordinator}`).send({ action: 'reject', reason: 'x' });
    expect(other.status).toBe(404);
  });

  describe('bad input: the right NAK, recorded, nothing written, the listener still serving', () => {
    const good = () => oru(siteA.siteId, subjectA, [{ code: '1742-6^ALT^LN', value: '30', unit: 'U/L' }]);
    const withHeader = (controlId: string, rest: string) => `MSH|^~\\&|LIS|${siteA.siteId}|CART|ENGINE|20261204101500+0000||ORU^R01|${controlId}|P|2.5.1\r${rest}`;

    const cases: Array<[string, () => { controlId: string; bytes: string | Buffer }, 'AR' | 'AE', string]> = [
      [
        'wrong segment order',
        () => ((id) => ({ controlId: id, bytes: withHeader(id, `PID|1||${subjectA}\rOBX|1|NM|1742-6^ALT^LN||30|U/L|||||F|||20261204080000+0000\rOBR|1`) }))(nextControlId()),
        'AR',
        'before the OBR',
      ],
      ['no MSH', () => ({ controlId: '', bytes: `PID|1||${subjectA}\rOBR|1` }), 'AR', 'does not begin with an MSH'],
      ['wrong encoding characters', () => ({ controlId: '', bytes: good().text.replace('^~\\&', '^~\\#') }), 'AR', 'encoding characters'],
      ['a NUL byte', () => ((m) => ({ controlId: m.controlId, bytes: m.text.replace('Doe', 'D\u0000oe') }))(good()), 'AR', 'NUL'],
      [
        'a lone surrogate (CESU-8 bytes)',
        () => ((m) => ({ controlId: m.controlId, bytes: Buffer.concat([Buffer.from(m.text.replace('Doe^Jane', 'Doe^'), 'utf8'), Buffer.from([0xed, 0xa0, 0x80])]) }))(good()),
        'AR',
        'not UTF-8',
      ],
      ['an unknown message type', () => ((m) => ({ controlId: m.controlId, bytes: m.text.replace('ORU^R01^ORU_R01', 'ADT^A01^ADT_A01') }))(good()), 'AR', 'not ORU^R01'],
      [
        'a date in 1900',
        () => ((m) => ({ controlId: m.controlId, bytes: m.text }))(oru(siteA.siteId, subjectA, [{ code: '1742-6^ALT^LN', value: '30', unit: 'U/L', at: '19000101' }])),
        'AE',
        "before the patient's birth date",
      ],
      [
        'a date before 1900',
        () => ((m) => ({ controlId: m.controlId, bytes: m.text }))(oru(siteA.siteId, subjectA, [{ code: '1742-6^ALT^LN', value: '30', unit: 'U/L', at: '18991231' }])),
        'AE',
        '1900',
      ],
      [
        'a value out of physical range',
        () => ((m) => ({ controlId: m.controlId, bytes: m.text }))(oru(siteA.siteId, subjectA, [{ code: '1742-6^ALT^LN', value: '-3', unit: 'U/L' }])),
        'AE',
        'at least 0',
      ],
    ];

    it.each(cases)('%s', async (_what, make, code, why) => {
      const before = (await labEvents(patientA)).length;
      const { controlId, bytes } = make();
      const ack = ackOf(await client.send(bytes));
      expect(ack.code).toBe(code);
      expect(`${ack.text} ${ack.errors.join(' ')}`).toContain(why);
      expect(await labEvents(patientA)).toHaveLength(before);
      if (controlId) expect((await messageRecord(controlId)).map((r) => r.acknowledgement)).toEqual([code]);
      expect(ackOf(await client.send(good().text)).code).toBe('AA');
    });

    it('refuses a 10 MB message above the size limit, keeps its first bytes, and serves the next on the same connection', async () => {
      const m = good();
      const huge = `${m.text}\rNTE|1||${'x'.repeat(10 * 1024 * 1024)}`;
      const ack = ackOf(await client.send(huge, 60_000));
      expect(ack.code).toBe('AR');
      expect(ack.text).toContain('more than the 262144');
      const [record] = await messageRecord(m.controlId);
      expect(record).toMatchObject({ acknowledgement: 'AR', outcome: 'rejected' });
      expect(ackOf(await client.send(good().text)).code).toBe('AA');
      // A fresh connection is served too.
      const other = await MllpClient.open(port);
      expect(ackOf(await other.send(good().text)).code).toBe('AA');
      other.close();
    });
  });

  it('takes the same messages over HTTP (POST /integrations/hl7) as a lab user, and refuses other roles', async () => {
    const message = oru(siteA.siteId, subjectA, [{ code: '1920-8^AST^LN', value: '25', unit: 'U/L' }]);
    const res = await t.http.post('/integrations/hl7').set('Authorization', `Bearer ${lab}`).set('Content-Type', 'x-application/hl7-v2+er7').send(message.text);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('x-application/hl7-v2+er7');
    expect(ackOf(res.text)).toMatchObject({ code: 'AA', controlId: message.controlId });
    const text = await t.http.post('/integrations/hl7').set('Authorization', `Bearer ${lab}`).set('Content-Type', 'text/plain').send('garbage');
    expect(ackOf(text.text).code).toBe('AR');
    const coordinator = await t.http.post('/integrations/hl7').set('Authorization', `Bearer ${siteA.coordinator}`).set('Content-Type', 'text/plain').send(message.text);
    expect(coordinator.status).toBe(403);
  });

  it('acknowledges a pipelined burst over one connection in order, none lost or doubled', async () => {
    const burst = 200;
    const before = (await labEvents(patientA)).length;
    const messages = Array.from({ length: burst }, (_, i) =>
      oru(siteA.siteId, subjectA, [
        { code: '2532-0^LDH^LN', value: String(200 + i), unit: 'U/L', at: `20261203${String(Math.floor(i / 60)).padStart(2, '0')}${String(i % 60).padStart(2, '0')}00+0000` },
      ]),
    );
    const started = Date.now();
    const acks = await Promise.all(messages.map((m) => client.send(m.text)));
    const seconds = (Date.now() - started) / 1000;
    expect(acks.map((a) => ackOf(a))).toEqual(messages.map((m) => expect.objectContaining({ code: 'AA', controlId: m.controlId })));
    const ldh = (await labEvents(patientA)).slice(before).filter((e) => e.data.code === 'LDH');
    expect(ldh.map((e) => e.data.value)).toEqual(messages.map((_, i) => 200 + i));
    // Measured, not asserted: the rate depends on the machine.
    process.stdout.write(`MLLP burst on ${kind}: ${burst} ORU^R01 acknowledged in ${seconds.toFixed(2)} s (${(burst / seconds).toFixed(0)}/s)\n`);
  });

  describe('FHIR R4 in (POST /integrations/fhir)', () => {
    let observations = 0;
    const observation = (subject: string, loinc: string, value: number, unit: string, extra: Record<string, unknown> = {}) => ({
      resourceType: 'Observation',
      identifier: [{ system: 'urn:lab:lis', value: `OBS-${Date.now()}-${(observations += 1)}` }],
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
      subject: { identifier: { system: 'urn:site:subject', value: subject } },
      effectiveDateTime: '2026-12-04T13:00:00+01:00',
      valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
      ...extra,
    });
    const post = (body: unknown, contentType = 'application/fhir+json') =>
      t.http
        .post('/integrations/fhir')
        .set('Authorization', `Bearer ${lab}`)
        .set('Content-Type', contentType)
        .send(typeof body === 'string' ? body : JSON.stringify(body));

    it('records an Observation once, converted to the catalogue unit; the same Observation again writes nothing', async () => {
      const before = (await labEvents(patientA)).length;
      const resource = observation(subjectA, '751-8', 1500, '/uL');
      const res = await post(resource);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'information' }] });
      const events = await labEvents(patientA);
      expect(events).toHaveLength(before + 1);
      expect(events.at(-1)!.data).toEqual({ code: 'ANC', value: 1.5, unit: '10^9/L', collectedAt: '2026-12-04T12:00:00.000Z' });
      const again = await post(resource);
      expect(again.status).toBe(200);
      expect(again.body.issue[0].details.text).toContain('duplicate');
      expect(await labEvents(patientA)).toHaveLength(before + 1);
    });

    it('records a transaction Bundle of Observations, keyed by fullUrl when they carry no identifier', async () => {
      const before = (await labEvents(patientA)).length;
      const { identifier: _a, ...ldh } = observation(subjectA, '2532-0', 300, 'U/L');
      const { identifier: _b, ...crp } = observation(subjectA, '1988-5', 12, 'mg/L');
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: `urn:uuid:${randomUUID()}`, resource: ldh, request: { method: 'POST', url: 'Observation' } },
          { fullUrl: `urn:uuid:${randomUUID()}`, resource: crp, request: { method: 'POST', url: 'Observation' } },
        ],
      };
      const res = await post(bundle, 'application/json');
      expect(res.status).toBe(200);
      expect((await labEvents(patientA)).slice(before).map((e) => e.data.code)).toEqual(['LDH', 'CRP']);
      expect((await post(bundle)).status).toBe(200);
      expect(await labEvents(patientA)).toHaveLength(before + 2);
    });

    it.each([
      ['a Patient', { resourceType: 'Patient', identifier: [{ value: 'x' }] }, 'not an Observation'],
      ['a Bundle with a Patient', { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' } }] }, 'not an Observation'],
      ['JSON that is not JSON', '{"resourceType": "Observation",', 'not valid JSON'],
      ['a lone surrogate', '{"resourceType": "Observation", "id": "\\ud800"}', 'unpaired surrogate'],
    ])('refuses %s with an OperationOutcome, recorded, nothing written', async (_what, body, why) => {
      const before = (await labEvents(patientA)).length;
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', details: { text: expect.stringContaining(why) } }] });
      expect(await labEvents(patientA)).toHaveLength(before);
      const messages = await t.http.get('/integrations/messages?limit=5').set('Authorization', `Bearer ${t.adminToken}`);
      expect(messages.body.items[0]).toMatchObject({ channel: 'fhir', acknowledgement: '400', outcome: 'rejected', reason: expect.stringContaining(why) });
    });

    it("holds another site's subject in the inbox of the sender's site, writing nothing to the other site's patient", async () => {
      const res = await post(observation(subjectB, '751-8', 2, '10*9/L'));
      expect(res.status).toBe(200);
      expect(res.body.issue[0]).toMatchObject({ severity: 'warning', details: { text: expect.stringContaining(`no patient at site ${siteA.siteId}`) } });
      expect(await labEvents(patientB)).toHaveLength(0);
    });
  });
});
