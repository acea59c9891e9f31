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
