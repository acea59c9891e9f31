import { api } from './client';
import type { ProtocolDefinition, ProtocolSummary, Worklist } from './types';

/**
 * What the console reads once and keeps: the protocols this build runs (their definitions never
 * change for a given version), fetched once per session. Nothing here changes when an event is posted.
 */
const protocols = new Map<string, Promise<ProtocolDefinition>>();
let summaries: Promise<ProtocolSummary[]> | undefined;

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

/** `GET /protocols`: every protocol with its versions. */
export function protocolSummaries(): Promise<ProtocolSummary[]> {
  if (!summaries) {
    const found = api.protocols();
    found.catch(() => {
      if (summaries === found) summaries = undefined;
    });
    summaries = found;
  }
  return summaries;
}

/** "cd19-rr-all@2" → ["cd19-rr-all", 2]. */
export function splitProtocol(ref: string): [string, number | undefined] {
  const at = ref.lastIndexOf('@');
  if (at < 0) return [ref, undefined];
  const version = Number(ref.slice(at + 1));
  return [ref.slice(0, at), Number.isInteger(version) ? version : undefined];
}

/**
 * Signing in reads the worklist to check the token (and learn who it belongs to). When the console
 * opens on the worklist, that page shows this answer, once, instead of reading it again at once.
 */
let signInWorklist: Worklist | null = null;

export function keepSignInWorklist(worklist: Worklist): void {
  signInWorklist = worklist;
}

/** The caller's worklist: the one signing in just read (once), else a fresh read. */
export function worklist(): Promise<Worklist> {
  const kept = signInWorklist;
  signInWorklist = null;
  return kept ? Promise.resolve(kept) : api.worklist();
}
