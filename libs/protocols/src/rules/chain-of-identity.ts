/**
 * The chain-of-identity (CoI) identifier of an autologous CAR-T product: one identifier, the same
 * on the apheresis bag and on the product bag, that ties the product to the one patient it is made
 * for.
 *
 * Source: ICCBBA, *ISBT 128 Standard Chain of Identity (CoI) Identifier* (ST-028, v1.0.0, December
 * 2022; Data Structure 040, data element ChainOfIdentityIdentifier) and its implementation guide
 * (IG-050, 2023). What those documents say publicly: the identifier is globally unique because it
 * begins with the issuing organisation's ISBT 128 Facility Identification Number (FIN), it is
 * allocated before or at the first collection, and the same identifier links every donation of one
 * therapy. The full layout of Data Structure 040 is in the licensed standard, not in public text;
 * what this file assumes beyond it is listed in docs/clinical.md, section "Chain of identity", and
 * ADR 0017:
 *
 *   FIN (5: a letter A–N or P–Z, then 4 digits, as in a DIN's FIN)
 *   + year of allocation (2 digits)
 *   + serial (10 characters, 0–9 A–Z)
 *   + check character (ISO/IEC 7064 MOD 37-2, over the 17 characters before it).
 *
 * The check character is computed as for every ISBT 128 identifier (ICCBBA ST-001, and the UK
 * Red Book, annex 2 "ISBT 128 check character calculation"): each character's value (0–9 → 0–9,
 * A–Z → 10–35, * → 36) weighted by 2ⁿ, n its position from the right; the sum mod 37 taken from 38,
 * mod 37, is the check value, written as the character of that value. Red Book worked example:
 * donation number G123 498 654 321 → check value 17, character H.
 */

/** ISO/IEC 7064 MOD 37-2 characters, in the order of their values 0–36. */
const MOD37_2 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*';

/** An ISBT 128 FIN as it stands in a DIN: a letter (not O, which reads as zero) and four digits. */
export const FIN_PATTERN = /^[A-NP-Z][0-9]{4}$/;
export const COI_SERIAL_LENGTH = 10;
/** FIN, year, serial, check character. */
export const COI_LENGTH = 5 + 2 + COI_SERIAL_LENGTH + 1;
const COI_PATTERN = new RegExp(`^[A-NP-Z][0-9]{4}[0-9]{2}[0-9A-Z]{${COI_SERIAL_LENGTH}}[0-9A-Z*]$`);

/** The ISO/IEC 7064 MOD 37-2 check character of `data` (digits and capital letters only). */
export function mod37_2CheckCharacter(data: string): string {
  if (data.length === 0) throw new RangeError('the data to check must have at least one character');
  let sum = 0;
  for (const character of data) {
    const value = MOD37_2.indexOf(character);
    if (value < 0 || value > 35) throw new RangeError(`"${character}" is not a digit or a capital letter A–Z`);
    // Horner's form of Σ value × 2ⁿ (n from the right, starting at 1), reduced mod 37 as it goes.
    sum = ((sum + value) * 2) % 37;
  }
  return MOD37_2[(38 - sum) % 37];
}

/** The serial of a CoI: 10 base-36 characters from the patient's random id (a UUID), left-padded with zeros. */
export function coiSerialOf(patientId: string): string {
  const hex = patientId.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`patient id ${patientId} is not a UUID`);
  const serial = BigInt(`0x${hex}`) % 36n ** BigInt(COI_SERIAL_LENGTH);
  return serial.toString(36).toUpperCase().padStart(COI_SERIAL_LENGTH, '0');
}

/** Allocates the CoI of a patient enrolled at `at` (ISO 8601) by the facility `fin`. */
export function chainOfIdentityId(fin: string, at: string, patientId: string): string {
  if (!FIN_PATTERN.test(fin)) throw new RangeError(`FIN ${fin} is not an ISBT 128 FIN (a letter A–N or P–Z and four digits)`);
  const year = new Date(at).getUTCFullYear();
  if (!Number.isFinite(year)) throw new RangeError(`${at} is not a date-time`);
  const body = `${fin}${String(year % 100).padStart(2, '0')}${coiSerialOf(patientId)}`;
  return `${body}${mod37_2CheckCharacter(body)}`;
}

/**
 * What is wrong with a CoI as given back (scanned or typed): its length, its characters, its
 * check character; empty when it is well formed. Spaces and a lower-case letter are forgiven (a
 * label prints it in groups; someone types it), nothing else.
 */
export function chainOfIdentityProblems(given: string, field = 'chain-of-identity identifier'): string[] {
  const coi = normalizeChainOfIdentityId(given);
  if (coi.length !== COI_LENGTH) return [`${field} ${given} has ${coi.length} characters; a chain-of-identity identifier has ${COI_LENGTH}`];
  if (!COI_PATTERN.test(coi)) {
    return [
      `${field} ${given} is not a chain-of-identity identifier: a FIN (a letter A–N or P–Z and four digits), two digits of year, ${COI_SERIAL_LENGTH} digits or capital letters and a check character`,
    ];
  }
  const expected = mod37_2CheckCharacter(coi.slice(0, -1));
  const check = coi.slice(-1);
  if (check !== expected) return [`${field} ${given} has check character ${check}, but its characters give ${expected}: a character was misread or mistyped`];
  return [];
}

/** A CoI as stored: spaces removed, capitals. */
export function normalizeChainOfIdentityId(given: string): string {
  return given.replace(/\s+/g, '').toUpperCase();
}

/** A CoI as printed for the eye: FIN, year, serial in two groups, check character. */
export function formatChainOfIdentityId(coi: string): string {
  return `${coi.slice(0, 5)} ${coi.slice(5, 7)} ${coi.slice(7, 12)} ${coi.slice(12, 17)} ${coi.slice(17)}`;
}
