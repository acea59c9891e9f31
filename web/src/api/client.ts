import { SESSION_ENDED } from '../lib/refusal';
import { currentSession, endSession } from './session';
import type {
  Amendments,
  ApiErrorBody,
  EventAnswer,
  EventBody,
  LogEntry,
  ManufacturingCapacity,
  ManufacturingSite,
  CreateManufacturingSiteBody,
  RebookSlotBody,
  CancelSlotBody,
  SlotAnswer,
  ReachPreferences,
  CalendarFeed,
  DataQuery,
  DataQueries,
  RaiseQueryBody,
  AnswerQueryBody,
  MigratePatientBody,
  MigrateSiteBody,
  MigrationAnswer,
  MigrationPreview,
  Notification,
  Outcomes,
  Page,
  Patient,
  ProtocolDefinition,
  ProtocolSummary,
  RolloverAnswer,
  RolloverBody,
  Schedule,
  SiteApprovalBody,
  SiteApprovalRecord,
  SiteMigration,
  Trial,
  Worklist,
  RegisterPatientBody,
  UserAccount,
  CreateUserBody,
  CreatedUser,
  RotatedToken,
} from './types';
import type { TrialDeviations } from '#contract';

/** An answer other than 2xx, or no answer at all (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  /** Use this token instead of the session's (signing in). */
  token?: string;
  /** A 401 is the caller's to handle (signing in), not a reason to end the session. */
  keepSessionOn401?: boolean;
  as?: 'json' | 'text';
}

async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const token = options.token ?? currentSession()?.token;
  const headers: Record<string, string> = { Accept: options.as === 'text' ? 'text/plain' : 'application/json', ...options.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { error: 'unreachable', message: 'The server could not be reached. Check the connection and try again.' });
  }
  if (response.ok) {
    if (response.status === 204) return undefined as T;
    return (options.as === 'text' ? await response.text() : await response.json()) as T;
  }
  const body = await errorBody(response);
  if (response.status === 401 && !options.keepSessionOn401) endSession(SESSION_ENDED);
  throw new ApiError(response.status, body);
}

async function errorBody(response: Response): Promise<ApiErrorBody> {
  try {
    const body = (await response.json()) as Partial<ApiErrorBody>;
    if (body && typeof body.message === 'string') return { error: body.error ?? 'error', ...body } as ApiErrorBody;
  } catch {
    // not JSON: fall through
  }
  return { error: `http_${response.status}`, message: `The server answered ${response.status} ${response.statusText}.` };
}

const q = (params: Record<string, string | number | undefined>) => {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
};
const seg = encodeURIComponent;

/** Every page of a paginated list. */
async function allPages<T>(path: (limit: number, offset: number) => string, limit = 500): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await request<Page<T>>(path(limit, offset));
    items.push(...page.items);
    if (page.items.length < limit || items.length >= page.total) return items;
  }
}

