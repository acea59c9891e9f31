import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { type Actor, AuditService, CheckpointKey, CheckpointService, NotFoundError } from '#domain';
import { CurrentActor, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

const verifyQuery = z.object({ patientId: z.uuid().optional() }).strict();

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly checkpoints: CheckpointService,
    private readonly key: CheckpointKey,
  ) {}

  /** Checks the record of one patient (or of all the caller's) against its hash chain and the latest checkpoint; names every patient that does not hold. */
  @Get('verify')
  @Roles('monitor')
  verify(@Query(new ZodPipe(verifyQuery, 'query')) query: z.infer<typeof verifyQuery>, @CurrentActor() actor: Actor) {
    return this.audit.verify(actor, query.patientId);
  }

  /** Seals the chain heads that moved since the last checkpoint now, as the worker does every CHECKPOINT_EVERY_MS. */
  @Post('checkpoints')
  @HttpCode(200)
  @Roles('admin')
  checkpoint() {
    return this.checkpoints.checkpoint();
  }

  /** The checkpoint file, as it is: one JSON line per checkpoint (signed note and leaves). */
  @Get('checkpoints')
  @Roles('admin')
  exportCheckpoints(@Res() response: FastifyReply) {
    response
      .header('Content-Type', 'application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="checkpoints.jsonl"')
      .send(this.checkpoints.export());
  }

  /** The latest checkpoint's tree head and its signed note: the digest to keep. It names no patient. */
  @Get('checkpoints/latest')
  @Roles('monitor')
  latest() {
    const latest = this.checkpoints.latest();
    if (!latest) throw new NotFoundError('No checkpoint has been made yet.');
    return latest;
  }

  /** The key that signs the checkpoints: its verifier key (C2SP signed-note form) and its PEM. */
  @Get('checkpoints/key')
  signingKey() {
    const { signer, publicKeyPem } = this.key;
    return { origin: signer.name, keyId: signer.keyId.toString('hex'), verifierKey: signer.verifierKey, publicKeyPem };
  }

  /** Every log entry, as JSON lines: what the hash chain seals, for a sponsor to check against the checkpoints. */
  @Get('log')
  @Roles('admin')
  exportLog(@Res() response: FastifyReply) {
    response
      .header('Content-Type', 'application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="audit-log.jsonl"')
      .send(Readable.from(this.audit.exportLog()));
  }
}
