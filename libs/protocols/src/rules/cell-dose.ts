/** A dose level of CAR-T cells, in cells per kg of recipient weight (plain numbers: 5e6, not 5). */
export interface DoseLevel {
  level: number;
  label: string;
  minCellsPerKg: number;
  maxCellsPerKg: number;
}

export interface CellDoseCheck {
  /** cells/kg × weight kg, as a whole number of cells. */
  totalCells: number;
  /** Inside the assigned level's range, both ends included. */
  withinRange: boolean;
  /** One plain sentence per problem; empty when the dose is within range. */
  reasons: string[];
}

const MILLION = 1e6;

/** Checks an infused cell dose against the assigned dose level (an infusion outside it is refused). */
export function checkCellDose(cellsPerKg: number, weightKg: number, dose: DoseLevel): CellDoseCheck {
  if (!Number.isFinite(cellsPerKg) || cellsPerKg < 0) {
    throw new RangeError(`cell dose must be a non-negative number of cells per kg, got ${cellsPerKg}`);
  }
  if (!Number.isFinite(weightKg) || weightKg <= 0) throw new RangeError(`weight must be a positive number of kg, got ${weightKg}`);
  if (!(dose.minCellsPerKg >= 0 && dose.minCellsPerKg <= dose.maxCellsPerKg)) {
    throw new RangeError(`dose level ${dose.level} has an empty range ${dose.minCellsPerKg}–${dose.maxCellsPerKg} cells/kg`);
  }
  const totalCells = Math.round(cellsPerKg * weightKg);
  const range = `the assigned dose level ${dose.level} range of ${millions(dose.minCellsPerKg)}–${millions(dose.maxCellsPerKg)} ×10⁶/kg`;
  const reasons: string[] = [];
  if (cellsPerKg < dose.minCellsPerKg) reasons.push(`cell dose ${formatCellsPerKg(cellsPerKg)} is below ${range}`);
  if (cellsPerKg > dose.maxCellsPerKg) reasons.push(`cell dose ${formatCellsPerKg(cellsPerKg)} is above ${range}`);
  return { totalCells, withinRange: reasons.length === 0, reasons };
}

/**
 * A cell dose as sites write it: "5.0 ×10⁶/kg". One decimal at least, more (up to 3) when needed to
 * show the value exactly, so 4.99 ×10⁶/kg is not printed as a rounded 5.0.
 */
export function formatCellsPerKg(cellsPerKg: number): string {
  const inMillions = cellsPerKg / MILLION;
  let decimals = 1;
  while (decimals < 3 && Number(inMillions.toFixed(decimals)) !== inMillions) decimals += 1;
  return `${inMillions.toFixed(decimals)} ×10⁶/kg`;
}

/** A range limit in millions without padding: 5e6 → "5", 2.5e6 → "2.5". */
function millions(cellsPerKg: number): string {
  return String(Number((cellsPerKg / MILLION).toFixed(3)));
}
