import { useEffect, useState } from 'react';

/** The console's pages, hash-routed so the server serves one index.html. */
export type Route =
  | { page: 'worklist' }
  | { page: 'patient'; id: string }
  | { page: 'trials' }
  | { page: 'trial'; protocolId: string; version?: number }
  | { page: 'amendments'; protocolId: string; version?: number }
  | { page: 'manufacturing' }
  | { page: 'queries'; status?: string }
  | { page: 'reach' }
  | { page: 'register' }
  | { page: 'admin' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts.length === 0) return { page: 'worklist' };
  if (parts[0] === 'patients' && parts.length === 2) return { page: 'patient', id: parts[1]! };
  if (parts[0] === 'trials' && parts.length === 1) return { page: 'trials' };
  if (parts[0] === 'manufacturing' && parts.length === 1) return { page: 'manufacturing' };
  if (parts[0] === 'me' && parts.length === 1) return { page: 'reach' };
  if (parts[0] === 'register' && parts.length === 1) return { page: 'register' };
  if (parts[0] === 'admin' && parts.length === 1) return { page: 'admin' };
  if (parts[0] === 'queries' && parts.length === 1) {
    const status = params.get('status');
    return { page: 'queries', ...(status && ['open', 'answered', 'closed'].includes(status) ? { status } : {}) };
  }
  const version = Number(params.get('version'));
  const chosen = Number.isInteger(version) && version > 0 ? { version } : {};
  if (parts[0] === 'trials' && parts.length === 2) return { page: 'trial', protocolId: parts[1]!, ...chosen };
  if (parts[0] === 'trials' && parts.length === 3 && parts[2] === 'amendments') return { page: 'amendments', protocolId: parts[1]!, ...chosen };
  return { page: 'not-found', path };
}

export const href = {
  worklist: () => '#/',
  patient: (id: string) => `#/patients/${encodeURIComponent(id)}`,
  trials: () => '#/trials',
  manufacturing: () => '#/manufacturing',
  reach: () => '#/me',
  register: () => '#/register',
  admin: () => '#/admin',
  queries: (status?: string) => `#/queries${status ? `?status=${status}` : ''}`,
  trial: (protocolId: string, version?: number) => `#/trials/${encodeURIComponent(protocolId)}${version ? `?version=${version}` : ''}`,
  amendments: (protocolId: string, version?: number) => `#/trials/${encodeURIComponent(protocolId)}/amendments${version ? `?version=${version}` : ''}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => {
      setRoute(parseRoute(window.location.hash));
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(to: string): void {
  window.location.hash = to;
}
