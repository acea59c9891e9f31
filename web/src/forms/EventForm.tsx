import { useMemo, useState, type ReactNode } from 'react';
import { Alert, Button, Group, PasswordInput, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { IChangeEvent } from '@rjsf/core';
import { api } from '../api/client';
import type { EventAnswer, EventBody, User } from '../api/types';
import { ExplanationAlert } from '../components/Feedback';
import { explain } from '../lib/errors';
import { humanizeEvent } from '../lib/format';
import type { Explanation } from '../lib/refusal';
import { eventFormSpec, prune, type EventFormContext } from './event-schema';
import { UtcDateTimeInput } from './UtcDateTimeInput';
import { schemaValidator } from './validator';
import { EventDataForm } from './widgets';
import { mayPost, requiresSignature, signOffMeaning, takesBedsideCheck, type UserEventType } from '@protocols/policy';

type Data = Record<string, unknown>;

/** The submit button says what it does. */
const ACTIONS: Record<UserEventType, string> = {
  SCREENING_DATA_RECORDED: 'Record screening data',
  CONSENT_SIGNED: 'Record consent',
  RECONSENT_DECLINED: 'Record that re-consent was declined',
  ELIGIBILITY_CONFIRMED: 'Sign off eligibility',
  SCREEN_FAILED: 'Record screen failure',
  ENROLLED: 'Enroll',
  LEUKAPHERESIS_COMPLETED: 'Record the apheresis collection',
  APHERESIS_SHIPPED: 'Record the apheresis shipment',
  APHERESIS_RECEIVED: 'Record receipt at the manufacturing site',
  MANUFACTURING_STARTED: 'Record the start of manufacturing',
  PRODUCT_RELEASED: 'Record product release',
  REMANUFACTURE_ORDERED: 'Order the product made again',
  MANUFACTURING_FAILED: 'Record manufacturing failure',
  BRIDGING_THERAPY_GIVEN: 'Record bridging therapy',
  PRODUCT_SHIPPED: 'Record the product shipment',
  PRODUCT_RECEIVED: 'Record receipt of the product at the site',
  PRODUCT_STORED: 'Record product storage',
  ELIGIBILITY_RECONFIRMED: 'Sign off eligibility after bridging',
  LYMPHODEPLETION_STARTED: 'Start lymphodepletion',
  LYMPHODEPLETION_COMPLETED: 'Complete lymphodepletion',
  PRODUCT_THAWED: 'Record the thaw',
  INFUSION_COMPLETED: 'Record infusion',
  SECOND_INFUSION_COMPLETED: 'Record the second infusion',
  ADVERSE_EVENT_REPORTED: 'Report adverse event',
  DLT_ADJUDICATED: 'Sign off DLT adjudication',
  LAB_RESULT_RECORDED: 'Record lab result',
  LAB_TOXICITY_DISMISSED: 'Dismiss lab toxicity proposal',
  RESPONSE_ASSESSED: 'Record response assessment',
  VISIT_COMPLETED: 'Record visit',
  UNSCHEDULED_VISIT_COMPLETED: 'Record unscheduled visit',
  PROGRESSION_OR_RELAPSE: 'Record progression or relapse',
  PROTOCOL_DEVIATION_RECORDED: 'Record protocol deviation',
  LOST_TO_FOLLOW_UP: 'Record loss to follow-up',
  WITHDRAWN: 'Record withdrawal',
  DEATH: 'Record death',
};

interface EventFormProps {
  type: string;
  context: EventFormContext;
  user: User;
  onRecorded: (type: string, answer: EventAnswer) => void;
  onReload: () => void;
}

/**
 * The form of one event the patient's state accepts: fields generated from the protocol's JSON
 * Schema of the event's data, then when it happened (clinical time), a reason, and the signature
 * when the event is an electronic signature. Posted with If-Match, so a form left open while the
 * patient changed is refused rather than applied to a state it was not meant for.
 */
export function EventForm({ type, context, user, onRecorded, onReload }: EventFormProps) {
  const spec = useMemo(() => eventFormSpec(type, context), [type, context]);
  const [data, setData] = useState<Data>({});
  const [occurredAt, setOccurredAt] = useState<string | undefined>();
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const [meaning, setMeaning] = useState(signOffMeaning(type) ?? '');
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [busy, setBusy] = useState(false);
  const [witnessId, setWitnessId] = useState('');
  const [witnessPassword, setWitnessPassword] = useState('');
  const bedside = takesBedsideCheck(type);

  const signs = requiresSignature(type, (prune(data) ?? {}) as Data);

  async function submit(formData: Data | undefined) {
    const sent = (prune(formData ?? data) ?? {}) as Data;
    const body: EventBody = {
      type,
      data: sent,
      ...(occurredAt ? { occurredAt } : {}),
      ...(reason.trim() ? { reason: reason.trim() } : {}),
      ...(requiresSignature(type, sent) ? { signature: { password, meaning: meaning.trim() } } : {}),
      ...(bedside && witnessId.trim() ? { witness: { userId: witnessId.trim(), password: witnessPassword } } : {}),
    };
    setBusy(true);
    setProblem(null);
    try {
      const answer = await api.postEvent(context.patient.id, body, context.patient.version);
      setData({});
      setOccurredAt(undefined);
      setReason('');
      setPassword('');
      setWitnessPassword('');
      onRecorded(type, answer);
    } catch (error) {
      setProblem(explain(error, type));
    } finally {
      setBusy(false);
    }
  }

  const common = (
    <Stack gap="sm" mt={spec.hasFields ? 'sm' : 0}>
      <Group align="flex-start" gap="md" wrap="wrap">
        <UtcDateTimeInput
          label="When it happened"
          description="Clinical time; leave empty for now. May be earlier than entries already recorded."
          value={occurredAt}
          onChange={setOccurredAt}
          testId="occurred-at"
        />
        <TextInput
          label="Reason or note"
          description="Optional: why, for a correction or a late entry."
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          style={{ flex: 1, minWidth: 220 }}
          maxLength={500}
        />
      </Group>
      {signs && <SignatureFields type={type} data={prune(data)} user={user} password={password} meaning={meaning} onPassword={setPassword} onMeaning={setMeaning} />}
      {bedside && <WitnessFields witnessId={witnessId} password={witnessPassword} onWitnessId={setWitnessId} onPassword={setWitnessPassword} />}
      {problem && <ExplanationAlert explanation={problem} onReload={onReload} onClose={() => setProblem(null)} />}
      <Group>
        <Button type="submit" loading={busy} data-testid="submit-event">
          {ACTIONS[type as UserEventType] ?? `Record ${humanizeEvent(type).toLowerCase()}`}
        </Button>
      </Group>
    </Stack>
  );

  return (
    <div data-testid={`event-form-${type}`} data-event-type={type}>
      {spec.hasFields ? (
        <EventDataForm
          className="rjsf"
          schema={spec.schema}
          uiSchema={spec.uiSchema}
          formData={data}
          validator={schemaValidator}
          showErrorList={false}
          noHtml5Validate
          experimental_defaultFormStateBehavior={{ emptyObjectFields: 'populateRequiredDefaults', constAsDefaults: 'never' }}
          onChange={(e: IChangeEvent<Data>) => setData(e.formData ?? {})}
          onSubmit={(e: IChangeEvent<Data>) => void submit(e.formData)}
          disabled={busy}
        >
          {common}
        </EventDataForm>
      ) : (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit({});
          }}
        >
          <Text size="sm" c="dimmed">
            This event carries no data.
          </Text>
          {common}
        </form>
      )}
    </div>
  );
}

