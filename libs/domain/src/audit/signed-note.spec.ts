import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { ed25519PrivateKey, noteSigner, noteVerifier, openNote, signNote } from './signed-note';

// The example of golang.org/x/mod/sumdb/note (note.go and note_test.go): its signer key is 0x01 || the Ed25519 seed.
const GO_SIGNER = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function goSigner() {
  const seed = Buffer.from(GO_SIGNER.split('+').slice(4).join('+'), 'base64').subarray(1);
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return noteSigner('PeterNeumann', createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
}

describe('signed notes', () => {
  it("signs Go's sumdb/note example byte for byte, with its verifier key", () => {
    const signer = goSigner();
    expect(signer.verifierKey).toBe(GO_VERIFIER);
    expect(signNote(GO_TEXT, signer)).toBe(GO_NOTE);
  });

  it("opens Go's example note, and refuses it changed, under another key or name", () => {
    expect(openNote(GO_NOTE, noteVerifier(GO_VERIFIER))).toBe(GO_TEXT);
    expect(() => openNote(GO_NOTE.replace('cryptography', 'cryptographY'), noteVerifier(GO_VERIFIER))).toThrow('does not verify');
    const other = noteSigner('PeterNeumann', generateKeyPairSync('ed25519').privateKey);
    expect(() => openNote(GO_NOTE, noteVerifier(other.verifierKey))).toThrow('is not signed by PeterNeumann+');
    expect(() => openNote(GO_NOTE.replace('\u2014 PeterNeumann', '\u2014 Peter'), noteVerifier(GO_VERIFIER))).toThrow('is not signed by');
  });

  it('refuses malformed verifier keys and texts', () => {
    expect(() => noteVerifier(GO_VERIFIER.replace('c74f20a3', 'c74f20a4'))).toThrow('does not match');
    expect(() => noteVerifier('PeterNeumann+c74f20a3')).toThrow('not an Ed25519 verifier key');
    expect(() => signNote('no newline', goSigner())).toThrow('ends in a newline');
    expect(() => signNote('a\n\nb\n', goSigner())).toThrow('no blank line');
    expect(() => signNote('a\u0000\n', goSigner())).toThrow('no control character');
    expect(() => noteSigner('two words', generateKeyPairSync('ed25519').privateKey)).toThrow('no space');
  });

  it('reads an Ed25519 private key from PEM or base64 DER, and nothing else', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const der = (privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64');
    expect(noteSigner('x', ed25519PrivateKey(pem)).verifierKey).toBe(noteSigner('x', ed25519PrivateKey(der)).verifierKey);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(() => ed25519PrivateKey(rsa)).toThrow('an Ed25519 key is needed, not rsa');
    expect(() => ed25519PrivateKey('not a key')).toThrow('not a private key');
  });
});
