import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';

/**
 * The append-only checkpoint file (CHECKPOINT_FILE): one JSON line per checkpoint, each written
 * whole and flushed to disk before the checkpoint counts. Beside it, `<file>.webhook` holds the
 * number of the last checkpoint the webhook took.
 */
@Injectable()
export class CheckpointFile {
  readonly path: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.path = config.checkpoint.file;
  }

  /** The whole file ('' before the first checkpoint). */
  read(): string {
    return existsSync(this.path) ? readFileSync(this.path, 'utf8') : '';
  }

  append(line: string): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a', 0o644);
    try {
      writeSync(fd, `${line}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  delivered(): number {
    const marker = `${this.path}.webhook`;
    return existsSync(marker) ? Number(readFileSync(marker, 'utf8').trim()) || 0 : 0;
  }

  markDelivered(checkpoint: number): void {
    writeFileSync(`${this.path}.webhook`, `${checkpoint}\n`);
  }
}