/**
 * The second person of the bedside check (README, "Chain of identity and the bedside check"): they
 * read the product bag's identifier with you and sign with their own signing password. One of you
 * is an investigator.
 */
function WitnessFields(props: { witnessId: string; password: string; onWitnessId: (id: string) => void; onPassword: (password: string) => void }) {
  return (
    <Alert color="orange" variant="light" title="Bedside check: a second person" p="sm" data-testid="bedside-witness">
      <Stack gap="xs">
        <Text size="sm">
          Scan or type the chain-of-identity identifier on the product bag above. A second person (one of you an investigator) checks it against the patient's and signs here; a bag
          that is not this patient's is refused and the site's investigators are alerted.
        </Text>
        <Group align="flex-start" gap="md" wrap="wrap">
          <TextInput
            label="Witness user id"
            value={props.witnessId}
            onChange={(e) => props.onWitnessId(e.currentTarget.value)}
            maxLength={36}
            style={{ minWidth: 320 }}
            data-testid="witness-id"
          />
          <PasswordInput
            label="Witness's signing password"
            description="Typed by the witness."
            value={props.password}
            onChange={(e) => props.onPassword(e.currentTarget.value)}
            autoComplete="off"
            style={{ minWidth: 220 }}
            data-testid="witness-password"
          />
        </Group>
      </Stack>
    </Alert>
  );
}

function SignatureFields(props: {
  type: string;
  data: unknown;
  user: User;
  password: string;
  meaning: string;
  onPassword: (v: string) => void;
  onMeaning: (v: string) => void;
}): ReactNode {
  const mayNotSign = !mayPost(props.user.role, props.type, props.data);
  return (
    <Alert color="gray" variant="light" title="Electronic signature" p="sm">
      <Stack gap="xs">
        <Text size="sm">{humanizeEvent(props.type)} is an investigator's sign-off. Your name, the time and the meaning below are sealed into the record.</Text>
        {mayNotSign && (
          <Text size="sm" c="red.8">
            Only an investigator may sign this; as a {props.user.role} the server will refuse it.
          </Text>
        )}
        <Group align="flex-start" gap="md" wrap="wrap">
          <PasswordInput
            label="Signing password"
            description="Your signing password, not your access token."
            value={props.password}
            onChange={(e) => props.onPassword(e.currentTarget.value)}
            required
            w={260}
            autoComplete="off"
            data-testid="signing-password"
          />
          <Textarea
            label="Meaning of this signature"
            value={props.meaning}
            onChange={(e) => props.onMeaning(e.currentTarget.value)}
            required
            autosize
            minRows={1}
            style={{ flex: 1, minWidth: 260 }}
          />
        </Group>
      </Stack>
    </Alert>
  );
}
