import { hashSigningPassword, signingPasswordMatches } from './signing';

describe('signing passwords', () => {
  it('match only the password they were made from, with a fresh salt each time', async () => {
    const stored = await hashSigningPassword('correct horse battery');
    expect(await signingPasswordMatches('correct horse battery', stored)).toBe(true);
    expect(await signingPasswordMatches('correct horse batterY', stored)).toBe(false);
    expect(await hashSigningPassword('correct horse battery')).not.toBe(stored);
    expect(await signingPasswordMatches('anything', null)).toBe(false);
    expect(stored).not.toContain('correct');
  });
});
