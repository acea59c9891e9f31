/**
 * How the console writes dates, states, events and numbers. Pure functions (no DOM), so they can be
 * tested outside a browser.
 *
 * Times are shown in UTC, as the engine stores them and counts study days (whole UTC calendar days
 * from the infusion day, Day 0); every time label says "UTC".
 */

const DAY_MS = 86_400_000;

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
const secondsFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

const valid = (iso: string | null | undefined): iso is string => typeof iso === 'string' && !Number.isNaN(Date.parse(iso));

/** "4 Dec 2026" (a clinical date). */
export function formatDate(iso: string | null | undefined): string {
  return valid(iso) ? dateFormat.format(new Date(iso)) : '—';
}

/** "4 Dec 2026, 16:02 UTC" (a clinical time: when it happened). */
export function formatDateTime(iso: string | null | undefined): string {
  return valid(iso) ? `${dateFormat.format(new Date(iso))}, ${timeFormat.format(new Date(iso))} UTC` : '—';
}

/** "4 Dec 2026 16:02:36 UTC" (a recorded time: when the server wrote it). */
export function formatRecorded(iso: string | null | undefined): string {
  return valid(iso) ? `${dateFormat.format(new Date(iso))} ${secondsFormat.format(new Date(iso))} UTC` : '—';
}

/** "1–5 Dec 2026" or "28 Nov – 2 Dec 2026" (without the year when `withYear` is false): a visit window. */
export function formatRange(startIso: string, endIso: string, withYear = true): string {
  if (!valid(startIso) || !valid(endIso)) return '—';
  const [start, end] = [new Date(startIso), new Date(endIso)];
  const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const last = withYear ? dateFormat : dayMonth;
  const sameYear = start.getUTCFullYear() === end.getUTCFullYear();
  if (sameYear && start.getUTCMonth() === end.getUTCMonth()) return `${start.getUTCDate()}–${last.format(end)}`;
  return `${sameYear || !withYear ? dayMonth.format(start) : dateFormat.format(start)} – ${last.format(end)}`;
}

/** The study day of `at`: whole UTC calendar days from the calendar day of Day 0 (which is Day 0). */
export function studyDay(at: string, day0: string): number {
  const calendarDay = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS);
  return calendarDay(at) - calendarDay(day0);
}

/** A study day as a signed number with a true minus sign: 14 → "14", -3 → "−3". */
export function formatDay(day: number): string {
  return day < 0 ? `−${-day}` : String(day);
}

/** "Day 14", "Day −3". */
export function formatStudyDay(day: number): string {
  return `Day ${formatDay(day)}`;
}

/** A dose level as the trial tables and charts name it: 2 → "L2"; none → "—". */
export function formatLevel(level: number | null | undefined): string {
  return level === null || level === undefined ? '—' : `L${level}`;
}

const STATE_NAMES: Record<string, string> = {
  screening: 'Screening',
  eligible: 'Eligible',
  enrolled: 'Enrolled',
  manufacturing: 'Manufacturing',
  productReleased: 'Product released',
  lymphodepletion: 'Lymphodepletion',
  readyForInfusion: 'Ready for infusion',
  postInfusion: 'Post-infusion',
  dltWindow: 'DLT window',
  responseAssessment: 'Response assessment',
  followUp: 'Follow-up',
  monitoring: 'Safety monitoring',
  tracking: 'Visit tracking',
  screenFailed: 'Screen failed',
  manufacturingFailed: 'Manufacturing failed',
  withdrawn: 'Withdrawn',
  died: 'Died',
  lostToFollowUp: 'Lost to follow-up',
  completed: 'Completed',
};

/** "readyForInfusion" → "Ready for infusion"; an unknown state is split at its capitals. */
export function humanizeState(state: string | null | undefined): string {
  if (!state) return '—';
  const last = state.split('.').at(-1) ?? state;
  return STATE_NAMES[last] ?? sentence(camelWords(last));
}

/** How a sentence says where a patient ended: "The patient has died and is off study". */
const END_PHRASES: Record<string, string> = {
  screenFailed: 'failed screening',
  manufacturingFailed: 'could not be given a product (manufacturing failed)',
  withdrawn: 'has withdrawn',
  died: 'has died',
  lostToFollowUp: 'is lost to follow-up',
  completed: 'has completed the study',
};

/** "The patient has died", "The patient is in follow-up": the state in a plain sentence. */
export function patientStateSentence(state: string | null | undefined): string {
  const last = state?.split('.').at(-1) ?? '';
  return `The patient ${END_PHRASES[last] ?? `is in ${humanizeState(state).toLowerCase()}`}`;
}

/** "lostToFollowUp" → "lost to follow up". */
function camelWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

/** Words kept in capitals when an event name is written as a sentence. */
const ACRONYMS = new Set(['DLT', 'AE', 'CRS', 'ICANS', 'MRD', 'CAR', 'ID']);

/** "VISIT_COMPLETED" → "Visit completed", "DLT_WINDOW_CLOSED" → "DLT window closed". */
export function humanizeEvent(type: string): string {
  const words = type.split('_').map((w) => (ACRONYMS.has(w) ? w : w.toLowerCase()));
  return sentence(words.join(' '));
}

