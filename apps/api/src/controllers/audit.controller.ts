import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { accessQuery, verifyQuery, accessPageSchema, auditAnswerSchema, checkpointKeySchema, checkpointOutcomeSchema, checkpointSummarySchema } from '#contract';
import { AccessLog, type Actor, AuditService, type Caller, CheckpointKey, CheckpointService, NotFoundError } from '#domain';
import { CurrentActor, CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly access: AccessLog,
    private readonly checkpoints: CheckpointService,
    private readonly key: CheckpointKey,
  ) {}

  /** Checks the record of one patient (or of all the caller's) against its hash chain and the latest checkpoint; names every patient that does not hold. */
  @Get('verify')
  @Roles('monitor')
  verify(@Query(new ZodPipe(verifyQuery, 'query')) query: z.infer<typeof verifyQuery>, @CurrentActor() actor: Actor): Promise<z.output<typeof auditAnswerSchema>> {
    return this.audit.verify(actor, query.patientId);
  }

  /**
   * The access audit, newest first: who read or exported which patient, who changed users, tokens,
   * webhooks and signing passwords. An admin sees all of it; a monitor the records about the
   * patients of its sites.
   */
  @Get('access')
  @Roles('monitor')
  accessRecords(@Query(new ZodPipe(accessQuery, 'query')) query: z.infer<typeof accessQuery>, @CurrentActor() actor: Actor): Promise<z.output<typeof accessPageSchema>> {
    return this.access.query(actor, query);
  }

  /** Seals the chain heads that moved since the last checkpoint now, as the worker does every CHECKPOINT_EVERY_MS. */
  @Post('checkpoints')
  @HttpCode(200)
  @Roles('admin')
  async checkpoint(@CurrentCaller() caller: Caller): Promise<z.output<typeof checkpointOutcomeSchema>> {
    const made = await this.checkpoints.checkpoint();
    await this.access.record(caller, 'checkpoint.create', [{ details: { created: made.created, number: made.checkpoint?.number ?? null } }]);
    return made;
  }

  /** The checkpoint file, as it is: one JSON line per checkpoint (signed note and leaves). */
  @Get('checkpoints')
  @Roles('admin')
  async exportCheckpoints(@CurrentCaller() caller: Caller, @Res() response: FastifyReply) {
    await this.access.record(caller, 'export.checkpoints', [{ subject: 'checkpoints.jsonl' }]);
    response
      .header('Content-Type', 'application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="checkpoints.jsonl"')
      .send(this.checkpoints.export());
  }

  /** The latest checkpoint's tree head and its signed note: the digest to keep. It names no patient. */
  @Get('checkpoints/latest')
  @Roles('monitor')
  latest(): z.output<typeof checkpointSummarySchema> {
    const latest = this.checkpoints.latest();
    if (!latest) throw new NotFoundError('No checkpoint has been made yet.');
    return latest;
  }

  /** The key that signs the checkpoints: its verifier key (C2SP signed-note form) and its PEM. */
  @Get('checkpoints/key')
  signingKey(): z.output<typeof checkpointKeySchema> {
    const { signer, publicKeyPem } = this.key;
    return { origin: signer.name, keyId: signer.keyId.toString('hex'), verifierKey: signer.verifierKey, publicKeyPem };
  }

  /** Every log entry, as JSON lines: what the hash chain seals, for a sponsor to check against the checkpoints. */
  @Get('log')
  @Roles('admin')
  async exportLog(@CurrentCaller() caller: Caller, @Res() response: FastifyReply) {
    // The whole log of every patient: one record for the export, not one per patient.
    await this.access.record(caller, 'export.audit-log', [{ subject: 'audit-log.jsonl' }]);
    response
      .header('Content-Type', 'application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="audit-log.jsonl"')
      .send(Readable.from(this.audit.exportLog()));
  }
}
