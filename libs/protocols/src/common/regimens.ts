import type { LymphodepletionRegimen } from '../rules/chemotherapy-dose';

/** Fludarabine 30 mg/m² and cyclophosphamide 300 mg/m² daily on days −5 to −3 (the CD19 trial's own regimen). */
export const FLU_CY_30_300: LymphodepletionRegimen = {
  agents: [
    { agent: 'fludarabine', mgPerM2: 30, days: [-5, -4, -3] },
    { agent: 'cyclophosphamide', mgPerM2: 300, days: [-5, -4, -3] },
  ],
};
