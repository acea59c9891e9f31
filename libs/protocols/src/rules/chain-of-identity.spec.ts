import fc from 'fast-check';
import {
  chainOfIdentityId,
  chainOfIdentityProblems,
  COI_LENGTH,
  coiSerialOf,
  formatChainOfIdentityId,
  mod37_2CheckCharacter,
  normalizeChainOfIdentityId,
} from './chain-of-identity';

const PATIENT = '3f1c2a7e-9b4d-4e21-8c55-0d6b7a9e1f20';
const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('ISO/IEC 7064 MOD 37-2 check character', () => {
  it('gives H for the Red Book worked example G123 498 654 321 (check value 17)', () => {
    expect(mod37_2CheckCharacter('G123498654321')).toBe('H');
  });

  it('gives C for the ISBT 128 DIN ABCDE27000069 of a published implementation', () => {
    expect(mod37_2CheckCharacter('ABCDE27000069')).toBe('C');
  });

  it('gives the ends of its range: 0 for check value 0, * for check value 36', () => {
    // J (19) × 2 = 38 ≡ 1; (38 − 1) mod 37 = 0.
    expect(mod37_2CheckCharacter('J')).toBe('0');
    // All zeros weigh 0; (38 − 0) mod 37 = 1.
    expect(mod37_2CheckCharacter('0000')).toBe('1');
    // 1 weighted by 2 is 2; (38 − 2) mod 37 = 36, written *.
    expect(mod37_2CheckCharacter('1')).toBe('*');
    // Z (35) × 2 = 70 ≡ 33; 38 − 33 = 5.
    expect(mod37_2CheckCharacter('Z')).toBe('5');
  });

  it('refuses an empty string and a character outside 0–9 A–Z', () => {
    expect(() => mod37_2CheckCharacter('')).toThrow(RangeError);
    expect(() => mod37_2CheckCharacter('A1b')).toThrow('"b" is not a digit or a capital letter');
    expect(() => mod37_2CheckCharacter('A*')).toThrow('"*"');
  });

  it('detects every single substituted character and every swap of two neighbours', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CHARS.split('')), { minLength: 2, maxLength: 17 }), fc.nat(), fc.integer({ min: 1, max: 35 }), (chars, at, shift) => {
        const data = chars.join('');
        const check = mod37_2CheckCharacter(data);
        const i = at % data.length;
        const replaced = CHARS[(CHARS.indexOf(data[i]) + shift) % 36];
        const substituted = data.slice(0, i) + replaced + data.slice(i + 1);
        expect(mod37_2CheckCharacter(substituted)).not.toBe(check);
        const j = Math.min(i, data.length - 2);
        if (data[j] !== data[j + 1]) {
          const swapped = data.slice(0, j) + data[j + 1] + data[j] + data.slice(j + 2);
          expect(mod37_2CheckCharacter(swapped)).not.toBe(check);
        }
      }),
    );
  });
});

describe('chain-of-identity identifier', () => {
  it('is the FIN, the year, ten serial characters and the check character', () => {
    const coi = chainOfIdentityId('A9999', '2026-12-04T10:00:00Z', PATIENT);
    expect(coi).toHaveLength(COI_LENGTH);
    expect(coi.slice(0, 7)).toBe('A999926');
    expect(coi.slice(7, 17)).toBe(coiSerialOf(PATIENT));
    expect(coi.slice(-1)).toBe(mod37_2CheckCharacter(coi.slice(0, -1)));
    expect(chainOfIdentityProblems(coi)).toEqual([]);
  });

  it('takes the year in UTC, and pads a year that ends in 0x', () => {
    expect(chainOfIdentityId('A9999', '2026-12-31T23:30:00-02:00', PATIENT).slice(5, 7)).toBe('27');
    expect(chainOfIdentityId('A9999', '2105-01-01T00:00:00Z', PATIENT).slice(5, 7)).toBe('05');
  });

  it('is the same for the same patient and differs between patients', () => {
    const other = '3f1c2a7e-9b4d-4e21-8c55-0d6b7a9e1f21';
    expect(chainOfIdentityId('A9999', '2026-01-01T00:00:00Z', PATIENT)).toBe(chainOfIdentityId('A9999', '2026-06-01T00:00:00Z', PATIENT));
    expect(coiSerialOf(other)).not.toBe(coiSerialOf(PATIENT));
  });

  it('pads a small serial with zeros', () => {
    expect(coiSerialOf('00000000-0000-0000-0000-000000000023')).toBe('000000000Z');
  });

  it('refuses a FIN that is not one, and a patient id that is not a UUID', () => {
    for (const fin of ['O1234', 'A123', 'A12345', 'a1234', '11234', 'AB234']) {
      expect(() => chainOfIdentityId(fin, '2026-01-01T00:00:00Z', PATIENT)).toThrow(`FIN ${fin}`);
    }
    expect(() => coiSerialOf('P-0001')).toThrow('not a UUID');
  });

  describe('given back', () => {
    const coi = chainOfIdentityId('W1234', '2026-03-01T00:00:00Z', PATIENT);

    it('accepts it printed in groups or typed in lower case', () => {
      expect(chainOfIdentityProblems(formatChainOfIdentityId(coi))).toEqual([]);
      expect(chainOfIdentityProblems(coi.toLowerCase())).toEqual([]);
      expect(normalizeChainOfIdentityId(formatChainOfIdentityId(coi))).toBe(coi);
    });

    it('refuses each wrong check character, naming the one it expected', () => {
      const right = coi.slice(-1);
      for (const wrong of `${CHARS}*`.split('').filter((c) => c !== right)) {
        const given = coi.slice(0, -1) + wrong;
        expect(chainOfIdentityProblems(given, 'bedsideCheck.bagCoi')).toEqual([
          `bedsideCheck.bagCoi ${given} has check character ${wrong}, but its characters give ${right}: a character was misread or mistyped`,
        ]);
      }
    });

    it('refuses a character changed anywhere in the body', () => {
      for (let i = 7; i < COI_LENGTH - 1; i += 1) {
        const changed = coi.slice(0, i) + (coi[i] === '0' ? '1' : '0') + coi.slice(i + 1);
        expect(chainOfIdentityProblems(changed)[0]).toContain('has check character');
      }
    });

    it('refuses one character too few or too many, and characters out of place', () => {
      expect(chainOfIdentityProblems(coi.slice(0, -1))).toEqual([`chain-of-identity identifier ${coi.slice(0, -1)} has 17 characters; a chain-of-identity identifier has 18`]);
      expect(chainOfIdentityProblems(`${coi}0`)[0]).toContain('has 19 characters');
      expect(chainOfIdentityProblems('')[0]).toContain('has 0 characters');
      expect(chainOfIdentityProblems(`O${coi.slice(1)}`)[0]).toContain('is not a chain-of-identity identifier');
      expect(chainOfIdentityProblems(`${coi.slice(0, 5)}2X${coi.slice(7)}`)[0]).toContain('is not a chain-of-identity identifier');
      expect(chainOfIdentityProblems(`${coi.slice(0, 9)}-${coi.slice(10)}`)[0]).toContain('is not a chain-of-identity identifier');
    });
  });
});
