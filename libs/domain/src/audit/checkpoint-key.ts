import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type CheckpointConfig, ConfigurationError } from '../config/config';
import { ed25519PrivateKey, NoteError, noteSigner, type NoteSigner, noteVerifier, type NoteVerifier } from './signed-note';

/**
 * The Ed25519 key that signs the checkpoints, read once at start from CHECKPOINT_KEY or
 * CHECKPOINT_KEY_FILE: never from the database, so whoever can write the database cannot sign.
 * When CHECKPOINT_KEY_FILE is left unset and its default file (in DATA_DIR) does not exist yet, a
 * new key is written there (mode 0600) at the first start. Its verifier key is logged at every start.
 */
@Injectable()
export class CheckpointKey {
  private readonly logger = new Logger(CheckpointKey.name);
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
  readonly publicKeyPem: string;
  /** Where the key was read from: `CHECKPOINT_KEY` or the file's path. */
  readonly source: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { key, source, generated } = readSigningKey(config.checkpoint);
    try {
      this.signer = noteSigner(config.checkpoint.origin, key);
    } catch (error) {
      throw new ConfigurationError(`Configuration error: the checkpoint key of ${source} cannot sign: ${(error as Error).message}.`);
    }
    this.verifier = noteVerifier(this.signer.verifierKey);
    this.publicKeyPem = this.verifier.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    this.source = source;
    if (generated) this.logger.warn(`Generated a checkpoint signing key at ${source}; keep a copy of it outside this machine's data.`);
    this.logger.log(`Checkpoints are signed by ${this.signer.verifierKey} (key from ${source})`);
  }
}

function readSigningKey(config: CheckpointConfig) {
  if (config.key) return { key: parse(config.key, 'CHECKPOINT_KEY'), source: 'CHECKPOINT_KEY', generated: false };
  let generated = false;
  if (!existsSync(config.keyFile)) {
    if (config.keyFileNamed) throw new ConfigurationError(`Configuration error: CHECKPOINT_KEY_FILE ${config.keyFile} does not exist.`);
    generated = generateKeyFile(config.keyFile);
  }
  let text: string;
  try {
    text = readFileSync(config.keyFile, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`Configuration error: the checkpoint key file ${config.keyFile} cannot be read (${(error as Error).message}).`);
  }
  return { key: parse(text, config.keyFile), source: config.keyFile, generated };
}

function parse(text: string, source: string) {
  try {
    return ed25519PrivateKey(text);
  } catch (error) {
    if (error instanceof NoteError) throw new ConfigurationError(`Configuration error: ${source} is not an Ed25519 private key: ${error.message}.`);
    throw error;
  }
}

/**
 * Writes a new key to `path` unless another process (an API and a worker starting together) got
 * there first: written to a file of its own, then linked into place, which fails if the name exists.
 */
function generateKeyFile(path: string): boolean {
  mkdirSync(dirname(path), { recursive: true });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const draft = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(draft, pem, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
}