/** The one client of the HTTP API: same origin, bearer token from the session. */
export const api = {
  /** Checks a token by reading the caller's worklist with it; a 401 here does not touch the session. */
  worklistWith: (token: string) => request<Worklist>('/worklist', { token, keepSessionOn401: true }),
  worklist: () => request<Worklist>('/worklist'),
  markRead: (id: string) => request<Pick<Notification, 'id' | 'readAt'>>(`/notifications/${seg(id)}/read`, { method: 'POST', body: {} }),
  /** Every unread notice of the caller (of one kind, when given) created at or before `upTo`. */
  markAllRead: (body: { kind?: string; upTo?: string }) => request<{ marked: number; unread: number; readAt: string }>('/notifications/read', { method: 'POST', body }),

  protocols: () => request<ProtocolSummary[]>('/protocols'),
  protocol: (id: string, version?: number) => request<ProtocolDefinition>(`/protocols/${seg(id)}${q({ version })}`),
  diagram: (id: string, version?: number) => request<string>(`/protocols/${seg(id)}/diagram${q({ version })}`, { as: 'text' }),

  patient: (id: string) => request<Patient>(`/patients/${seg(id)}`),
  schedule: (id: string) => request<Schedule>(`/patients/${seg(id)}/schedule`),
  /** The log after entry `afterSeq` (the whole log from 0), in `seq` order. */
  async events(id: string, afterSeq = 0): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    const limit = 1000;
    for (;;) {
      const batch = await request<LogEntry[]>(`/patients/${seg(id)}/events${q({ afterSeq: entries.at(-1)?.seq ?? afterSeq, limit })}`);
      entries.push(...batch);
      if (batch.length < limit) return entries;
    }
  },
  /** Posts one event; `ifMatch` makes it a 409 if the patient changed since that version was read. */
  /** The label of the patient's apheresis or product bag, as SVG text (shown as an image, never as markup). */
  bagLabel: (id: string, bag: 'apheresis' | 'product') => request<string>(`/patients/${seg(id)}/labels/${bag}`, { as: 'text', headers: { Accept: 'image/svg+xml' } }),
  postEvent: (id: string, body: EventBody, ifMatch?: number) =>
    request<EventAnswer>(`/patients/${seg(id)}/events`, {
      method: 'POST',
      body,
      headers: ifMatch === undefined ? {} : { 'If-Match': String(ifMatch) },
    }),
  /** Every patient of a protocol the caller may see. */
  patientsOf: (protocolId: string) => allPages<Patient>((limit, offset) => `/patients${q({ protocolId, limit, offset })}`),

  trial: (protocolId: string) => request<Trial>(`/trials/${seg(protocolId)}`),
  outcomes: (protocolId: string, version?: number) => request<Outcomes>(`/trials/${seg(protocolId)}/outcomes${q({ version })}`),

  /** Each amendment of a trial with the site approvals the caller may see. */
  amendments: (protocolId: string) => request<Amendments>(`/trials/${seg(protocolId)}/amendments`),
  /** An admin records (or corrects, with a reason) a site's IRB/ethics approval of an amendment. */
  recordApproval: (protocolId: string, version: number, siteId: string, body: SiteApprovalBody) =>
    request<SiteApprovalRecord>(`/trials/${seg(protocolId)}/amendments/${version}/sites/${seg(siteId)}`, { method: 'PUT', body }),
  /** The dry run of an amendment over the patients already on study: nothing is written. */
  previewMigration: (protocolId: string, version: number, siteId?: string) => request<MigrationPreview>(`/trials/${seg(protocolId)}/amendments/${version}/preview${q({ siteId })}`),
  migrateSite: (protocolId: string, version: number, body: MigrateSiteBody) =>
    request<SiteMigration>(`/trials/${seg(protocolId)}/amendments/${version}/migrations`, { method: 'POST', body }),
  migratePatient: (id: string, body: MigratePatientBody) => request<MigrationAnswer>(`/patients/${seg(id)}/migrations`, { method: 'POST', body }),
  rollover: (id: string, body: RolloverBody) => request<RolloverAnswer>(`/patients/${seg(id)}/rollover`, { method: 'POST', body }),

  manufacturingSites: () => request<{ items: ManufacturingSite[] }>('/manufacturing/sites'),
  /** A manufacturing site's weeks from the current one (its horizon) and its queue. */
  capacity: (siteId: string) => request<ManufacturingCapacity>(`/manufacturing/sites/${seg(siteId)}/capacity`),
  /** An admin creates a manufacturing site. */
  createManufacturingSite: (body: CreateManufacturingSiteBody) => request<ManufacturingSite>('/manufacturing/sites', { method: 'POST', body }),
  /** Books the patient into a chosen ISO week (`2027-W05`). */
  rebookSlot: (id: string, body: RebookSlotBody) => request<SlotAnswer>(`/patients/${seg(id)}/manufacturing-slot`, { method: 'PUT', body }),
  cancelSlot: (id: string, body: CancelSlotBody) => request<SlotAnswer>(`/patients/${seg(id)}/manufacturing-slot/cancel`, { method: 'POST', body }),

  /** Data queries (README, "Data queries"): of one patient, or of the caller's sites with their figures. */
  queries: (filter: { patientId?: string; status?: string; siteId?: string } = {}) => request<DataQueries>(`/queries${q({ ...filter, limit: 500 })}`),
  raiseQuery: (id: string, body: RaiseQueryBody) => request<DataQuery>(`/patients/${seg(id)}/queries`, { method: 'POST', body }),
  answerQuery: (queryId: string, body: AnswerQueryBody) => request<DataQuery>(`/queries/${seg(queryId)}/answers`, { method: 'POST', body }),
  closeQuery: (queryId: string, body: { text?: string }) => request<DataQuery>(`/queries/${seg(queryId)}/close`, { method: 'POST', body }),
  reopenQuery: (queryId: string, body: { text: string }) => request<DataQuery>(`/queries/${seg(queryId)}/reopen`, { method: 'POST', body }),
  query: (queryId: string) => request<DataQuery>(`/queries/${seg(queryId)}`),
  /** Protocol deviations of a trial at the caller's sites (README, "Protocol deviations"): one site's or one patient's when filtered, with each site's window compliance. */
  deviations: (protocolId: string, filter: { siteId?: string; patientId?: string } = {}) => request<TrialDeviations>(`/trials/${seg(protocolId)}/deviations${q(filter)}`),

  /** How notices reach the caller by email, and the calendar feed (README, "Email and calendar feeds"). */
  reach: () => request<ReachPreferences>('/users/me/notification-preferences'),
  saveReach: (body: Pick<ReachPreferences, 'email' | 'emailPreference'>) => request<ReachPreferences>('/users/me/notification-preferences', { method: 'PUT', body }),
  createCalendarFeed: () => request<CalendarFeed>('/users/me/calendar-feed', { method: 'POST', body: {} }),
  revokeCalendarFeed: () => request<void>('/users/me/calendar-feed', { method: 'DELETE' }),

  /** Registers a patient (README, "Register a patient"): 201 with the patient. */
  registerPatient: (body: RegisterPatientBody) => request<Patient>('/patients', { method: 'POST', body }),
  /** An admin's users (README, "Users"): the token of each is never shown again after its creation or rotation. */
  users: () => request<UserAccount[]>('/users'),
  createUser: (body: CreateUserBody) => request<CreatedUser>('/users', { method: 'POST', body }),
  rotateToken: (userId: string) => request<RotatedToken>(`/users/${seg(userId)}/token`, { method: 'POST', body: {} }),
  revokeUser: (userId: string) => request<void>(`/users/${seg(userId)}`, { method: 'DELETE' }),
  /** A patient's FHIR R4 bundle, as a file to save. */
  fhirBundle: (id: string, subjectId: string) => download(`/patients/${seg(id)}/fhir`, `${subjectId}-fhir.json`),
  /** A trial's CDISC SDTM tables, all domains in one zip. */
  sdtm: (protocolId: string, version?: number) => download(`/trials/${seg(protocolId)}/export${q({ format: 'sdtm', version })}`, `${protocolId}-sdtm.zip`),
};

/** A file the API answers: its bytes and the name it gives it (`Content-Disposition`), else `fallbackName`. */
export interface DownloadedFile {
  blob: Blob;
  fileName: string;
}

/** Reads a file with the session's bearer token, which a plain link cannot send; errors as `request`'s. */
async function download(path: string, fallbackName: string): Promise<DownloadedFile> {
  const token = currentSession()?.token;
  let response: Response;
  try {
    response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
  } catch {
    throw new ApiError(0, { error: 'unreachable', message: 'The server could not be reached. Check the connection and try again.' });
  }
  if (!response.ok) {
    const body = await errorBody(response);
    if (response.status === 401) endSession(SESSION_ENDED);
    throw new ApiError(response.status, body);
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1];
  return { blob: await response.blob(), fileName: named ?? fallbackName };
}
