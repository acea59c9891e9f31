import type { z } from 'zod';

/** A zod error as plain sentences naming each field: `data.cellsPerKg: expected number, received string`. */
export function zodIssues(error: z.ZodError, root?: string): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter(Boolean).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
