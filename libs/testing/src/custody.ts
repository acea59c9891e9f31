/**
 * The chain of custody as a site records it (README, "Chain of custody"), for the walkers of the
 * end-to-end tests, the simulator and the benchmark: each hand-off with the bag's chain-of-identity
 * identifier, the people and the place.
 */

/** Release testing that meets every default release criterion (libs/protocols/src/lifecycle/custody.ts) for any dose level of the seeds. */
export const RELEASE_RESULTS_IN_SPEC = {
  viabilityPct: 92,
  carPositivePct: 38,
  viableCarTCells: 5e9,
  sterility: 'noGrowth',
  mycoplasma: 'notDetected',
  endotoxinEuPerKg: 0.4,
} as const;

type Step = [type: string, data: Record<string, unknown>];

/** The apheresis collection that starts the chain. */
export function collection(bagId = 'APH-1'): Record<string, unknown> {
  return { bagId, volumeMl: 220, totalNucleatedCells: 1.2e10, cd3Cells: 6e9, collectedBy: 'Apheresis nurse', location: 'Site apheresis unit' };
}

/** From the collection to the start of manufacturing: collection, shipment, receipt at the manufacturing site, start. */
export function toManufacturing(coi: string, batch = 'B-1'): Step[] {
  return [
    ['LEUKAPHERESIS_COMPLETED', collection()],
    [
      'APHERESIS_SHIPPED',
      { coi, handedOverBy: 'Apheresis nurse', receivedBy: 'Courier', location: 'Site apheresis unit', courier: 'Cryo courier', shipperId: 'DS-1', temperatureLogRef: 'TL-1' },
    ],
    ['APHERESIS_RECEIVED', { coi, handedOverBy: 'Courier', receivedBy: 'Manufacturing intake', location: 'Manufacturing site', temperatureInRange: true }],
    ['MANUFACTURING_STARTED', { coi, batchId: batch, location: 'Manufacturing site' }],
  ];
}

/** The release, with results in specification. */
export function release(coi: string, lot = 'LOT-1', results: Record<string, unknown> = RELEASE_RESULTS_IN_SPEC): Step {
  return ['PRODUCT_RELEASED', { lot, coi, results }];
}

/** From the collection to the release. */
export function toRelease(coi: string, lot = 'LOT-1'): Step[] {
  return [...toManufacturing(coi), release(coi, lot)];
}

/** The product back to the site and into storage: shipment, receipt, storage. */
export function toSiteStorage(coi: string): Step[] {
  return [
    [
      'PRODUCT_SHIPPED',
      { coi, handedOverBy: 'Manufacturing release', receivedBy: 'Courier', location: 'Manufacturing site', courier: 'Cryo courier', shipperId: 'DS-2', temperatureLogRef: 'TL-2' },
    ],
    ['PRODUCT_RECEIVED', { coi, handedOverBy: 'Courier', receivedBy: 'Cell therapy lab', location: 'Site cell therapy lab', temperatureInRange: true }],
    ['PRODUCT_STORED', { coi, storedBy: 'Cell therapy lab', location: 'LN2 freezer 1, rack A' }],
  ];
}

/** The thaw at the bedside. */
export function thaw(coi: string): Step {
  return ['PRODUCT_THAWED', { coi, thawedBy: 'Cell therapy lab', location: 'Ward 7 bedside' }];
}
