import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { findProtocol, latestProtocols, PROTOCOLS, describeStates, protocolDefinition } from '#protocols';
import { NotFoundError } from '#domain';
import { ZodPipe } from '../http/zod-pipe';
import { protocolQuery } from '../http/schemas';

@ApiTags('protocols')
@ApiBearerAuth()
@Controller('protocols')
export class ProtocolsController {
  /** The newest version of each protocol. */
  @Get()
  list() {
    return latestProtocols().map(({ spec }) => ({
      id: spec.id,
      version: spec.version,
      versions: PROTOCOLS.filter((p) => p.id === spec.id).map((p) => p.version),
      title: spec.title,
      registryId: spec.registryId,
      phase: spec.phase,
      targetEnrollment: spec.targetEnrollment,
    }));
  }

  /** The whole definition of a protocol version (the newest unless `?version=`). */
  @Get(':id')
  get(@Param('id') id: string, @Query(new ZodPipe(protocolQuery, 'query')) query: { version?: number }) {
    const protocol = findProtocol(id, query.version);
    if (!protocol) throw new NotFoundError(`Protocol ${id}${query.version ? ` version ${query.version}` : ''} does not exist.`);
    return { ...protocolDefinition(protocol), states: describeStates(protocol.machine) };
  }
}
