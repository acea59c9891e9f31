import { useState } from 'react';
import { Badge, Button, Group, Paper, Select, Stack, Text, Textarea } from '@mantine/core';
import { api } from '../../api/client';
import type { DataQuery, LogEntry, Patient, User } from '../../api/types';
import { ExplanationAlert, NoData } from '../../components/Feedback';
import { Section } from '../../components/Section';
import { explain } from '../../lib/errors';
import { formatDateTime, humanizeEvent } from '../../lib/format';
import type { Explanation } from '../../lib/refusal';
import { useResource } from '../../lib/use-resource';

const RAISERS = ['monitor', 'investigator', 'admin'];
const ANSWERERS = ['coordinator', 'investigator', 'admin'];
const STATUS_COLOR = { open: 'orange', answered: 'blue', closed: 'gray' } as const;
const TURN = { question: 'asked', reply: 'replied', correction: 'corrected', close: 'closed', reopen: 'sent it back' } as const;

/** The fields a query may name in an entry: `occurredAt`, `reason` when it has one, and every leaf of its data as a dotted path. */
function fieldsOf(entry: LogEntry): string[] {
  const paths: string[] = ['occurredAt', ...(entry.reason ? ['reason'] : [])];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    } else if (path) paths.push(path);
  };
  walk(entry.data, '');
  return paths;
}

/**
 * The patient's data queries (README, "Data queries"): a monitor or an investigator asks about one
 * entry of the log or one field of it; a coordinator or an investigator answers with a reply or a
 * correcting entry (a later entry with a reason); the raiser closes the query or sends it back.
 */
export function DataQueries({ patient, events, user }: { patient: Patient; events: LogEntry[]; user: User }) {
  // A patient has few queries: each is read whole, with its exchange.
  const queries = useResource(async () => Promise.all((await api.queries({ patientId: patient.id })).items.map((q) => api.query(q.id))), `${patient.id}:${events.length}`);
  const items = queries.data ?? [];
  const mayRaise = RAISERS.includes(user.role);
  const open = items.filter((q) => q.status !== 'closed').length;
  if (!items.length && !mayRaise) return null;
  return (
    <Section title="Data queries" description={items.length ? `${items.length} on this patient, ${open} not closed.` : 'No query on this patient.'} testId="data-queries">
      {queries.error !== undefined && <Text c="red">The queries could not be read.</Text>}
      <Stack gap="sm">
        {items.map((q) => (
          <QueryCard key={q.id} query={q} events={events} user={user} onChanged={queries.reload} />
        ))}
        {!items.length && queries.error === undefined && <NoData>No questions asked about this record.</NoData>}
        {mayRaise && <RaiseForm patient={patient} events={events} onRaised={queries.reload} />}
      </Stack>
    </Section>
  );
}

