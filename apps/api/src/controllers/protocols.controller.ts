import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { latestProtocols, mermaidDiagram, PROTOCOLS, describeStates, protocolDefinition } from '#protocols';
import { InvalidInputError, requireProtocol } from '#domain';
import type { z } from 'zod';
import { diagramQuery, protocolQuery, protocolDefinitionSchema, protocolSummarySchema } from '#contract';
import { ZodPipe } from '../http/zod-pipe';

@Controller('protocols')
export class ProtocolsController {
  /** The newest version of each protocol. */
  @Get()
  list(): Array<z.output<typeof protocolSummarySchema>> {
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
  get(@Param('id') id: string, @Query(new ZodPipe(protocolQuery, 'query')) query: { version?: number }): z.output<typeof protocolDefinitionSchema> {
    const protocol = this.find(id, query.version);
    return { ...protocolDefinition(protocol), states: describeStates(protocol.machine) };
  }

  /** The state machine as Mermaid text, generated from the machine itself. */
  @Get(':id/diagram')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  diagram(@Param('id') id: string, @Query(new ZodPipe(diagramQuery, 'query')) query: z.infer<typeof diagramQuery>) {
    if (query.format === 'svg') {
      throw new InvalidInputError('Only Mermaid text is offered; render it with any Mermaid renderer.', ['format: svg is not offered']);
    }
    return mermaidDiagram(this.find(id, query.version).machine);
  }

  private find(id: string, version?: number) {
    return requireProtocol(id, version);
  }
}
