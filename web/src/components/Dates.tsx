import { Text, Tooltip } from '@mantine/core';
import { formatDate, formatDateTime, formatRecorded } from '../lib/format';

/** A clinical date or time: when something happened (or is due). */
export function ClinicalDate({ iso, withTime = false }: { iso: string | null | undefined; withTime?: boolean }) {
  if (!iso) return <>—</>;
  return (
    <Tooltip label={`${formatDateTime(iso)} (clinical time)`} openDelay={400}>
      <time dateTime={iso} className="nowrap">
        {withTime ? formatDateTime(iso) : formatDate(iso)}
      </time>
    </Tooltip>
  );
}

/** A recorded time: when the server wrote the entry; shown small and grey beside the clinical time. */
export function RecordedTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return null;
  return (
    <Text component="span" className="recorded">
      <time dateTime={iso}>{formatRecorded(iso)}</time>
    </Text>
  );
}
