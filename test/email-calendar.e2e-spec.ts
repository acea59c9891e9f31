import ICAL from 'ical.js';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort, MailService } from '#domain';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createUserWithId, TrialSite } from './support/trial-site';
import { fingerprint } from './support/invariants';

interface Received {
  to: string[];
  subject: string;
  body: string;
}

/**
 * Notices by email and the calendar feed, against a real SMTP server (the `smtp-server` package,
 * started here) and the engine on PostgreSQL: each user's preference (at once, a daily digest, none),
 * nothing sent twice or to another site, a refused send tried again; the feed parsed back by ical.js,
 * only the caller's sites, and gone once revoked or replaced.
 */
describe('email and calendar feeds', () => {
  let t: TestApp;
  let site: TrialSite;
  let other: TrialSite;
  let smtp: SMTPServer;
  const inbox: Received[] = [];
  let refuse = false;

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const mail = () => t.app.get(MailService).deliver();
  const to = (address: string) => inbox.filter((m) => m.to.includes(address));
  const setPreferences = (token: string, body: unknown) =>
    t.http
      .put('/users/me/notification-preferences')
      .set(bearer(token))
      .send(body as object);

  beforeAll(async () => {
    const port = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          if (refuse) return callback(new Error('451 try again later'));
          // The message as a mail client reads it: headers and body decoded (mailparser).
          simpleParser(raw).then(
            (parsed) => {
              inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: parsed.subject ?? '', body: parsed.text ?? '' });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((done) => smtp.listen(port, '127.0.0.1', done));
    // The digest hour 0: every user's digest is due from midnight, so a run of the test sees it.
    t = await startTestApp('postgres', {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      MAIL_DIGEST_HOUR: '0',
      PUBLIC_URL: 'https://trials.example.org',
      MAIL_FROM: 'Trials <trials@example.org>',
    });
    site = await TrialSite.open(t, 'site-a');
    other = await TrialSite.open(t, 'site-b');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((done) => smtp.close(() => done()));
  });

  it('refuses a preference without an address and an address that is not one, writing nothing', async () => {
    const before = await fingerprint(t);
    const noAddress = await setPreferences(site.coordinator, { email: null, emailPreference: 'immediate' });
    expect(noAddress.status).toBe(422);
    expect(noAddress.body.reasons).toEqual(['emailPreference immediate needs an email address (email)']);
    const notAnAddress = await setPreferences(site.coordinator, { email: 'coordinator at site a', emailPreference: 'daily' });
    expect(notAnAddress.status).toBe(400);
    expect(notAnAddress.body.issues).toEqual(['email: must be an email address']);
    expect((await setPreferences(site.coordinator, { email: 'x@example.org\u0000', emailPreference: 'daily' })).status).toBe(400);
    expect(await fingerprint(t)).toEqual(before);
  });

  it("emails each notice at once to those who asked, a daily digest to those who asked for it, and nobody else; never twice, never another site's", async () => {
    const quiet = await createUserWithId(t, 'coordinator', ['site-a']);
    expect((await setPreferences(site.investigator, { email: 'ines@site-a.example', emailPreference: 'immediate' })).body).toEqual({
      email: 'ines@site-a.example',
      emailPreference: 'immediate',
      calendarFeed: false,
    });
    expect((await setPreferences(site.coordinator, { email: 'carl@site-a.example', emailPreference: 'daily' })).status).toBe(200);
    expect((await setPreferences(quiet.token, { email: 'quiet@site-a.example', emailPreference: 'off' })).status).toBe(200);
    expect((await setPreferences(other.investigator, { email: 'bo@site-b.example', emailPreference: 'immediate' })).status).toBe(200);

    const id = await site.infused();
    const subjectId = (await site.get(`/patients/${id}`)).body.subjectId as string;
    await site.record(id, 'ADVERSE_EVENT_REPORTED', { term: 'Febrile neutropenia', grade: 3, onset: t.clock.now().toISOString(), related: true, serious: true });
    const unread = async () => (await site.get('/notifications?kind=severe-adverse-event', site.investigator)).body.items.length as number;
    await eventually(async () => (await unread()) === 1, 10_000, 'the notice in the inbox');

    const first = await mail();
    expect(first).toEqual({ immediate: 1, digests: 1 });
    const [each] = to('ines@site-a.example');
    expect(each.subject).toBe(`[CAR-T] Severe adverse event · ${subjectId}`);
    expect(each.body).toContain('Grade 3 adverse event: Febrile neutropenia');
    expect(each.body).toContain(`https://trials.example.org/app/#/patients/${id}`);
    const [digest] = to('carl@site-a.example');
    expect(digest.subject).toBe('[CAR-T] Daily digest: 1 notice');
    expect(digest.body).toContain(`Severe adverse event · ${subjectId}: Grade 3 adverse event: Febrile neutropenia`);
    expect(to('quiet@site-a.example')).toEqual([]);
    expect(to('bo@site-b.example')).toEqual([]);

    // A second round sends nothing: each notice once, one digest a day.
    expect(await mail()).toEqual({ immediate: 0, digests: 0 });
    expect(inbox).toHaveLength(2);
  });

  it('tries a refused send again at the next round, and loses nothing', async () => {
    const id = await site.infused();
    await site.record(id, 'ADVERSE_EVENT_REPORTED', { term: 'Hypotension', grade: 3, onset: t.clock.now().toISOString(), related: true, serious: true });
    // Grade 3 and related in the DLT window: a dose-limiting toxicity notice.
    await eventually(async () => (await site.get(`/notifications?patientId=${id}`, site.investigator)).body.items.length === 1, 10_000, 'the notice');
    const before = to('ines@site-a.example').length;
    refuse = true;
    expect(await mail()).toEqual({ immediate: 0, digests: 0 });
    refuse = false;
    expect(to('ines@site-a.example')).toHaveLength(before);
    expect(await mail()).toMatchObject({ immediate: 1 });
    expect(to('ines@site-a.example').at(-1)!.body).toContain('Hypotension');
  });

  it("publishes the site's visit windows and DLT window closings as iCalendar, parsed back by ical.js, only the caller's sites", async () => {
    const mine = await site.infused();
    const theirs = await other.infused();
    const subject = async (id: string, s: TrialSite) => (await s.get(`/patients/${id}`)).body.subjectId as string;
    const created = await t.http.post('/users/me/calendar-feed').set(bearer(site.coordinator));
    expect(created.status).toBe(201);
    expect(created.body.path).toBe(`/calendar/${created.body.token}.ics`);

    const res = await t.http.get(created.body.path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    const events = new ICAL.Component(ICAL.parse(res.text)).getAllSubcomponents('vevent').map((e) => ({
      uid: String(e.getFirstPropertyValue('uid')),
      summary: String(e.getFirstPropertyValue('summary')),
      start: (e.getFirstPropertyValue('dtstart') as ICAL.Time).toString(),
      end: (e.getFirstPropertyValue('dtend') as ICAL.Time).toString(),
    }));
    const mineSubject = await subject(mine, site);
    const schedule = (await site.get(`/patients/${mine}/schedule`)).body.visits as Array<{ name: string; windowStart: string; windowEnd: string }>;
    const d7 = events.find((e) => e.uid === `${mine}.visit.D7@cart-trial-engine`)!;
    expect(d7.summary).toBe(`${mineSubject} · visit D7 window (cd19-rr-all)`);
    const window = schedule.find((v) => v.name === 'D7')!;
    expect(d7.start).toBe(window.windowStart.slice(0, 10));
    // All-day events end the day after their last day (RFC 5545, DTEND exclusive).
    expect(d7.end).toBe(new Date(Date.parse(`${window.windowEnd.slice(0, 10)}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10));
    expect(events.filter((e) => e.uid === `${mine}.dlt-window@cart-trial-engine`)).toHaveLength(1);
    expect(events.filter((e) => e.uid.startsWith(`${mine}.visit.`))).toHaveLength(schedule.length);
    expect(res.text).not.toContain(await subject(theirs, other));
    expect(res.text).not.toContain(theirs);

    const audit = await t.http.get(`/audit/access?action=calendar.feed-read`).set(bearer(t.adminToken));
    expect(audit.body.items ?? audit.body).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'calendar.feed-read', actorRole: 'coordinator' })]));
  });

  it('refuses an unknown, replaced or revoked feed with a 404, and asks no bearer token', async () => {
    const first = (await t.http.post('/users/me/calendar-feed').set(bearer(site.investigator))).body;
    const second = (await t.http.post('/users/me/calendar-feed').set(bearer(site.investigator))).body;
    expect((await t.http.get(first.path)).status).toBe(404);
    expect((await t.http.get(second.path)).status).toBe(200);
    expect((await t.http.get(`/calendar/cf_${'A'.repeat(32)}.ics`)).status).toBe(404);
    expect((await t.http.get('/calendar/not-a-token')).status).toBe(404);
    expect((await t.http.delete('/users/me/calendar-feed').set(bearer(site.investigator))).status).toBe(204);
    expect((await t.http.get(second.path)).status).toBe(404);
    expect((await t.http.delete('/users/me/calendar-feed').set(bearer(site.investigator))).status).toBe(404);
    expect((await t.http.post('/users/me/calendar-feed')).status).toBe(401);
  });
});
