import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { In, IsNull, Not } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { NotificationEntity, UserEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { Clock } from '../kernel/clock';
import { MaintenanceDelivery } from '../scheduling/queues/maintenance-queue';

/** The most notices one user is emailed in one round (the rest wait for the next). */
const BATCH = 50;

/** What one round sent. */
export interface MailRound {
  immediate: number;
  digests: number;
}

/**
 * Notices by email (README, "Email and calendar feeds"), through the SMTP server `SMTP_URL` names,
 * with nodemailer. Each round (the worker's maintenance job, every `RECONCILE_EVERY_MS`) emails each
 * user who asked for `immediate` the inbox notices not emailed yet, one email each, and, once a day
 * from `MAIL_DIGEST_HOUR` (UTC), each user who asked for `daily` one digest of them. A notice is
 * claimed (its `emailed_at` set) before it is sent and released if the server refuses it, so two
 * workers never send it twice and a failed send is tried again next round: at most once per success.
 * An email names the subject id and the notice, as the in-app inbox does, and links to the console.
 */
@Injectable()
export class MailService implements MaintenanceDelivery, OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private transport?: Transporter;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.config.mail.smtpUrl !== undefined;
  }

  onApplicationShutdown() {
    this.transport?.close();
  }

  async deliver(): Promise<MailRound> {
    if (!this.enabled) return { immediate: 0, digests: 0 };
    const now = this.clock.now();
    const users = await this.tx.run((m) =>
      m.find(UserEntity, { where: { revokedAt: IsNull(), email: Not(IsNull()), emailPreference: In(['immediate', 'daily']) }, order: { id: 'ASC' } }),
    );
    let immediate = 0;
    let digests = 0;
    for (const user of users) {
      try {
        if (user.emailPreference === 'immediate') immediate += await this.sendEach(user, now);
        else if (digestDue(user, now, this.config.mail.digestHour)) digests += await this.sendDigest(user, now);
      } catch (error) {
        this.logger.warn(`Email to user ${user.id} not sent; tried again next round: ${(error as Error).message}`);
      }
    }
    return { immediate, digests };
  }

  private async sendEach(user: UserEntity, now: Date): Promise<number> {
    let sent = 0;
    for (const notice of await this.pending(user.id)) {
      if (!(await this.claim([notice.id], now))) continue;
      try {
        await this.send(user.email!, `${label(notice)}${subjectOf(notice)}`, [notice.message, '', this.link(notice)].join('\n'));
        sent += 1;
      } catch (error) {
        await this.release([notice.id]);
        throw error;
      }
    }
    return sent;
  }

  private async sendDigest(user: UserEntity, now: Date): Promise<number> {
    const notices = await this.pending(user.id);
    const ids = notices.map((n) => n.id);
    const claimed = await this.tx.run(async (m) => {
      // The digest time is taken with the claim: a second worker finds it sent.
      const { affected } = await m.update(UserEntity, { id: user.id, digestSentAt: user.digestSentAt ?? IsNull() }, { digestSentAt: now.toISOString() });
      if (!affected) return false;
      if (ids.length) await m.update(NotificationEntity, { id: In(ids), emailedAt: IsNull() }, { emailedAt: now.toISOString() });
      return true;
    });
    if (!claimed || !notices.length) return 0;
    const lines = notices.map((n) => `- ${n.createdAt.slice(0, 16).replace('T', ' ')} UTC · ${label(n)}${subjectOf(n)}: ${n.message}\n  ${this.link(n)}`);
    try {
      await this.send(user.email!, `Daily digest: ${notices.length} notice${notices.length === 1 ? '' : 's'}`, lines.join('\n'));
    } catch (error) {
      await this.release(ids);
      await this.tx.run((m) => m.update(UserEntity, { id: user.id }, { digestSentAt: user.digestSentAt }));
      throw error;
    }
    return 1;
  }

  private pending(userId: string) {
    return this.tx.run((m) => m.find(NotificationEntity, { where: { userId, emailedAt: IsNull() }, order: { createdAt: 'ASC', id: 'ASC' }, take: BATCH }));
  }

  private async claim(ids: string[], now: Date): Promise<boolean> {
    const { affected } = await this.tx.run((m) => m.update(NotificationEntity, { id: In(ids), emailedAt: IsNull() }, { emailedAt: now.toISOString() }));
    return (affected ?? 0) > 0;
  }

  private release(ids: string[]) {
    return this.tx.run((m) => m.update(NotificationEntity, { id: In(ids) }, { emailedAt: null }));
  }

  private link(notice: NotificationEntity): string {
    return notice.patientId ? `${this.config.publicUrl}/app/#/patients/${notice.patientId}` : `${this.config.publicUrl}/app/#/`;
  }

  private async send(to: string, subject: string, text: string) {
    this.transport ??= createTransport(this.config.mail.smtpUrl);
    await this.transport.sendMail({ from: this.config.mail.from, to, subject: `[CAR-T] ${subject}`, text });
  }
}

/** A daily user's digest is due from the digest hour of the day, once that day. */
export function digestDue(user: Pick<UserEntity, 'digestSentAt'>, now: Date, hour: number): boolean {
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour));
  if (now < today) return false;
  return user.digestSentAt === null || user.digestSentAt < today.toISOString();
}

const label = (n: NotificationEntity) => n.kind.replace(/[-_]/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
const subjectOf = (n: NotificationEntity) => {
  const subjectId = (n.payload as { subjectId?: unknown }).subjectId;
  return typeof subjectId === 'string' ? ` · ${subjectId}` : '';
};
