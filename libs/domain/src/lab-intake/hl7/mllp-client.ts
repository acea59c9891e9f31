import { connect, type Socket } from 'node:net';

const START_BLOCK = 0x0b;
const END_BLOCK = 0x1c;
const CARRIAGE_RETURN = 0x0d;

/**
 * A lab system's end of an MLLP connection: a raw TCP socket that frames each message
 * (0x0B … 0x1C 0x0D) and waits for the ACK framed the same way. The listener answers a connection's
 * messages in order, so several may be in flight at once. Used by the tests, the simulator's
 * `--hl7` and the benchmark.
 */
export class MllpClient {
  private buffer = Buffer.alloc(0);
  private waiting: Array<(ack: string) => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (data) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      for (;;) {
        const start = this.buffer.indexOf(START_BLOCK);
        const end = this.buffer.indexOf(Buffer.from([END_BLOCK, CARRIAGE_RETURN]));
        if (start < 0 || end < 0) return;
        const ack = this.buffer.subarray(start + 1, end).toString('utf8');
        this.buffer = this.buffer.subarray(end + 2);
        this.waiting.shift()?.(ack);
      }
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<MllpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new MllpClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one message (text, or bytes as they are) and resolves with its ACK. */
  send(message: string | Buffer, timeoutMs = 20_000): Promise<string> {
    const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ACK within the time allowed')), timeoutMs);
      this.waiting.push((ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      this.socket.write(Buffer.concat([Buffer.from([START_BLOCK]), body, Buffer.from([END_BLOCK, CARRIAGE_RETURN])]));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** MSA-1 and MSA-3 of an ACK. */
export function ackOf(ack: string): { code: string; controlId: string; text: string; errors: string[] } {
  const segments = ack.split('\r');
  const msa = (segments.find((s) => s.startsWith('MSA|')) ?? '').split('|');
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', text: unescape(msa[3] ?? ''), errors: segments.filter((s) => s.startsWith('ERR|')).map(unescape) };
}

/** HL7's escapes of its delimiters, undone. */
function unescape(text: string): string {
  return text.replace(/\\F\\/g, '|').replace(/\\S\\/g, '^').replace(/\\R\\/g, '~').replace(/\\T\\/g, '&').replace(/\\E\\/g, '\\');
}
