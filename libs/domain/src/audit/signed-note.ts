import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * Signed notes (C2SP signed-note, the format of Go's sumdb/note and of transparency-log
 * checkpoints): a text ending in a newline, a blank line, then signature lines
 * `— <key name> <base64(key id || Ed25519 signature of the text)>`. The key id is the first four bytes
 * of SHA-256(key name || 0x0A || 0x01 || public key), and a verifier key is written
 * `<key name>+<key id in hex>+<base64(0x01 || public key)>`. Any implementation of the format (Go's
 * golang.org/x/mod/sumdb/note among them) checks a checkpoint this engine signed.
 */

const ED25519 = 0x01;
const DASH = '\u2014 ';

export class NoteError extends Error {}

export interface NoteSigner {
  name: string;
  keyId: Buffer;
  privateKey: KeyObject;
  /** `<name>+<key id>+<base64 key>`: what a verifier is given. */
  verifierKey: string;
}

export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  publicKey: KeyObject;
  verifierKey: string;
}

/** A signer for an Ed25519 private key under a key name (an origin: no spaces, no '+'). */
export function noteSigner(name: string, privateKey: KeyObject): NoteSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new NoteError(`a note is signed with an Ed25519 key, not ${privateKey.asymmetricKeyType}`);
  checkKeyName(name);
  const raw = rawPublicKey(createPublicKey(privateKey));
  return { name, keyId: keyId(name, raw), privateKey, verifierKey: verifierKey(name, raw) };
}

export function noteVerifier(vkey: string): NoteVerifier {
  // The name holds no '+'; the base64 key may.
  const [, name, id, key] = /^([^+]+)\+([^+]*)\+(.*)$/.exec(vkey.trim()) ?? [];
  const material = Buffer.from(key ?? '', 'base64');
  if (!name || !/^[0-9a-f]{8}$/.test(id ?? '') || material.length !== 33 || material[0] !== ED25519 || material.toString('base64') !== key) {
    throw new NoteError(`not an Ed25519 verifier key (<name>+<8 hex digits>+<base64 key>): ${vkey}`);
  }
  const raw = material.subarray(1);
  if (keyId(name, raw).toString('hex') !== id) throw new NoteError(`the key id ${id} of the verifier key does not match its name and key`);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return { name, keyId: Buffer.from(id, 'hex'), publicKey, verifierKey: vkey.trim() };
}

/** The signed note of `text` (which must end in a newline and hold no blank line or control character). */
export function signNote(text: string, signer: NoteSigner): string {
  checkText(text);
  const signature = sign(null, Buffer.from(text, 'utf8'), signer.privateKey);
  return `${text}\n${DASH}${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`;
}

/** The text of a note signed by `verifier`; throws NoteError when it is malformed or not signed by that key. */
export function openNote(note: string, verifier: NoteVerifier): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('not a signed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split('\n');
  for (const line of lines) {
    if (!line.startsWith(DASH)) throw new NoteError(`not a signature line: ${line.slice(0, 80)}`);
    const [name, blob, ...rest] = line.slice(DASH.length).split(' ');
    const bytes = Buffer.from(blob ?? '', 'base64');
    if (rest.length || !name || bytes.length < 5 || bytes.toString('base64') !== blob) throw new NoteError(`malformed signature line: ${line.slice(0, 80)}`);
    if (name !== verifier.name || !bytes.subarray(0, 4).equals(verifier.keyId)) continue;
    // The first line of this key decides, as Go's note.Open does.
    if (!verify(null, Buffer.from(text, 'utf8'), verifier.publicKey, bytes.subarray(4))) throw new NoteError(`the signature of ${name} does not verify`);
    return text;
  }
  throw new NoteError(`the note is not signed by ${verifier.name}+${verifier.keyId.toString('hex')}`);
}

/** An Ed25519 private key from PEM (PKCS#8) or from base64 of its DER; throws NoteError for anything else. */
export function ed25519PrivateKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN')
      ? createPrivateKey({ key: text, format: 'pem' })
      : createPrivateKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new NoteError(`not a private key in PEM or base64 PKCS#8 (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new NoteError(`an Ed25519 key is needed, not ${key.asymmetricKeyType}`);
  return key;
}

export function rawPublicKey(publicKey: KeyObject): Buffer {
  return Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
}

function keyId(name: string, raw: Buffer): Buffer {
  return createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, ED25519]))
    .update(raw)
    .digest()
    .subarray(0, 4);
}

function verifierKey(name: string, raw: Buffer): string {
  return `${name}+${keyId(name, raw).toString('hex')}+${Buffer.concat([Buffer.from([ED25519]), raw]).toString('base64')}`;
}

function checkKeyName(name: string): void {
  if (!name || /[\s+]/u.test(name)) throw new NoteError(`a key name is not empty and holds no space or '+': ${JSON.stringify(name)}`);
}

function checkText(text: string): void {
  if (!text.endsWith('\n') || text.includes('\n\n') || text.startsWith('\n')) throw new NoteError('a note text ends in a newline and holds no blank line');
  // eslint-disable-next-line no-control-regex -- matching control characters is this check's purpose
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw new NoteError('a note text holds no control character but newlines');
}
