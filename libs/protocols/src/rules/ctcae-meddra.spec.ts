import { CTCAE_V5_MEDDRA_CODES, ctcaeMeddraTerm } from './ctcae-meddra';
import { CTCAE_V5_TERM_LIST, ctcaeTerm } from './ctcae-terms';

describe('CTCAE v5.0 MedDRA codes', () => {
  it('codes every term of the CTCAE table the engine keeps, except the two CTCAE v5.0 does not list', () => {
    const uncoded = CTCAE_V5_TERM_LIST.filter(({ term }) => !ctcaeMeddraTerm(term)).map(({ term }) => term);
    expect(uncoded).toEqual(['Aphasia', 'Cerebral edema']);
    for (const term of Object.keys(CTCAE_V5_MEDDRA_CODES)) expect(ctcaeTerm(term)?.term).toBe(term);
  });

  it('gives each term an eight-digit MedDRA code, no two terms the same code', () => {
    const codes = Object.values(CTCAE_V5_MEDDRA_CODES);
    for (const code of codes) expect(code).toMatch(/^100\d{5}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('gives the codes CTCAE v5.0 prints for the toxicities of CAR-T cells and lymphodepletion', () => {
    expect(ctcaeMeddraTerm('Cytokine release syndrome')).toEqual({ term: 'Cytokine release syndrome', code: '10052015', soc: 'Immune system disorders' });
    expect(ctcaeMeddraTerm('neutrophil  count decreased')).toEqual({ term: 'Neutrophil count decreased', code: '10029366', soc: 'Investigations' });
    expect(ctcaeMeddraTerm('Platelet count decreased')?.code).toBe('10035528');
    expect(ctcaeMeddraTerm('Anemia')?.code).toBe('10002272');
    expect(ctcaeMeddraTerm('Febrile neutropenia')?.code).toBe('10016288');
    expect(ctcaeMeddraTerm('Alanine aminotransferase increased')?.code).toBe('10001551');
    expect(ctcaeMeddraTerm('Encephalopathy')?.code).toBe('10014625');
  });

  it('never guesses a code for a term CTCAE v5.0 does not list', () => {
    expect(ctcaeMeddraTerm('Immune effector cell-associated neurotoxicity syndrome')).toBeUndefined();
    expect(ctcaeMeddraTerm('Neutropenia')).toBeUndefined();
    expect(ctcaeMeddraTerm('Thrombocytopenia')).toBeUndefined();
    expect(ctcaeMeddraTerm('Cerebral edema')).toBeUndefined();
    expect(ctcaeMeddraTerm('constructor')).toBeUndefined();
    expect(ctcaeMeddraTerm('')).toBeUndefined();
  });
});
