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
    expect(toBody(new Error('secret detail'))).toEqual([500, { error: 'internal', message: 'Something went wrong on our side; nothing was written.' }]);
  });
});
