import { z } from 'zod';

/** `GET /health`: 200 when the database and Redis answer, 503 otherwise. */
export const healthSchema = z.strictObject({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['up', 'down']),
  redis: z.enum(['up', 'down']),
  databaseType: z.string(),
});
