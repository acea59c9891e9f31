import { createServer, type Server, type Socket } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { Hl7Intake, mllpSender } from './hl7-intake';

/** MLLP framing (HL7 v2.5.1 appendix C): a message is sent as 0x0B, the message, 0x1C 0x0D. */
const START_BLOCK = 0x0b;
const END_BLOCK = 0x1c;
const CARRIAGE_RETURN = 0x0d;

/**
 * The HL7 v2 MLLP listener on a TCP port (HL7_MLLP_PORT; none when unset). Each connection's
 * messages are taken one at a time and each answered with its ACK, in order. A frame larger than
 * HL7_MAX_MESSAGE_BYTES is not buffered past the limit: its first bytes are kept and it is refused
 * (AR) when its end arrives. Bytes between frames are ignored. A message that fails in the
 * engine (the database unreachable) is answered AE "not recorded, send it again", and nothing of it
 * was written.
 *
 * Framing is written here rather than taken from @medplum/hl7: its connection buffers a frame
 * without a bound, and parses inside the framer, so an unparseable message never reaches the
 * application to be recorded and answered AR.
 */
@Injectable()
export class MllpListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MllpListener');
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly intake: Hl7Intake,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'hl7'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { mllpPort, mllpHost } = this.config.hl7;
    if (mllpPort === undefined) return;
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(mllpPort, mllpHost, () => resolve());
    });
    this.logger.log(`HL7 v2 MLLP listener on ${mllpHost}:${this.port}`);
  }

  /** The port it listens on (the one the OS chose, for HL7_MLLP_PORT=0). */
  get port(): number | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (error) => this.logger.warn(`MLLP connection ${socket.remoteAddress}: ${error.message}`));
    const sender = mllpSender(this.config.hl7.mllpSites);
    const limit = this.config.hl7.maxMessageBytes;
    let chunks: Buffer[] = [];
    let kept = 0;
    let size = 0;
    let inFrame = false;
    let pendingEnd = false;
    let queue = Promise.resolve();
    const take = (message: Buffer, wholeSize: number) => {
      queue = queue.then(async () => {
        const answer = await this.intake.receive('hl7-mllp', message, sender, wholeSize).then(
          ({ ack }) => ack,
          (error: unknown) => {
            this.logger.error(`HL7 message not recorded: ${(error as Error).message}`);
            return 'MSH|^~\\&|CART|ENGINE|||||ACK|ERROR|P|2.5.1\rMSA|AE||the message was not recorded (the engine failed); send it again';
          },
        );
        if (!socket.destroyed) socket.write(Buffer.concat([Buffer.from([START_BLOCK]), Buffer.from(answer, 'utf8'), Buffer.from([END_BLOCK, CARRIAGE_RETURN])]));
      });
    };
    socket.on('data', (data: Buffer) => {
      let from = 0;
      for (let i = 0; i < data.length; i++) {
        const byte = data[i];
        if (!inFrame) {
          if (byte === START_BLOCK) {
            inFrame = true;
            chunks = [];
            kept = 0;
            size = 0;
            pendingEnd = false;
            from = i + 1;
          }
          continue;
        }
        if (pendingEnd) {
          pendingEnd = false;
          if (byte === CARRIAGE_RETURN) {
            inFrame = false;
            take(Buffer.concat(chunks), size);
            continue;
          }
          // A 0x1C inside the message: it was content.
          size += 1;
          if (kept < limit) {
            chunks.push(Buffer.from([END_BLOCK]));
            kept += 1;
          }
        }
        if (byte === END_BLOCK) {
          const part = data.subarray(from, i);
          size += part.length;
          if (kept < limit) {
            chunks.push(part.subarray(0, limit - kept));
            kept += Math.min(part.length, limit - kept);
          }
          pendingEnd = true;
          from = i + 1;
        }
      }
      if (inFrame && !pendingEnd) {
        const part = data.subarray(from);
        size += part.length;
        if (kept < limit) {
          chunks.push(part.subarray(0, limit - kept));
          kept += Math.min(part.length, limit - kept);
        }
      }
    });
  }
}
