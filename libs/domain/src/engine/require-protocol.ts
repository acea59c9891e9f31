import { findProtocol, type Protocol } from '#protocols';
import { NotFoundError } from '../errors';

/** The named version of a protocol (the newest when none is named), or a 404 naming what was asked for. */
export function requireProtocol(id: string, version?: number): Protocol {
  const protocol = findProtocol(id, version);
  if (!protocol) throw new NotFoundError(`Protocol ${id}${version ? ` version ${version}` : ''} does not exist.`);
  return protocol;
}
