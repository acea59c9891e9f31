/**
 * Haematological toxicities (CTCAE v5.0 terms, lower case): expected after lymphodepletion and
 * outside the usual "non-haematological" DLT definition.
 */
export const HAEMATOLOGICAL_TERMS = [
  'anemia',
  'neutropenia',
  'febrile neutropenia',
  'thrombocytopenia',
  'lymphopenia',
  'neutrophil count decreased',
  'platelet count decreased',
  'white blood cell decreased',
  'lymphocyte count decreased',
];

/**
 * Prolonged cytopenia as a DLT, the definition common to CAR-T phase 1 protocols: grade ≥ 3
 * neutrophil or platelet count decreased (CTCAE v5.0) not recovered by day 28, seen on a count
 * collected in the day-28 visit's window (day 28 to day 31).
 */
export const PROLONGED_CYTOPENIA_BY_DAY_28 = {
  terms: ['neutrophil count decreased', 'platelet count decreased'],
  minGrade: 3,
  byDay: 28,
  withinDays: 3,
  description: 'grade ≥ 3 neutrophil or platelet count decreased not recovered by day 28 is dose-limiting (assumed)',
};
