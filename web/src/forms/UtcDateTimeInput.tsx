import { TextInput } from '@mantine/core';
import type { ReactNode } from 'react';
import { isoToUtcInput, utcInputToIso } from './utc-input';

/** A date and time typed in UTC (the clock the engine keeps); its value is an ISO instant or undefined. */
export function UtcDateTimeInput(props: {
  id?: string;
  label: ReactNode;
  description?: ReactNode;
  value: string | undefined;
  onChange: (iso: string | undefined) => void;
  required?: boolean;
  error?: ReactNode;
  disabled?: boolean;
  testId?: string;
}) {
  return (
    <TextInput
      id={props.id}
      type="datetime-local"
      label={
        <>
          {props.label} <span style={{ fontWeight: 400, color: 'var(--mantine-color-dimmed)' }}>(UTC)</span>
        </>
      }
      description={props.description}
      value={isoToUtcInput(props.value)}
      onChange={(e) => props.onChange(utcInputToIso(e.currentTarget.value))}
      required={props.required}
      error={props.error}
      disabled={props.disabled}
      data-testid={props.testId}
      w={260}
    />
  );
}
