import { BODY_SIZE_BOUNDS, bodyMassIndex, bodySizePairProblem, bodySizeProblem, heightCmSchema, weightKgSchema } from './body-size';

describe('body size bounds', () => {
  it.each([
    [39.9, false],
    [40, true],
    [170, true],
    [272, true],
    [272.1, false],
    [1, false],
  ])('a height of %p cm is accepted: %p', (cm, ok) => {
    expect(heightCmSchema.safeParse(cm).success).toBe(ok);
  });

  it.each([
    [1.99, false],
    [2, true],
    [70, true],
    [635, true],
    [635.1, false],
    [0.5, false],
    [1e-300, false],
  ])('a weight of %p kg is accepted: %p', (kg, ok) => {
    expect(weightKgSchema.safeParse(kg).success).toBe(ok);
  });

  const refusal = (schema: typeof heightCmSchema, value: number) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? undefined : parsed.error.issues.map((issue) => issue.message);
  };

  it('names the bound when it refuses, on each side of each value', () => {
    expect(refusal(weightKgSchema, 1e-300)).toEqual(['a weight is at least 2 kg (a newborn at term)']);
    expect(refusal(weightKgSchema, 700)).toEqual(['a weight is at most 635 kg (the heaviest person on record)']);
    expect(refusal(heightCmSchema, 1)).toEqual(['a height is at least 40 cm (a newborn at term)']);
    expect(refusal(heightCmSchema, 300)).toEqual(['a height is at most 272 cm (the tallest person on record)']);
  });

  it('computes the body mass index', () => {
    expect(bodyMassIndex(200, 80)).toBe(20);
  });

  it('accepts a newborn, an adult and the heaviest person on record', () => {
    expect(bodySizeProblem(45, 2.2)).toBeUndefined(); // BMI 10.9
    expect(bodySizeProblem(170, 70)).toBeUndefined();
    expect(bodySizeProblem(185, 635)).toBeUndefined(); // BMI 185.5
  });

  it('refuses a height and weight that cannot be one person, on either side', () => {
    expect(bodySizeProblem(170, 0.5)).toMatch(/body mass index of 0\.2 kg\/m², below 6/);
    // BMI exactly 6 and 200 are inside
    expect(bodySizeProblem(100, 6)).toBeUndefined();
    expect(bodySizeProblem(100, 200)).toBeUndefined();
    expect(bodySizeProblem(100, 5.99)).toMatch(/below 6/);
    expect(bodySizeProblem(100, 200.01)).toMatch(/above 200/);
    expect(bodySizeProblem(40, 600)).toMatch(/above 200/);
  });

  it('names the weight, the height, the index and the side in one sentence', () => {
    expect(bodySizeProblem(170, 0.5)).toBe('0.5 kg at 170 cm is a body mass index of 0.2 kg/m², below 6: no person has that build');
    expect(bodySizeProblem(40, 600)).toBe('600 kg at 40 cm is a body mass index of 3750.0 kg/m², above 200: no person has that build');
  });

  it('leaves a value that is not a usable number to its own schema', () => {
    for (const [h, w] of [
      ['170', 0.5],
      [170, '0.5'],
      [undefined, 0.5],
      [0, 0.5],
      [-170, 0.5],
      [Number.NaN, 0.5],
      [170, Number.NaN],
      [170, Number.POSITIVE_INFINITY],
    ] as const) {
      expect(bodySizeProblem(h, w)).toBeUndefined();
    }
    // a height that is a number above 0 is used as it is, however small
    expect(bodySizeProblem(0.001, 70)).toMatch(/above 200/);
    expect(bodySizeProblem(170, -1)).toMatch(/below 6/);
  });

  it('checks the pair only once each value is inside its own bounds', () => {
    expect(bodySizePairProblem(170, 0.5)).toBeUndefined(); // the weight's schema refuses it
    expect(bodySizePairProblem(1, 70)).toBeUndefined(); // the height's schema refuses it
    expect(bodySizePairProblem(undefined, 70)).toBeUndefined();
    expect(bodySizePairProblem(170, undefined)).toBeUndefined();
    expect(bodySizePairProblem(170, 70)).toBeUndefined();
    expect(bodySizePairProblem(40, 600)).toBe('600 kg at 40 cm is a body mass index of 3750.0 kg/m², above 200: no person has that build');
    expect(bodySizePairProblem(272, 2)).toMatch(/^2 kg at 272 cm is a body mass index of 0\.3 kg\/m², below 6/);
  });

  it('keeps every height and weight pair inside the bounds dosable: a positive, finite BSA', () => {
    const { heightCm, weightKg } = BODY_SIZE_BOUNDS;
    for (const h of [heightCm.min, heightCm.max]) for (const w of [weightKg.min, weightKg.max]) expect(Math.sqrt((h * w) / 3600)).toBeGreaterThan(0.1);
  });
});
