import { api } from './client';
import type { ProtocolDefinition } from './types';

/** Protocol definitions never change for a given version: each is fetched once per session. */
const protocols = new Map<string, Promise<ProtocolDefinition>>();

export function protocolDefinition(id: string, version?: number): Promise<ProtocolDefinition> {
  const key = `${id}@${version ?? 'latest'}`;
  let found = protocols.get(key);
  if (!found) {
    found = api.protocol(id, version);
    found.catch(() => protocols.delete(key));
    protocols.set(key, found);
  }
  return found;
}

/** "cd19-rr-all@2" → ["cd19-rr-all", 2]. */
export function splitProtocol(ref: string): [string, number | undefined] {
  const at = ref.lastIndexOf('@');
  if (at < 0) return [ref, undefined];
  const version = Number(ref.slice(at + 1));
  return [ref.slice(0, at), Number.isInteger(version) ? version : undefined];
}
