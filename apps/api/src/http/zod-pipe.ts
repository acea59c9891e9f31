import { type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { InvalidInputError, zodIssues } from '#domain';

/** Validates a body or query against a zod schema; a failure is a 400 naming each wrong field. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(
    private readonly schema: T,
    private readonly what = 'request body',
  ) {}

  transform(value: unknown): z.infer<T> {
    // A request without a body reaches the pipe as undefined: validate it as an empty object.
    const parsed = this.schema.safeParse(value === undefined && this.what === 'request body' ? {} : value);
    if (!parsed.success) throw new InvalidInputError(`The ${this.what} is not valid.`, zodIssues(parsed.error));
    return parsed.data;
  }
}
