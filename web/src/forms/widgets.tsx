import { Group, NativeSelect, Text } from '@mantine/core';
import { withTheme } from '@rjsf/core';
import { deepEquals, type RJSFSchema, type TitleFieldProps, type WidgetProps } from '@rjsf/utils';
// The Mantine theme's parts, not its index: that one also brings every date widget (@mantine/dates, dayjs),
// and the forms' clinical times use the UTC input below instead.
import { generateTemplates } from '@rjsf/mantine/lib/templates/index.js';
import CheckboxesWidget from '@rjsf/mantine/lib/widgets/CheckboxesWidget.js';
import CheckboxWidget from '@rjsf/mantine/lib/widgets/CheckboxWidget.js';
import RadioWidget from '@rjsf/mantine/lib/widgets/RadioWidget.js';
import TextareaWidget from '@rjsf/mantine/lib/widgets/TextareaWidget.js';
import { UtcDateTimeInput } from './UtcDateTimeInput';

/** rjsf widget for clinical times (onset, collected, resolved): a UTC date-time input. */
function ClinicalDateTimeWidget(props: WidgetProps) {
  return (
    <UtcDateTimeInput
      id={props.id}
      label={props.label}
      description={props.schema.description}
      value={typeof props.value === 'string' ? props.value : undefined}
      onChange={(iso) => props.onChange(iso)}
      required={props.required}
      disabled={props.disabled || props.readonly}
      error={props.rawErrors?.length ? props.rawErrors.join(' ') : undefined}
    />
  );
}

/**
 * A single choice (visit, compartment, oxygen support …) as a native select: the same for mouse,
 * keyboard and screen readers, and it cannot lose a pick to a closing dropdown.
 */
function NativeSelectWidget(props: WidgetProps) {
  const options = props.options.enumOptions ?? [];
  const selected = options.findIndex((o) => deepEquals(o.value, props.value));
  return (
    <NativeSelect
      id={props.id}
      label={props.label}
      description={props.schema.description}
      required={props.required}
      disabled={props.disabled || props.readonly}
      error={props.rawErrors?.length ? props.rawErrors.join(' ') : undefined}
      data={[{ value: '', label: props.placeholder || 'Choose…' }, ...options.map((o, i) => ({ value: String(i), label: o.label }))]}
      value={selected >= 0 ? String(selected) : ''}
      onChange={(e) => {
        const v = e.currentTarget.value;
        props.onChange(v === '' ? props.options.emptyValue : options[Number(v)]?.value);
      }}
      onBlur={() => props.onBlur(props.id, props.value)}
      onFocus={() => props.onFocus(props.id, props.value)}
    />
  );
}

/** A group's title (CRS findings, Labs …) at the size of a field label, with its add/remove control. */
function GroupTitle({ id, title, optionalDataControl }: TitleFieldProps) {
  if (!title && !optionalDataControl) return null;
  return (
    <Group justify="space-between" wrap="nowrap" mt={4}>
      <Text id={id} fw={600} size="sm">
        {title}
      </Text>
      {optionalDataControl}
    </Group>
  );
}

/**
 * The event forms: rjsf with Mantine's templates and the widgets the protocols' schemas meet (yes/no,
 * a set of statements, long text, a choice, a clinical time). Text and numbers go through Mantine's
 * input template.
 */
export const EventDataForm = withTheme<Record<string, unknown>, RJSFSchema>({
  templates: { ...generateTemplates<Record<string, unknown>, RJSFSchema>(), TitleFieldTemplate: GroupTitle },
  widgets: {
    CheckboxWidget,
    CheckboxesWidget,
    RadioWidget,
    TextareaWidget,
    SelectWidget: NativeSelectWidget,
    clinicalDateTime: ClinicalDateTimeWidget,
  },
});
