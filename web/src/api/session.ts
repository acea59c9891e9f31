import type { User } from './types';

/**
 * The signed-in session: the bearer token (and who it belongs to, for the header) in sessionStorage,
 * so it lasts as long as the tab and no longer. Signing out, or any 401, clears it.
 */
const TOKEN_KEY = 'cart.token';
const USER_KEY = 'cart.user';
const NOTICE_KEY = 'cart.signInNotice';

export interface Session {
  token: string;
  user: User;
}

type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

export function currentSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const user = sessionStorage.getItem(USER_KEY);
  if (!token) return null;
  try {
    return { token, user: user ? (JSON.parse(user) as User) : { id: '', name: 'Signed in', role: 'coordinator', siteIds: [] } };
  } catch {
    return { token, user: { id: '', name: 'Signed in', role: 'coordinator', siteIds: [] } };
  }
}

export function startSession(session: Session): void {
  sessionStorage.setItem(TOKEN_KEY, session.token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(session.user));
  sessionStorage.removeItem(NOTICE_KEY);
  listeners.forEach((l) => l(session));
}

/** Ends the session; `notice` is shown on the sign-in page (e.g. why the user was sent back there). */
export function endSession(notice?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  if (notice) sessionStorage.setItem(NOTICE_KEY, notice);
  else sessionStorage.removeItem(NOTICE_KEY);
  listeners.forEach((l) => l(null));
}

/** The notice left by the last `endSession` (kept until the next sign-in, so a reload still shows it). */
export function signInNotice(): string | null {
  return sessionStorage.getItem(NOTICE_KEY);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
