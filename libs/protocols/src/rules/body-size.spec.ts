import { BODY_SIZE_BOUNDS, bodyMassIndex, bodySizeProblem, heightCmSchema, weightKgSchema } from './body-size';

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

  it('names the bound when it refuses', () => {
    const parsed = weightKgSchema.safeParse(1e-300);
    expect(parsed.success || parsed.error.issues[0].message).toBe('a weight is at least 2 kg (a newborn at term)');
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

  it('keeps every height and weight pair inside the bounds dosable: a positive, finite BSA', () => {
    const { heightCm, weightKg } = BODY_SIZE_BOUNDS;
    for (const h of [heightCm.min, heightCm.max]) for (const w of [weightKg.min, weightKg.max]) expect(Math.sqrt((h * w) / 3600)).toBeGreaterThan(0.1);
  });
});
