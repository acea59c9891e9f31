import { eligibleCd19Screening, eligibleCd22Screening } from './eligibility';
import type { ServiceProcess, ServiceStack } from './processes';
import { call } from './http';
import { SIGNING_PASSWORD, signOff, withBedsideCheck } from './signing';
import { thaw, toRelease, toSiteStorage } from './custody';

export { type Answer, call } from './http';

/**
 * A trial site's people and their calls against API processes spawned from the compiled code
 * (processes.ts): for the fault-injection specs and the benchmark.
 */

const DAY = 86_400_000;

/** What walking a patient of a protocol to Day 0 takes: its eligible screening and an in-range dose. */
const WALKS = {
  'cd19-rr-all': { eligible: eligibleCd19Screening, cellsPerKg: 7e6 },
  'NCT04546906': { eligible: eligibleCd22Screening, cellsPerKg: 1e6 },
} as const;
export type WalkedProtocol = keyof typeof WALKS;
const HOUR = 3_600_000;

let subjects = 0;

/** A site's coordinator and investigator, and the calls they make against one API process. */
export class Site {
  /** Each patient's chain-of-identity identifier, as the answers to its events showed it. */
  private readonly cois = new Map<string, string>();

  private constructor(
    readonly stack: ServiceStack,
    readonly siteId: string,
    readonly coordinator: string,
    readonly investigator: string,
    /** The investigator's user id: the witness of the bedside check. */
    readonly investigatorId: string,
  ) {}

  /** A site opened earlier on the stack's database (a benchmark's kept seed), from its users' tokens. */
  static known(stack: ServiceStack, site: Pick<Site, 'siteId' | 'coordinator' | 'investigator' | 'investigatorId'>): Site {
    return new Site(stack, site.siteId, site.coordinator, site.investigator, site.investigatorId);
  }

  static async open(stack: ServiceStack, api: ServiceProcess, siteId = 'site-f'): Promise<Site> {
    const userWithId = async (role: string) => {
      const res = await call(api.url!, 'POST', '/users', stack.adminToken, { name: `${role} of ${siteId}`, role, siteIds: [siteId] });
      if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id as string, token: res.body.token as string };
    };
    const user = async (role: string) => (await userWithId(role)).token;
    const { id: investigatorId, token: investigator } = await userWithId('investigator');
    const signing = await call(api.url!, 'POST', '/users/me/signing-password', investigator, { password: SIGNING_PASSWORD });
    if (signing.status !== 204) throw new Error(`signing password not set: ${signing.status} ${JSON.stringify(signing.body)}`);
    return new Site(stack, siteId, await user('coordinator'), investigator, investigatorId);
  }

  async register(api: ServiceProcess, protocolId: WalkedProtocol = 'cd19-rr-all'): Promise<string> {
    subjects += 1;
    const res = await call(api.url!, 'POST', '/patients', this.coordinator, {
      protocolId,
      subjectId: `${this.siteId}-F${String(subjects).padStart(4, '0')}`,
      siteId: this.siteId,
      sex: 'female',
      birthDate: '1991-07-14',
      weightKg: 70,
      heightCm: 170,
    });
    if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async record(api: ServiceProcess, patientId: string, type: string, data: Record<string, unknown>, occurredAt: Date, token = this.coordinator) {
    // A sign-off is an electronic signature: the investigator re-enters the signing password.
    const body = { type, data, occurredAt: occurredAt.toISOString(), ...signOff(type, data) };
    // At the bedside the coordinator reads the bag's chain-of-identity identifier (the patient's) and the investigator witnesses.
    const coi = type === 'INFUSION_COMPLETED' ? this.cois.get(patientId) : undefined;
    const res = await call(api.url!, 'POST', `/patients/${patientId}/events`, token, withBedsideCheck(body, coi, this.investigatorId));
    if (res.status !== 200) throw new Error(`${type} failed: ${res.status} ${JSON.stringify(res.body)}`);
    const allocated = (res.body as { patient?: { chainOfIdentity?: string | null } }).patient?.chainOfIdentity;
    if (allocated) this.cois.set(patientId, allocated);
    return res.body;
  }

  /** Registers a patient and walks it to Day 0, the infusion dated `infusedAt`; earlier steps are dated hours before. */
  async infused(api: ServiceProcess, infusedAt: Date, protocolId: WalkedProtocol = 'cd19-rr-all'): Promise<string> {
    const id = await this.register(api, protocolId);
    const { eligible, cellsPerKg } = WALKS[protocolId];
    const { screening, attestations } = eligible();
    const enrollment: Array<[string, Record<string, unknown>, string?]> = [
      ['CONSENT_SIGNED', { consentVersion: 'v1.0' }],
      ['SCREENING_DATA_RECORDED', screening as unknown as Record<string, unknown>],
      ['ELIGIBILITY_CONFIRMED', { attestations }, this.investigator],
      ['ENROLLED', {}],
    ];
    const start = infusedAt.getTime() - 10 * DAY;
    let i = 0;
    for (const [type, data, token] of enrollment) await this.record(api, id, type, data, new Date(start + i++ * HOUR), token ?? this.coordinator);
    // The chain of custody, with the identifier enrollment allocated, hours apart; the thaw minutes before the infusion.
    const coi = this.cois.get(id)!;
    const custody = [...toRelease(coi, 'LOT-F'), ...toSiteStorage(coi), ['LYMPHODEPLETION_STARTED', {}] as const, ['LYMPHODEPLETION_COMPLETED', {}] as const];
    for (const [type, data] of custody) await this.record(api, id, type, data, new Date(start + i++ * HOUR));
    const [thawType, thawData] = thaw(coi);
    await this.record(api, id, thawType, thawData, new Date(infusedAt.getTime() - 10 * 60_000));
    await this.record(api, id, 'INFUSION_COMPLETED', { cellsPerKg }, infusedAt);
    return id;
  }

  /** A lab result dated `at`; the same `i` and `at` give the same body (a retry). */
  labResult(api: ServiceProcess, patientId: string, i: number, headers: Record<string, string> = {}, at = new Date(Date.now() - 60_000).toISOString()) {
    return call(api.url!, 'POST', `/patients/${patientId}/events`, this.coordinator, labResultEvent(i, at), headers);
  }
}

/**
 * A lab result, the event lab systems post most: it changes a counter, not the size of the record.
 * Dated `at` (occurred and collected) when given, else when the API receives it (collected today);
 * the same `i` and `at` give the same body.
 */
export function labResultEvent(i: number, at?: string): { type: string; occurredAt?: string; data: Record<string, unknown> } {
  return {
    type: 'LAB_RESULT_RECORDED',
    ...(at === undefined ? {} : { occurredAt: at }),
    data: { code: 'IL6', compartment: 'PB', value: 10 + (i % 500), unit: 'pg/mL', collectedAt: at ?? new Date().toISOString().slice(0, 10) },
  };
}
