import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { Group, Text } from '@mantine/core';
import type { DoseLevel, Patient } from '../../api/types';
import { NoData } from '../../components/Feedback';
import { formatDate, formatLevel } from '../../lib/format';
import { AXIS, DLT_RED, GRID, MUTED } from './chart-style';

interface TreatedPatient {
  order: number;
  subjectId: string;
  level: number;
  infusedAt: string;
  dlt: boolean;
}

/** Infused patients in infusion order with their dose level and whether they had a DLT. */
function treatedInOrder(patients: Patient[]): TreatedPatient[] {
  return patients
    .filter((p) => p.record.infusion && p.doseLevel !== null)
    .sort((a, b) => a.record.infusion!.infusedAt.localeCompare(b.record.infusion!.infusedAt))
    .map((p, i) => ({ order: i + 1, subjectId: p.subjectId, level: p.doseLevel!, infusedAt: p.record.infusion!.infusedAt, dlt: p.record.dlts.length > 0 }));
}

/** The dose-escalation history: one mark per infused patient (x: infusion order, y: dose level), DLTs in red. */
export function EscalationChart({ patients, levels, mtd }: { patients: Patient[]; levels: DoseLevel[]; mtd: number | null }) {
  const treated = treatedInOrder(patients);
  if (!treated.length) return <NoData>No patient has been infused yet.</NoData>;
  const maxLevel = Math.max(...levels.map((l) => l.level), ...treated.map((t) => t.level));
  const labels = new Map(levels.map((l) => [l.level, l.label]));
  return (
    <div data-testid="escalation-chart">
      <div style={{ width: '100%', height: 240 }}>
        <ResponsiveContainer>
          <ScatterChart margin={{ top: 12, right: 16, bottom: 20, left: 8 }}>
            <CartesianGrid stroke={GRID} />
            <XAxis
              type="number"
              dataKey="order"
              domain={[0, treated.length + 1]}
              allowDecimals={false}
              tickCount={Math.min(treated.length + 2, 14)}
              tick={AXIS}
              stroke={AXIS.stroke}
              label={{ value: 'patients in infusion order', position: 'insideBottom', offset: -10, fontSize: 11, fill: MUTED }}
            />
            <YAxis
              type="number"
              dataKey="level"
              domain={[0.5, maxLevel + 0.5]}
              ticks={levels.map((l) => l.level)}
              tickFormatter={formatLevel}
              tick={AXIS}
              stroke={AXIS.stroke}
              width={36}
            />
            <Tooltip
              cursor={false}
              content={({ payload }) => {
                const p = payload?.[0]?.payload as TreatedPatient | undefined;
                if (!p) return null;
                return (
                  <div style={{ background: 'white', border: '1px solid #dee2e6', padding: '6px 8px', fontSize: 12 }}>
                    <b>{p.subjectId}</b> · #{p.order}
                    <br />
                    Level {p.level} ({labels.get(p.level) ?? ''}) · infused {formatDate(p.infusedAt)}
                    <br />
                    {p.dlt ? <span style={{ color: DLT_RED }}>dose-limiting toxicity</span> : 'no DLT'}
                  </div>
                );
              }}
            />
            {mtd !== null && <ReferenceLine y={mtd} stroke={MUTED} strokeDasharray="5 4" label={{ value: 'MTD', position: 'right', fontSize: 11, fill: '#495057' }} />}
            <Scatter name="No DLT" data={treated.filter((t) => !t.dlt)} fill="#1c7ed6" shape="circle" isAnimationActive={false} />
            <Scatter name="DLT" data={treated.filter((t) => t.dlt)} fill={DLT_RED} shape="cross" isAnimationActive={false} className="dlt-marks" />
          </ScatterChart>
        </ResponsiveContainer>
      </div>
      <Group gap="lg" justify="center">
        <LegendMark color="#1c7ed6" label="no DLT" />
        <LegendMark color={DLT_RED} label="dose-limiting toxicity" cross />
        {mtd !== null && (
          <Text size="xs" c="dimmed">
            dashed line: MTD (level {mtd})
          </Text>
        )}
      </Group>
    </div>
  );
}

function LegendMark({ color, label, cross = false }: { color: string; label: string; cross?: boolean }) {
  return (
    <Group gap={4}>
      <svg width="12" height="12" aria-hidden="true">
        {cross ? <path d="M4 0h4v4h4v4H8v4H4V8H0V4h4z" fill={color} /> : <circle cx="6" cy="6" r="5" fill={color} />}
      </svg>
      <Text size="xs">{label}</Text>
    </Group>
  );
}
