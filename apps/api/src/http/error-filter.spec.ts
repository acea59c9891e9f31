import { QueryFailedError } from 'typeorm';
import { loggable, toBody } from './error-filter';

describe('error filter', () => {
  it('logs a database error without its parameters (patient data)', () => {
    const error = new QueryFailedError('INSERT INTO patients …', ['1991-07-14', '{"birthDate":"1991-07-14"}'], new Error('boom'));
    const logged = JSON.stringify(loggable(error));
    expect(logged).not.toContain('1991-07-14');
    expect(logged).toContain('QueryFailedError');
  });

  it('answers an unexpected error with a plain 500 and no detail', () => {
    const [status, body] = toBody(new Error('secret detail'), 1024);
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'internal', message: expect.stringMatching(/Retry with the same Idempotency-Key/) });
    expect(JSON.stringify(body)).not.toContain('secret detail');
  });
});
