import { hashSigningPassword, signingPasswordMatches } from './signing';

describe('signing passwords', () => {
  it('match only the password they were made from, with a fresh salt each time', () => {
    const stored = hashSigningPassword('correct horse battery');
    expect(signingPasswordMatches('correct horse battery', stored)).toBe(true);
    expect(signingPasswordMatches('correct horse batterY', stored)).toBe(false);
    expect(hashSigningPassword('correct horse battery')).not.toBe(stored);
    expect(signingPasswordMatches('anything', null)).toBe(false);
    expect(stored).not.toContain('correct');
  });
});
