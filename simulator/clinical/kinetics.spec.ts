import { checkCellDose, findProtocol } from '#protocols';
import { Random } from '../random';
import { cellDoseWithin } from './dose';
import { CAR_COPIES_LLOQ, carCopiesAt, carCopiesIn, drawKinetics } from './kinetics';

describe('CAR-T kinetics', () => {
  it('peaks at Tmax (day 4–14) and declines after it, never below the limit of quantification', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const k = drawKinetics(Random.seeded(seed), { responder: seed % 2 === 0, intensity: 0.5 });
      const days = Array.from({ length: 200 }, (_, i) => i / 2);
      const values = days.map((d) => carCopiesAt(k, d));
      const peakDay = days[values.indexOf(Math.max(...values))];
      expect(peakDay).toBe(k.tmax);
      expect(k.tmax).toBeGreaterThanOrEqual(4);
      expect(k.tmax).toBeLessThanOrEqual(14);
      expect(carCopiesAt(k, 60)).toBeLessThan(carCopiesAt(k, 28));
      expect(Math.min(...values.slice(1))).toBeGreaterThanOrEqual(CAR_COPIES_LLOQ);
      expect(carCopiesIn(k, 'BM', 28)).toBeLessThanOrEqual(carCopiesAt(k, 28));
    }
  });
});

describe('cell dose', () => {
  it.each(['NCT03754764', 'cd19-rr-all', 'NCT04546906', 'cd20-cd22'])('is inside the assigned dose level of %s', (id) => {
    for (const level of findProtocol(id)!.spec.doseLevels) {
      for (let seed = 1; seed <= 50; seed++) {
        expect(checkCellDose(cellDoseWithin(Random.seeded(seed), level), 70, level).withinRange).toBe(true);
      }
    }
  });
});