function useAction(onDone: () => Promise<void> | void) {
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [busy, setBusy] = useState(false);
  async function act(work: () => Promise<unknown>, after?: () => void) {
    setBusy(true);
    setProblem(null);
    try {
      await work();
      after?.();
      await onDone();
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }
  return { problem, setProblem, busy, act };
}

function RaiseForm({ patient, events, onRaised }: { patient: Patient; events: LogEntry[]; onRaised: () => Promise<void> | void }) {
  const [seq, setSeq] = useState<string | null>(null);
  const [field, setField] = useState<string | null>(null);
  const [question, setQuestion] = useState('');
  const { problem, setProblem, busy, act } = useAction(onRaised);
  const entry = events.find((e) => String(e.seq) === seq);
  return (
    <Paper withBorder p="sm" data-testid="raise-query">
      <Stack gap="xs">
        <Text fw={600} size="sm">
          Ask the site about an entry
        </Text>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <Select
            label="Entry"
            placeholder="Choose an entry"
            data={[...events].reverse().map((e) => ({ value: String(e.seq), label: `#${e.seq} ${humanizeEvent(e.type)}` }))}
            value={seq}
            onChange={(value) => {
              setSeq(value);
              setField(null);
            }}
            searchable
            w={280}
            data-testid="query-entry"
          />
          <Select
            label="Field (optional)"
            placeholder="The whole entry"
            data={entry ? fieldsOf(entry) : []}
            value={field}
            onChange={setField}
            disabled={!entry}
            clearable
            searchable
            w={260}
            data-testid="query-field"
          />
        </Group>
        <Textarea label="Question" autosize minRows={2} value={question} onChange={(e) => setQuestion(e.currentTarget.value)} data-testid="query-question" />
        <Group>
          <Button
            size="sm"
            loading={busy}
            disabled={!entry || !question.trim()}
            onClick={() =>
              void act(
                () => api.raiseQuery(patient.id, { seq: entry!.seq, ...(field ? { field } : {}), question: question.trim() }),
                () => {
                  setSeq(null);
                  setField(null);
                  setQuestion('');
                },
              )
            }
            data-testid="query-raise"
          >
            Raise the query
          </Button>
        </Group>
        {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
      </Stack>
    </Paper>
  );
}

function QueryCard({ query, events, user, onChanged }: { query: DataQuery; events: LogEntry[]; user: User; onChanged: () => Promise<void> | void }) {
  const [text, setText] = useState('');
  const [correction, setCorrection] = useState<string | null>(null);
  const { problem, setProblem, busy, act } = useAction(async () => {
    setText('');
    setCorrection(null);
    await onChanged();
  });
  const entry = events.find((e) => e.seq === query.seq);
  // A correction is a later entry that gives a reason (README, "Data queries").
  const corrections = events.filter((e) => e.seq > query.seq && e.reason && e.recordedAt >= query.raisedAt);
  const mayAnswer = ANSWERERS.includes(user.role) && query.status !== 'closed';
  const mayClose = RAISERS.includes(user.role) && query.status !== 'closed';
  const maySendBack = RAISERS.includes(user.role) && query.status !== 'open';
  return (
    <Paper withBorder p="sm" data-testid="query-card" data-status={query.status} data-seq={query.seq}>
      <Stack gap={6}>
        <Group gap="xs" wrap="wrap">
          <Badge color={STATUS_COLOR[query.status]} variant="light" data-testid="query-status">
            {query.status}
          </Badge>
          <Text size="sm" fw={600}>
            Entry #{query.seq} {entry ? humanizeEvent(entry.type) : ''}
            {query.field ? ` · ${query.field}` : ''}
          </Text>
          <Text size="xs" c="dimmed">
            raised {formatDateTime(query.raisedAt)} · {query.ageDays === 1 ? '1 day' : `${query.ageDays} days`} {query.status === 'closed' ? 'to close' : 'open'}
          </Text>
        </Group>
        {query.messages?.map((m, i) => (
          <Text key={i} size="sm" style={{ whiteSpace: 'pre-wrap' }} data-testid="query-message">
            <Text span fw={600}>
              {m.authorName} ({m.authorRole}) {TURN[m.kind]}
            </Text>
            <Text span c="dimmed" size="xs">
              {' '}
              {formatDateTime(m.at)}
            </Text>
            {m.correctionSeq !== null && ` — by entry #${m.correctionSeq}`}
            {m.text && `: ${m.text}`}
          </Text>
        ))}
        {(mayAnswer || mayClose || maySendBack) && (
          <Stack gap={6}>
            <Textarea
              placeholder={mayAnswer ? 'Your reply' : 'A note (required to send it back)'}
              autosize
              minRows={1}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              data-testid="query-text"
            />
            <Group gap="sm" wrap="wrap" align="flex-end">
              {mayAnswer && (
                <>
                  <Select
                    placeholder={corrections.length ? 'Corrected by entry…' : 'No later entry with a reason'}
                    data={corrections.map((e) => ({ value: String(e.seq), label: `#${e.seq} ${humanizeEvent(e.type)}: ${e.reason}` }))}
                    value={correction}
                    onChange={setCorrection}
                    disabled={!corrections.length}
                    clearable
                    w={300}
                    data-testid="query-correction"
                  />
                  <Button
                    size="xs"
                    loading={busy}
                    disabled={!text.trim() && !correction}
                    onClick={() =>
                      void act(() => api.answerQuery(query.id, { ...(text.trim() ? { text: text.trim() } : {}), ...(correction ? { correctionSeq: Number(correction) } : {}) }))
                    }
                    data-testid="query-answer"
                  >
                    Answer
                  </Button>
                </>
              )}
              {mayClose && (
                <Button
                  size="xs"
                  variant="default"
                  loading={busy}
                  onClick={() => void act(() => api.closeQuery(query.id, text.trim() ? { text: text.trim() } : {}))}
                  data-testid="query-close"
                >
                  Close
                </Button>
              )}
              {maySendBack && (
                <Button
                  size="xs"
                  variant="default"
                  loading={busy}
                  disabled={!text.trim()}
                  onClick={() => void act(() => api.reopenQuery(query.id, { text: text.trim() }))}
                  data-testid="query-reopen"
                >
                  Send back to the site
                </Button>
              )}
            </Group>
          </Stack>
        )}
        {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
      </Stack>
    </Paper>
  );
}