const FIELD_LABELS: Record<string, string> = {
  cellsPerKg: 'Cell dose (cells/kg)',
  weightKg: 'Weight (kg)',
  heightCm: 'Height (cm)',
  temperatureC: 'Temperature (°C)',
  vasopressors: 'Vasopressors (number)',
  oxygenLitresPerMinute: 'Oxygen (L/min)',
  afterTocilizumabOrSteroids: 'After tocilizumab or steroids',
  afterAntipyretics: 'After antipyretics',
  improvedToGrade1At: 'Improved to grade ≤ 1',
  lesions: 'Target lesions (CT, up to 6)',
  ldiCm: 'Longest diameter, LDi (cm)',
  sdiCm: 'Shortest diameter, SDi (cm)',
  baselineLdiCm: 'Baseline LDi (cm), once',
  baselineSdiCm: 'Baseline SDi (cm), once',
  diedOfCrs: 'Died of CRS',
  crs: 'CRS findings (ASTCT)',
  icans: 'ICANS findings (ASTCT)',
  ice: 'ICE score (0–10)',
  capd: 'CAPD score (children ≤ 12 years)',
  grade: 'Grade (CTCAE v5.0)',
  onset: 'Onset',
  resolvedAt: 'Resolved',
  collectedAt: 'Collected',
  marrowBlastsPct: 'Marrow blasts (%)',
  mrdPct: 'MRD (%)',
  anc: 'ANC',
  platelets: 'Platelets',
  countsUnit: 'Unit of ANC and platelets (×10⁹/L or cells/µL)',
  deauville: 'Deauville score (1–5)',
  spdChangePct: 'SPD change from baseline (%)',
  spdChangeFromNadirPct: 'SPD change from nadir (%)',
  newLesion: 'New lesion',
  ecog: 'ECOG',
  karnofsky: 'Karnofsky (%)',
  lifeExpectancyWeeks: 'Life expectancy (weeks)',
  priorCd19CarT: 'Prior CD19 CAR-T',
  mrdPositive: 'MRD positive',
  lvef: 'LVEF (fraction)',
  creatinineMgDl: 'Creatinine (mg/dL)',
  bilirubinMgDl: 'Bilirubin (mg/dL)',
  astXUln: 'AST (× ULN)',
  altXUln: 'ALT (× ULN)',
  hiv: 'HIV',
  consentVersion: 'Consent version',
  lot: 'Lot',
  dlt: 'Dose-limiting toxicity',
};

/** A data field's label: "temperatureC" → "Temperature (°C)", "remissionAchieved" → "Remission achieved". */
export function humanizeKey(key: string): string {
  return FIELD_LABELS[key] ?? sentence(camelWords(key).replace(/\b(cd\d+|car t|gvhd|hiv|mrd|ecog|ast|alt|uln|icp)\b/g, (w) => w.toUpperCase()));
}

/** "cell dose 4.0 ×10⁶/kg is below …" → "Cell dose 4.0 ×10⁶/kg is below ….": a sentence with its capital and full stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  return trimmed[0]!.toUpperCase() + trimmed.slice(1);
}

export function asSentence(text: string): string {
  const s = sentence(text);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

const listFormat = new Intl.ListFormat('en-GB', { style: 'long', type: 'conjunction' });

/** ["a", "b", "c"] → "a, b and c". */
export function listInWords(items: string[]): string {
  return listFormat.format(items);
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 7e6 → "7.0 ×10⁶", 310000000 → "3.1 ×10⁸", 950 → "950". */
export function scientific(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3)) {
    const exponent = Math.floor(Math.log10(Math.abs(value)));
    const mantissa = value / 10 ** exponent;
    const power = String(exponent)
      .split('')
      .map((c) => SUPERSCRIPT[c] ?? c)
      .join('');
    return `${mantissa.toFixed(digits)} ×10${power}`;
  }
  return formatNumber(value);
}

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });

/** 12345.678 → "12,345.68". */
export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : numberFormat.format(value);
}

/** 0.35 → "35.0%"; null → "—". */
export function formatPercent(rate: number | null | undefined, digits = 1): string {
  return rate === null || rate === undefined || !Number.isFinite(rate) ? '—' : `${(rate * 100).toFixed(digits)}%`;
}

/** Days as written in a table: 58.0 → "58", 10.00000454 → "10", 12.5 → "12.5". */
export function formatDays(days: number | null | undefined): string {
  if (days === null || days === undefined || !Number.isFinite(days)) return '—';
  const rounded = Math.round(days * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}

/** A short, readable summary of an event's data: "visit D14", "grade 3 · Cytokine release syndrome". */
export function summarizeData(data: Record<string, unknown> | null | undefined, maxParts = 6): string {
  if (!data) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === null || value === undefined) continue;
    parts.push(`${humanizeKey(key)}: ${summarizeValue(key, value)}`);
  }
  return parts.length > maxParts ? `${parts.slice(0, maxParts).join(' · ')} · …` : parts.join(' · ');
}

function summarizeValue(key: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return key === 'cellsPerKg' || Math.abs(value) >= 1e5 ? scientific(value) : formatNumber(value);
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}T/.test(value) ? formatDateTime(value) : value;
  // Attestations are the protocol's statements by id: the log says how many were attested, the eligibility panel which.
  if (key === 'attestations' && Array.isArray(value)) return `${value.length} statement${value.length === 1 ? '' : 's'} attested`;
  if (Array.isArray(value)) return value.length <= 3 ? value.map((v) => summarizeValue(key, v)).join(', ') : `${value.length} items`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
    return `{ ${inner
      .slice(0, 4)
      .map(([k, v]) => `${humanizeKey(k)}: ${summarizeValue(k, v)}`)
      .join(', ')}${inner.length > 4 ? ', …' : ''} }`;
  }
  return String(value);
}
