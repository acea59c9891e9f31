import { setup } from 'xstate';
import { mermaidDiagram } from './diagram';
import { findProtocol } from '../registry';

describe('mermaidDiagram', () => {
  it('draws states, initial and final markers, parallel regions and labelled transitions', () => {
    const machine = setup({ guards: { ready: () => true } }).createMachine({
      id: 'm',
      initial: 'a',
      on: { STOP: '.stopped' },
      states: {
        a: { on: { GO: { target: 'b', guard: 'ready' }, NOTE: { actions: [] } } },
        b: { type: 'parallel', states: { left: { initial: 'l1', states: { l1: {} } }, right: { initial: 'r1', states: { r1: {} } } } },
        stopped: { type: 'final' },
      },
    });
    expect(mermaidDiagram(machine)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> a',
        '  state "a" as a',
        '  state "b" as b {',
        '    state "left" as b_left {',
        '      [*] --> b_left_l1',
        '      state "l1" as b_left_l1',
        '    }',
        '    --',
        '    state "right" as b_right {',
        '      [*] --> b_right_r1',
        '      state "r1" as b_right_r1',
        '    }',
        '  }',
        '  state "stopped" as stopped',
        '  stopped --> [*]',
        '  a --> stopped : STOP',
        '  b --> stopped : STOP',
        '  a --> b : GO [ready]',
        '',
      ].join('\n'),
    );
  });

  it('draws the CD19 lifecycle from its machine, exits included', () => {
    const diagram = mermaidDiagram(findProtocol('cd19-rr-all')!.machine);
    expect(diagram).toContain('screening --> eligible : ELIGIBILITY_CONFIRMED');
    expect(diagram).toContain('postInfusion_course_dltWindow --> postInfusion_course_responseAssessment : DLT_WINDOW_CLOSED');
    expect(diagram).toContain('postInfusion --> completed : FOLLOW_UP_ENDED');
    // Withdrawal and death are taken from any state on study: drawn once each, not from every state.
    expect(diagram).toContain('anyState --> withdrawn : WITHDRAWN');
    expect(diagram).toContain('anyState --> died : DEATH');
    expect(diagram).not.toMatch(/^ {2}(manufacturing|postInfusion) --> (withdrawn|died) :/m);
    expect(diagram.match(/ : DEATH$/gm)).toHaveLength(1);
    // The off-study states end the course, though they still take late entries (which draw no edge).
    for (const state of ['withdrawn', 'died', 'lostToFollowUp', 'completed', 'screenFailed', 'manufacturingFailed']) expect(diagram).toContain(`  ${state} --> [*]`);
    expect(diagram).not.toMatch(/withdrawn --> withdrawn|ADVERSE_EVENT_REPORTED/);
    expect(diagram).not.toContain('SCREENING_DATA_RECORDED');
  });
});
