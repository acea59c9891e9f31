import { ackOf, hl7Timestamp, MllpClient } from '#domain';
import { LAB_TESTS } from '#protocols';
import { isOk, type ApiAnswer, type ApiClient, type ApiStats, type ExpectedRefusal } from './api';

/** The coding system a site's own codes go under in OBX-3 (HL7 table 0396: `L`, local). */
const LOCAL_SYSTEM = 'L';

/** A lab result as the simulator draws it. */
export interface SimulatedResult {
  siteId: string;
  subjectId: string;
  code: string;
  value: number;
  unit: string;
  collectedAt: string;
}

/** What the lab's messages became, for the report. */
export interface Hl7Report {
  port: number;
  messages: number;
  /** AA: recorded. */
  accepted: number;
  /** AE: held in the site's integration inbox, by reason. */
  held: Record<string, number>;
  /** AR or no ACK: refused whole. */
  refused: number;
}

/**
 * The sites' laboratory information system with `--hl7`: each lab result the simulated patients
 * have goes to the engine as an HL7 v2.5.1 `ORU^R01` over MLLP (README, "Lab systems: HL7 v2 and
 * FHIR in"), coded in LOINC where the catalogue has a LOINC code and in the site's local code
 * otherwise (mapped by the admin before the first message), with the unit in UCUM. The ACK says what
 * became of it: AA recorded, AE held in the integration inbox (with the reason), AR refused.
 */
export class SimulatedLab {
  readonly report: Hl7Report;
  private sequence = 0;

  private constructor(
    private readonly client: MllpClient,
    private readonly stats: ApiStats,
    port: number,
  ) {
    this.report = { port, messages: 0, accepted: 0, held: {}, refused: 0 };
  }

  /** Maps each site's local codes for the tests LOINC has no code for, and connects to the listener. */
  static async open(api: ApiClient, adminToken: string, siteIds: string[], port: number): Promise<SimulatedLab> {
    for (const siteId of siteIds) {
      for (const [labCode, test] of Object.entries(LAB_TESTS)) {
        if (test.loinc) continue;
        const mapped = await api.post('/integrations/code-mappings', adminToken, { siteId, codeSystem: LOCAL_SYSTEM, code: test.sdtm.testCode, labCode });
        if (!isOk(mapped)) throw new Error(`could not map ${test.sdtm.testCode} to ${labCode} at ${siteId}`);
      }
    }
    return new SimulatedLab(await MllpClient.open(port), api.stats, port);
  }

  /**
   * Sends one result; the answer is shaped as the API's would be, so the patient's step treats a
   * result held in the inbox as the refusal it is (`expected` says which refusals the step is ready for).
   */
  async send(result: SimulatedResult, expected: ExpectedRefusal[]): Promise<ApiAnswer> {
    const test = LAB_TESTS[result.code];
    const controlId = `SIM${(++this.sequence).toString().padStart(8, '0')}`;
    const loinc = test?.loinc;
    const code = loinc ? `${loinc.code}^${loinc.display}^LN` : `${test?.sdtm.testCode ?? result.code}^${test?.name ?? result.code}^${LOCAL_SYSTEM}`;
    const unit = test && test.units.includes(result.unit) ? test.ucum : result.unit;
    const at = hl7Timestamp(result.collectedAt);
    const message = [
      `MSH|^~\\&|SIM-LIS|${result.siteId}|CART|ENGINE|${at}||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
      `PID|1||${result.subjectId}^^^${result.siteId}^PI`,
      `OBR|1||${controlId}|${code}|||${at}`,
      `OBX|1|NM|${code}||${result.value}|${unit}^^UCUM|||||F|||${at}`,
    ].join('\r');
    this.report.messages += 1;
    let ack: ReturnType<typeof ackOf>;
    try {
      ack = ackOf(await this.client.send(message));
    } catch (error) {
      this.report.refused += 1;
      this.stats.errors.push({ method: 'MLLP', path: 'ORU^R01', status: null, event: 'LAB_RESULT_RECORDED', message: String(error) });
      return { status: 0, body: undefined };
    }
    if (ack.code === 'AA') {
      this.report.accepted += 1;
      this.stats.eventsPosted += 1;
      this.stats.eventsByType.set('LAB_RESULT_RECORDED', (this.stats.eventsByType.get('LAB_RESULT_RECORDED') ?? 0) + 1);
      return { status: 200, body: {} };
    }
    if (ack.code === 'AE') {
      // Held in the inbox: the reason follows "held in the integration inbox: ".
      const reason = ack.text.replace(/^.*?held in the integration inbox: /, '');
      this.report.held[reason] = (this.report.held[reason] ?? 0) + 1;
      const body = { error: 'refused', message: ack.text, reasons: [reason] };
      if (expected.some((e) => e.status === 422 && (e.reason === undefined || e.reason.test(ack.text)))) {
        const key = '422 held in the integration inbox LAB_RESULT_RECORDED';
        this.stats.refusals.set(key, (this.stats.refusals.get(key) ?? 0) + 1);
        return { status: 422, body, refusal: key };
      }
      this.stats.errors.push({ method: 'MLLP', path: 'ORU^R01', status: 422, event: 'LAB_RESULT_RECORDED', message: ack.text });
      return { status: 422, body };
    }
    this.report.refused += 1;
    this.stats.errors.push({ method: 'MLLP', path: 'ORU^R01', status: 400, event: 'LAB_RESULT_RECORDED', message: `${ack.code}: ${ack.text} ${ack.errors.join(' ')}` });
    return { status: 400, body: { error: 'refused', message: ack.text } };
  }

  close(): void {
    this.client.close();
  }
}
