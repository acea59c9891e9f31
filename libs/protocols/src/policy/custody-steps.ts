/**
 * The steps of a CAR-T product's chain of custody (docs/clinical.md, section "Chain of custody"):
 * pure data, read by the engine's rules (rules/custody.ts) and bundled into the console.
 */

/** The steps of the chain, in order: the event that records each, what it is called, and the steps it may follow. */
export const CUSTODY_STEPS = [
  { step: 'collected', event: 'LEUKAPHERESIS_COMPLETED', label: 'apheresis collection', after: [] },
  { step: 'shippedToManufacturing', event: 'APHERESIS_SHIPPED', label: 'shipment of the apheresis product', after: ['collected'] },
  { step: 'receivedAtManufacturing', event: 'APHERESIS_RECEIVED', label: 'receipt at the manufacturing site', after: ['shippedToManufacturing'] },
  { step: 'manufacturingStarted', event: 'MANUFACTURING_STARTED', label: 'start of manufacturing', after: ['receivedAtManufacturing'] },
  { step: 'released', event: 'PRODUCT_RELEASED', label: 'release of the product', after: ['manufacturingStarted'] },
  { step: 'shippedToSite', event: 'PRODUCT_SHIPPED', label: 'shipment of the product to the site', after: ['released'] },
  { step: 'receivedAtSite', event: 'PRODUCT_RECEIVED', label: 'receipt of the product at the site', after: ['shippedToSite'] },
  // A site may keep the product in the shipper it came in until the thaw: storage is a step it may skip.
  { step: 'stored', event: 'PRODUCT_STORED', label: 'storage of the product at the site', after: ['receivedAtSite'] },
  // After an infusion only where the protocol allows a second one (its second bag).
  { step: 'thawed', event: 'PRODUCT_THAWED', label: 'thaw of the product', after: ['receivedAtSite', 'stored', 'infused'] },
  { step: 'infused', event: 'INFUSION_COMPLETED', label: 'infusion', after: ['thawed'] },
] as const;
