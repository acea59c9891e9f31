import { Text } from '@mantine/core';
import { api } from '../../api/client';
import type { LogEntry, Patient, User } from '../../api/types';
import { DeviationList } from '../../components/DeviationList';
import { Section } from '../../components/Section';
import { splitProtocol } from '../../api/cache';
import { useResource } from '../../lib/use-resource';

/** The roles that read deviations (GET /trials/{protocolId}/deviations). */
const READERS = ['coordinator', 'investigator', 'monitor', 'admin'];

/**
 * The patient's protocol deviations (README, "Protocol deviations"): those the engine finds in the
 * record (a visit outside its window or missed, a late DLT, a break of the chain of custody) and
 * those the site recorded with PROTOCOL_DEVIATION_RECORDED. Read again after every new log entry.
 */
export function PatientDeviations({ patient, events, user }: { patient: Patient; events: LogEntry[]; user: User }) {
  const [protocolId] = splitProtocol(patient.protocol);
  const deviations = useResource(() => api.deviations(protocolId, { patientId: patient.id }), `${patient.id}:${events.length}`);
  if (!READERS.includes(user.role)) return null;
  const items = deviations.data?.deviations ?? [];
  const major = items.filter((d) => d.severity === 'major').length;
  return (
    <Section
      title="Protocol deviations"
      description={
        items.length
          ? `${items.length} on this patient, ${major} major. Others are recorded with “Record protocol deviation”.`
          : 'Found by the engine, or recorded by the site with “Record protocol deviation”.'
      }
      testId="patient-deviations"
    >
      {deviations.error !== undefined && <Text c="red">The deviations could not be read.</Text>}
      {deviations.data && <DeviationList deviations={items} empty="No protocol deviation on this patient." />}
    </Section>
  );
}
