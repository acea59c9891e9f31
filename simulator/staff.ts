import { randomBytes } from 'node:crypto';
import type { ApiClient } from './api';

/** The people of one site: their bearer tokens. */
export interface SiteStaff {
  siteId: string;
  coordinator: string;
  investigator: string;
  /** The investigator's user id: the witness of the bedside check when the coordinator records an infusion. */
  investigatorId: string;
  lab: string;
}

export interface Staff {
  sites: SiteStaff[];
  /** Reads every site (the audit check). */
  monitor: string;
  /** The investigators' signing password, re-entered for every electronic signature. */
  signingPassword: string;
}

const PEOPLE = {
  coordinator: ['Carla Coordinator', 'Colin Coordinator'],
  investigator: ['Ivan Investigator', 'Ines Investigator'],
  lab: ['Lena Lab', 'Luis Lab'],
} as const;

/** Creates a coordinator, an investigator (with a signing password) and a lab user per site, and a monitor of all sites. */
export async function createStaff(api: ApiClient, adminToken: string, siteIds: string[]): Promise<Staff> {
  const signingPassword = `sign-${randomBytes(6).toString('hex')}`;
  const createUser = async (name: string, role: string, sites: string[]): Promise<{ id: string; token: string }> => {
    const res = await api.post('/users', adminToken, { name, role, siteIds: sites });
    if (res.status !== 201) throw new Error(`could not create the ${role} of ${sites.join(', ')}: HTTP ${res.status}`);
    return { id: res.body.id as string, token: res.body.token as string };
  };
  const create = async (name: string, role: string, sites: string[]): Promise<string> => (await createUser(name, role, sites)).token;
  const sites: SiteStaff[] = [];
  for (const [i, siteId] of siteIds.entries()) {
    const { id: investigatorId, token: investigator } = await createUser(`${PEOPLE.investigator[i % 2]} (${siteId})`, 'investigator', [siteId]);
    const signed = await api.post('/users/me/signing-password', investigator, { password: signingPassword });
    if (signed.status !== 204) throw new Error(`could not set the signing password of the investigator of ${siteId}: HTTP ${signed.status}`);
    sites.push({
      siteId,
      investigator,
      investigatorId,
      coordinator: await create(`${PEOPLE.coordinator[i % 2]} (${siteId})`, 'coordinator', [siteId]),
      lab: await create(`${PEOPLE.lab[i % 2]} (${siteId})`, 'lab', [siteId]),
    });
  }
  const monitor = await create('Mona Monitor', 'monitor', siteIds);
  return { sites, monitor, signingPassword };
}
