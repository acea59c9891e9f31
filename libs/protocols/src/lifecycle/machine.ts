import { assign, cancel, enqueueActions, raise, setup } from 'xstate';
import type { ClinicalEvent } from '../events';
import type { PatientContext, PatientInput } from './context';
import type { LifecycleSpec } from './spec';
import * as record from './record';
import * as labToxicity from './lab-toxicity';
import * as custody from './custody';
import { visitWindow } from './schedule';
import { addDays, msUntil } from './clinical-time';
import { followUpTimers, timerIds } from './timers';

/** A protocol action the engine turns into an outbox row (a reminder, an alert). */
export interface Notification {
  kind:
    | 'visit-reminder'
    | 'visit-window-closing'
    | 'visit-missed'
    | 'dlt-window-ending'
    | 'dlt-window-closed'
    | 'dose-limiting-toxicity'
    | 'severe-adverse-event'
    | 'lab-toxicity-proposed'
    | 'death'
    | 'withdrawal'
    | 'secondary-malignancy'
    | 'apheresis-stability-exceeded'
    | 'post-thaw-limit-exceeded'
    | 'product-out-of-specification'
    | 'remanufacture-ordered';
  message: string;
  visit?: string;
}

// Machine events carry data of the event's own schema, validated before the machine sees it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one machine takes every event type, each with its own data; guards and actions read the fields of theirs
type MachineEvent = ClinicalEvent<any>;

/**
 * The tag of every state a patient is off study in: screen failure, manufacturing failure,
 * withdrawal, death, loss to follow-up, follow-up completed. The patient's `status` (`offStudy`) and
 * "leaving cancels every pending timer" follow the tag, not XState's `done`: the off-study states
 * after an infusion still accept data about the time on study entered late (ADR 0005).
 */
export const OFF_STUDY = 'offStudy';

/**
 * What a patient who left the study after its infusion still accepts: data about its time on study,
 * entered late (README, "Late data and revised escalation decisions"). Each is recorded as it would
 * have been on study; none schedules or cancels a timer. Dated no later than the day the patient
 * left (the protocol's refusals); a patient never infused has no such time and accepts none.
 */
export const LATE_ENTRY_EVENT_TYPES = [
  'ADVERSE_EVENT_REPORTED',
  'DLT_ADJUDICATED',
  'LAB_RESULT_RECORDED',
  'LAB_TOXICITY_DISMISSED',
  'PROTOCOL_DEVIATION_RECORDED',
  'RESPONSE_ASSESSED',
  'UNSCHEDULED_VISIT_COMPLETED',
  'VISIT_COMPLETED',
] as const;

export { timerIds } from './timers';

/**
 * The common CAR-T lifecycle (docs/design.md, section "Protocols"), built from a protocol's declarative spec:
 * screening → eligibility → enrollment → leukapheresis / manufacturing → lymphodepletion →
 * infusion (Day 0) → DLT window → response assessment → follow-up → off study, with the exits
 * for screen failure, manufacturing failure, withdrawal, death and loss to follow-up, and safety
 * monitoring and the visit schedule running in parallel from infusion on.
 *
 * The machine never reads a clock: every delay is the distance from the current event's
 * `occurredAt` to a moment fixed by the record (Day 0 plus an offset).
 */
export function buildLifecycleMachine(spec: LifecycleSpec) {
  const infusedAt = (context: PatientContext) => context.infusion!.infusedAt;
  const visitTimers = spec.schedule.flatMap((v) => [timerIds.visitReminder(v.name), timerIds.visitClosing(v.name), timerIds.visitMissed(v.name)]);
  const closingNoticeDays = spec.closingNoticeDays ?? 1;
  const dltEndingNoticeDays = spec.dltEndingNoticeDays ?? 2;
  const windowOf = (visit: (typeof spec.schedule)[number], context: PatientContext) => visitWindow(visit, infusedAt(context), spec.reminderLeadDays, closingNoticeDays);
  const notify = (build: (args: { context: PatientContext; event: MachineEvent }) => Notification) => ({
    type: 'notify' as const,
    params: build,
  });

  const closeDltWindow = [
    assign<PatientContext, MachineEvent, undefined, MachineEvent, never>(({ context, event }) => ({
      dltWindow: { ...context.dltWindow!, closedAt: event.occurredAt },
    })),
    notify(({ context }) => ({
      kind: 'dlt-window-closed',
      message:
        context.dlts.length === 0
          ? `The ${spec.dlt.windowDays}-day DLT window closed with no dose-limiting toxicity`
          : `The ${spec.dlt.windowDays}-day DLT window closed with ${context.dlts.length} dose-limiting toxicit${context.dlts.length === 1 ? 'y' : 'ies'}`,
    })),
  ];

  const lifecycle = setup({
    types: {} as { context: PatientContext; events: MachineEvent; input: PatientInput },
    actions: {
      // Performed by the engine, which writes an outbox row for it in the event's transaction.
      notify: (_args, _notification: Notification) => undefined,
      recordVisitCompleted: assign(({ context, event }) => {
        const visit = spec.schedule.find((v) => v.name === event.data.visit)!;
        const window = windowOf(visit, context);
        const outOfWindow = event.occurredAt < window.windowStart || event.occurredAt > window.windowEnd;
        return record.recordVisit(context, visit.name, {
          status: 'done',
          completedAt: event.occurredAt,
          ...(outOfWindow ? { outOfWindow } : {}),
          ...(event.data.findings ? { findings: event.data.findings } : {}),
        });
      }),
      recordUnscheduledVisit: assign(({ context, event }) => ({
        unscheduledVisits: [...(context.unscheduledVisits ?? []), { at: event.occurredAt, reason: event.data.reason }],
      })),
      // The deviation itself stays in the log, from which the deviations are listed (trial/protocol-deviations.ts); the
      // count is the action that makes the transition one the state takes (a transition without one is not `can`).
      countDeviationRecorded: assign(({ context }) => ({ deviationsRecorded: (context.deviationsRecorded ?? 0) + 1 })),
      recordLabToxicityDismissal: assign(({ context, event }) => labToxicity.recordLabToxicityDismissal(context, event)),
      recordResponse: assign(({ context, event }) => record.recordResponse(spec, context, event)),
      cancelVisitReminder: cancel(({ event }) => timerIds.visitReminder(event.data.visit)),
      cancelVisitClosing: cancel(({ event }) => timerIds.visitClosing(event.data.visit)),
      cancelVisitMissed: cancel(({ event }) => timerIds.visitMissed(event.data.visit)),
    },
    delays: {
      DltWindow: ({ context, event }) => msUntil(event.occurredAt, context.dltWindow!.closesAt),
      DltWindowEnding: ({ context, event }) => msUntil(event.occurredAt, addDays(context.dltWindow!.closesAt, -dltEndingNoticeDays)),
    },
    guards: {
      isPrimaryResponse: ({ event }) => event.data.visit === spec.primaryResponseVisit,
      primaryResponseRecorded: ({ context }) => context.responses.some((r) => r.visit === spec.primaryResponseVisit),
      visitStillPlanned: ({ context, event }) => context.visits[event.data.visit]?.status === 'planned',
      // Reads the record only, never the event: the engine asks it of an off-study patient to list what it accepts.
      infused: ({ context }) => context.infusion !== undefined,
      reconsentDue: ({ context }) => context.reconsent?.status === 'due',
    },
  });

  // A new malignancy after a CAR-T product is reported to the sponsor (FDA boxed warning on T-cell malignancies, 2024).
  const notifyNewMalignancy = lifecycle.enqueueActions(({ event, enqueue }) => {
    if (event.type !== 'VISIT_COMPLETED' || event.data.findings?.newMalignancy !== true) return;
    const details = event.data.findings.details;
    enqueue({
      type: 'notify',
      params: {
        kind: 'secondary-malignancy',
        message: `New malignancy reported at visit ${event.data.visit}${details ? ` (${details})` : ''}: report it to the sponsor and keep samples for testing`,
      },
    });
  });

  // One AE report: counted, its DLT call kept, and a notice for a DLT or for any other AE of grade 3 or more.
  const recordAdverseEvent = lifecycle.enqueueActions(({ context, event, enqueue }) => {
    const ae = record.adverseEventAssessment(spec, context, event);
    enqueue.assign(record.recordAdverseEvent(spec, context, event));
    const message = ae.dlt
      ? `${ae.provisional ? 'Provisional dose-limiting' : 'Dose-limiting'} toxicity: grade ${ae.grade} ${ae.term} (${ae.scale})`
      : `Grade ${ae.grade} adverse event: ${ae.term} (${ae.scale})`;
    if (ae.dlt || ae.grade >= 3) enqueue({ type: 'notify', params: { kind: ae.dlt ? 'dose-limiting-toxicity' : 'severe-adverse-event', message } });
  });
  // A lab result: recorded, and a notice when it opens a proposal for the investigator to confirm or dismiss.
  const recordLabResult = lifecycle.enqueueActions(({ context, event, enqueue }) => {
    const recorded = labToxicity.recordLabResult(spec, context, event);
    enqueue.assign(recorded);
    const before = new Set((context.labToxicity?.proposals ?? []).map((p) => p.id));
    for (const p of recorded.labToxicity?.proposals ?? []) {
      if (before.has(p.id)) continue;
      const dlt = p.dlt ? ', dose-limiting if confirmed' : '';
      const message = `Lab result proposed as an adverse event: grade ${p.grade} ${p.term} (${p.value} ${p.unit}, day ${p.studyDay}${dlt}); confirm or dismiss it`;
      enqueue({ type: 'notify', params: { kind: 'lab-toxicity-proposed', message } });
    }
  });
  const recordDltAdjudication = [
    lifecycle.assign(({ context, event }) => record.recordDltAdjudication(context, event)),
    notify(({ event }) => ({
      kind: 'dose-limiting-toxicity',
      message: `DLT adjudicated: ${event.data.term} ${event.data.dlt ? 'is' : 'is not'} dose-limiting (${event.data.rationale})`,
    })),
  ];
  // The chain of custody (rules/custody.ts): each hand-off steps the chain the refusals keep in order.
  const recordCustody = lifecycle.assign(({ context, event }) => custody.recordCustody(spec, context, event));
  const handOff = { actions: recordCustody };
  // The fresh apheresis product must reach the manufacturing site within its stability window; the timer is the watch.
  const collect = lifecycle.enqueueActions(({ context, event, enqueue }) => {
    enqueue.assign(custody.recordCustody(spec, context, event));
    enqueue.cancel(timerIds.apheresisStability);
    const due = custody.apheresisStableUntil(spec, event.occurredAt);
    enqueue.raise({ type: 'APHERESIS_STABILITY_EXCEEDED', data: {} } as MachineEvent, { id: timerIds.apheresisStability, delay: msUntil(event.occurredAt, due) });
  });
  const receiveApheresis = [recordCustody, lifecycle.cancel(timerIds.apheresisStability)];
  const stabilityExceeded = {
    guard: ({ context }: { context: PatientContext }) => context.custody?.step === 'collected' || context.custody?.step === 'shippedToManufacturing',
    actions: [
      lifecycle.assign(({ context, event }) => ({
        deviations: [...(context.deviations ?? []), custody.stabilityDeviation(spec, context.custody!.at, event.occurredAt)],
      })),
      notify(({ context }) => ({
        kind: 'apheresis-stability-exceeded',
        message: `${custody.stabilityDeviation(spec, context.leukapheresisAt ?? context.custody!.at, '').message}: ask the manufacturing site whether it can still be used`,
      })),
    ],
  };
  // A thawed product must be infused within the protocol's limit; the timer is the watch, the infusion ends it.
  const thaw = lifecycle.enqueueActions(({ context, event, enqueue }) => {
    enqueue.assign(custody.recordCustody(spec, context, event));
    enqueue.cancel(timerIds.postThawLimit);
    enqueue.raise({ type: 'POST_THAW_LIMIT_EXCEEDED', data: {} } as MachineEvent, {
      id: timerIds.postThawLimit,
      delay: msUntil(event.occurredAt, custody.postThawLimitAt(spec, event.occurredAt)),
    });
  });
  const postThawExceeded = {
    guard: ({ context }: { context: PatientContext }) => context.custody?.step === 'thawed',
    actions: [
      lifecycle.assign(({ context, event }) => ({
        deviations: [...(context.deviations ?? []), custody.postThawDeviation(spec, context.custody!.thawedAt!, event.occurredAt)],
      })),
      notify(({ context }) => ({
        kind: 'post-thaw-limit-exceeded',
        message: `${custody.postThawDeviation(spec, context.custody!.thawedAt!, '').message}: do not infuse it without the investigator`,
      })),
    ],
  };
  const release = [
    recordCustody,
    lifecycle.enqueueActions(({ context, event, enqueue }) => {
      const waived = context.product?.outOfSpecification;
      if (waived?.length) {
        enqueue({
          type: 'notify',
          params: {
            kind: 'product-out-of-specification',
            message: `Product ${event.data.lot ?? ''} released out of specification (${waived.join(', ')}) under the protocol's rule, on the investigator's signed justification`,
          },
        });
      }
    }),
  ];
  const bridging = {
    BRIDGING_THERAPY_GIVEN: { actions: lifecycle.assign(({ context, event }) => custody.recordBridging(context, event)) },
    ELIGIBILITY_RECONFIRMED: { actions: lifecycle.assign(({ event }) => ({ eligibilityReconfirmedAt: event.occurredAt })) },
  } as const;
  const remanufactureNotice = notify(({ context, event }) => ({
    kind: 'remanufacture-ordered',
    message: `Product to be made again (attempt ${context.manufacturing?.history.length ?? 1}) from ${event.data.source === 'retainedCells' ? 'retained cells' : 'a new apheresis'}: ${event.data.reason}`,
  }));
  // Made again from retained cells: back to manufacturing, the cells at the manufacturing site; from a new apheresis: back to enrolled.
  const remanufacture = {
    REMANUFACTURE_ORDERED: [
      {
        guard: ({ event }: { event: MachineEvent }) => event.data.source === 'retainedCells',
        target: '#patient.manufacturing',
        actions: [lifecycle.assign(({ context, event }) => custody.recordRemanufacture(context, event)), lifecycle.cancel(timerIds.postThawLimit), remanufactureNotice],
      },
      {
        target: '#patient.enrolled',
        actions: [lifecycle.assign(({ context, event }) => custody.recordRemanufacture(context, event)), lifecycle.cancel(timerIds.postThawLimit), remanufactureNotice],
      },
    ],
  } as const;
  const productHandOffs = { PRODUCT_SHIPPED: handOff, PRODUCT_RECEIVED: handOff, PRODUCT_STORED: handOff } as const;
  // Where the protocol allows a second infusion: its bag thawed and given after the first, Day 0 unchanged.
  const secondInfusion = spec.secondInfusion
    ? {
        PRODUCT_THAWED: { guard: ({ context }: { context: PatientContext }) => !context.secondInfusion, actions: thaw },
        POST_THAW_LIMIT_EXCEEDED: postThawExceeded,
        SECOND_INFUSION_COMPLETED: {
          actions: [lifecycle.assign(({ context, event }) => custody.recordSecondInfusion(spec, context, event)), lifecycle.cancel(timerIds.postThawLimit)],
        },
      }
    : {};

  // A deviation the site records by hand is taken in every state on study (and, off study after an infusion, as a late entry).
  const deviationRecorded = { PROTOCOL_DEVIATION_RECORDED: { actions: 'countDeviationRecorded' } } as const;
  // Withdrawal and death end the study from every state on it; an off-study state accepts neither.
  const leaveStudy = {
    WITHDRAWN: {
      target: 'withdrawn',
      actions: [
        lifecycle.assign(({ context, event }) => record.recordOffStudy('withdrawn')(context, event)),
        notify(({ event }) => ({ kind: 'withdrawal', message: `Withdrawn from the study: ${event.data.reason}` })),
      ],
    },
    DEATH: {
      target: 'died',
      actions: [
        lifecycle.assign(({ context, event }) => record.recordOffStudy('death')(context, event)),
        notify(({ event }) => ({ kind: 'death', message: `Death reported: ${event.data.cause}` })),
      ],
    },
  } as const;
  // Re-consent an amendment asked for: signed (the gate lifts) or declined (the visits it added are not required); on every state on study.
  const reconsent = {
    CONSENT_SIGNED: { guard: 'reconsentDue', actions: lifecycle.assign(({ context, event }) => record.recordReconsent(context, event)) },
    RECONSENT_DECLINED: {
      guard: 'reconsentDue',
      actions: [
        lifecycle.assign(({ context, event }) => record.recordReconsentDeclined(context, event)),
        lifecycle.enqueueActions(({ context, enqueue }) => {
          for (const visit of context.reconsent?.addedVisits ?? []) {
            enqueue.cancel(timerIds.visitReminder(visit));
            enqueue.cancel(timerIds.visitClosing(visit));
            enqueue.cancel(timerIds.visitMissed(visit));
          }
        }),
      ],
    },
  } as const;
  // Off study after an infusion: late entries about the time on study, recorded as on study; no timer, no change of state.
  const offStudy = lifecycle.createStateConfig({
    tags: [OFF_STUDY],
    on: {
      ADVERSE_EVENT_REPORTED: { guard: 'infused', actions: recordAdverseEvent },
      DLT_ADJUDICATED: { guard: 'infused', actions: recordDltAdjudication },
      LAB_RESULT_RECORDED: { guard: 'infused', actions: recordLabResult },
      LAB_TOXICITY_DISMISSED: { guard: 'infused', actions: 'recordLabToxicityDismissal' },
      PROTOCOL_DEVIATION_RECORDED: { guard: 'infused', actions: 'countDeviationRecorded' },
      RESPONSE_ASSESSED: { guard: 'infused', actions: 'recordResponse' },
      UNSCHEDULED_VISIT_COMPLETED: { guard: 'infused', actions: 'recordUnscheduledVisit' },
      VISIT_COMPLETED: { guard: 'infused', actions: 'recordVisitCompleted' },
    },
  });

  return lifecycle.createMachine({
    id: 'patient',
    context: ({ input }) => record.initialContext(spec, input),
    // A long-term follow-up protocol starts where its patients come from: follow-up after the parent trial's infusion.
    initial: spec.rollover ? 'postInfusion' : 'screening',
    states: {
      screening: {
        on: {
          ...leaveStudy,
          ...deviationRecorded,
          RECONSENT_DECLINED: reconsent.RECONSENT_DECLINED,
          SCREENING_DATA_RECORDED: { actions: assign(({ context, event }) => record.recordScreening(context, event)) },
          CONSENT_SIGNED: { actions: assign(({ context, event }) => ({ ...record.recordConsent(context, event), ...record.recordReconsent(context, event) })) },
          ELIGIBILITY_CONFIRMED: {
            target: 'eligible',
            actions: assign(({ context, event }) => record.recordEligibility(context, event)),
          },
          SCREEN_FAILED: {
            target: 'screenFailed',
            actions: assign(({ context, event }) => record.recordOffStudy('screen failure')(context, event)),
          },
        },
      },
      eligible: {
        on: {
          ...leaveStudy,
          ...deviationRecorded,
          ...reconsent,
          ENROLLED: {
            target: 'enrolled',
            actions: assign(({ context, event }) => record.recordEnrollment(spec, context, event)),
          },
          SCREEN_FAILED: {
            target: 'screenFailed',
            actions: assign(({ context, event }) => record.recordOffStudy('screen failure')(context, event)),
          },
        },
      },
      enrolled: {
        on: {
          ...leaveStudy,
          ...deviationRecorded,
          ...reconsent,
          LEUKAPHERESIS_COMPLETED: { target: 'manufacturing', actions: collect },
        },
      },
      manufacturing: {
        on: {
          ...leaveStudy,
          ...deviationRecorded,
          ...reconsent,
          ...bridging,
          ...remanufacture,
          APHERESIS_SHIPPED: handOff,
          APHERESIS_RECEIVED: { actions: receiveApheresis },
          MANUFACTURING_STARTED: handOff,
          APHERESIS_STABILITY_EXCEEDED: stabilityExceeded,
          PRODUCT_RELEASED: { target: 'productReleased', actions: release },
          MANUFACTURING_FAILED: {
            target: 'manufacturingFailed',
            actions: assign(({ context, event }) => record.recordOffStudy('manufacturing failure')(context, event)),
          },
        },
      },
      productReleased: {
        on: {
          ...leaveStudy,
          ...deviationRecorded,
          ...reconsent,
          ...bridging,
          ...remanufacture,
          ...productHandOffs,
          LYMPHODEPLETION_STARTED: {
            target: 'lymphodepletion',
            actions: assign(({ context, event }) => record.recordLymphodepletionStart(spec, context, event)),
          },
        },
      },
      lymphodepletion: {
        on: {
          ...leaveStudy,
          ...deviationRecorded,
          ...reconsent,
          ...remanufacture,
          ...productHandOffs,
          LYMPHODEPLETION_COMPLETED: {
            target: 'readyForInfusion',
            actions: assign(({ context, event }) => ({
              lymphodepletion: { ...context.lymphodepletion!, completedAt: event.occurredAt },
            })),
          },
        },
      },
      readyForInfusion: {
        on: {
          ...leaveStudy,
          ...deviationRecorded,
          ...reconsent,
          ...remanufacture,
          ...productHandOffs,
          PRODUCT_THAWED: { actions: thaw },
          POST_THAW_LIMIT_EXCEEDED: postThawExceeded,
          INFUSION_COMPLETED: {
            target: 'postInfusion',
            actions: [
              assign(({ context, event }) => ({ ...custody.recordCustody(spec, context, event), ...record.recordInfusion(spec, context, event) })),
              cancel(timerIds.postThawLimit),
            ],
          },
        },
      },
      postInfusion: {
        type: 'parallel',
        entry: [
          enqueueActions(({ context, event, enqueue }) => {
            // From the infusion, or (a rollover, started without an event) from the rollover. A record
            // without a Day 0 (an unreadable one shown blank) has no timers.
            const from = event.occurredAt ?? context.rollover?.rolledOverAt;
            if (!from) return;
            for (const timer of followUpTimers(spec, context)) {
              enqueue.raise({ type: timer.type, data: timer.data } as MachineEvent, { id: timer.sendId, delay: msUntil(from, timer.dueAt) });
            }
          }),
        ],
        exit: enqueueActions(({ enqueue }) => {
          enqueue.cancel(timerIds.followUpEnd);
          for (const id of visitTimers) enqueue.cancel(id);
        }),
        on: {
          ...leaveStudy,
          ...deviationRecorded,
          ...reconsent,
          ...secondInfusion,
          FOLLOW_UP_ENDED: {
            target: 'completed',
            actions: assign(({ context, event }) => record.recordOffStudy('follow-up completed')(context, event)),
          },
          LOST_TO_FOLLOW_UP: {
            target: 'lostToFollowUp',
            actions: assign(({ context, event }) => record.recordOffStudy('lost to follow-up')(context, event)),
          },
          PROGRESSION_OR_RELAPSE: {
            actions: assign(({ event }) => ({
              progression: { at: event.occurredAt, kind: event.data.kind, antigenNegative: event.data.antigenNegative },
            })),
          },
        },
        states: {
          course: {
            initial: spec.rollover ? 'followUp' : 'dltWindow',
            states: {
              dltWindow: {
                entry: [
                  raise({ type: 'DLT_WINDOW_ENDING', data: {} } as MachineEvent, { delay: 'DltWindowEnding', id: timerIds.dltWindowEnding }),
                  raise({ type: 'DLT_WINDOW_CLOSED', data: {} } as MachineEvent, { delay: 'DltWindow', id: timerIds.dltWindow }),
                ],
                exit: [cancel(timerIds.dltWindowEnding), cancel(timerIds.dltWindow)],
                on: {
                  DLT_WINDOW_ENDING: {
                    actions: notify(({ context }) => ({
                      kind: 'dlt-window-ending',
                      message: `The ${spec.dlt.windowDays}-day DLT window ends on ${context.dltWindow!.closesAt.slice(0, 10)} (${context.dlts.length} DLT${context.dlts.length === 1 ? '' : 's'} so far)`,
                    })),
                  },
                  RESPONSE_ASSESSED: { actions: 'recordResponse' },
                  DLT_WINDOW_CLOSED: [
                    { guard: 'primaryResponseRecorded', target: 'followUp', actions: closeDltWindow },
                    { target: 'responseAssessment', actions: closeDltWindow },
                  ],
                },
              },
              responseAssessment: {
                on: {
                  RESPONSE_ASSESSED: [
                    {
                      guard: 'isPrimaryResponse',
                      target: 'followUp',
                      actions: 'recordResponse',
                    },
                    { actions: 'recordResponse' },
                  ],
                },
              },
              followUp: {
                on: {
                  RESPONSE_ASSESSED: { actions: 'recordResponse' },
                },
              },
            },
          },
          safety: {
            initial: 'monitoring',
            states: {
              monitoring: {
                on: {
                  ADVERSE_EVENT_REPORTED: { actions: recordAdverseEvent },
                  LAB_RESULT_RECORDED: { actions: recordLabResult },
                  LAB_TOXICITY_DISMISSED: { actions: 'recordLabToxicityDismissal' },
                  // In the window and after it: a call can be adjudicated until the level's data are locked (the trial refuses it then).
                  DLT_ADJUDICATED: { actions: recordDltAdjudication },
                },
              },
            },
          },
          visits: {
            initial: 'tracking',
            states: {
              tracking: {
                on: {
                  VISIT_COMPLETED: { actions: ['recordVisitCompleted', notifyNewMalignancy, 'cancelVisitReminder', 'cancelVisitClosing', 'cancelVisitMissed'] },
                  UNSCHEDULED_VISIT_COMPLETED: { actions: 'recordUnscheduledVisit' },
                  VISIT_WINDOW_CLOSING: {
                    guard: 'visitStillPlanned',
                    actions: notify(({ context, event }) => {
                      const visit = spec.schedule.find((v) => v.name === event.data.visit)!;
                      return {
                        kind: 'visit-window-closing',
                        visit: visit.name,
                        message: `Visit ${visit.name} is not done yet and its window closes ${windowOf(visit, context).windowEnd.slice(0, 10)}`,
                      };
                    }),
                  },
                  VISIT_REMINDER: {
                    guard: 'visitStillPlanned',
                    actions: [
                      assign(({ context, event }) => record.recordVisit(context, event.data.visit, { remindedAt: event.occurredAt })),
                      notify(({ context, event }) => {
                        const visit = spec.schedule.find((v) => v.name === event.data.visit)!;
                        const window = windowOf(visit, context);
                        return {
                          kind: 'visit-reminder',
                          visit: visit.name,
                          message: `Visit ${visit.name} (day ${visit.day}) is due ${window.windowStart.slice(0, 10)} to ${window.windowEnd.slice(0, 10)}`,
                        };
                      }),
                    ],
                  },
                  VISIT_MISSED: {
                    guard: 'visitStillPlanned',
                    actions: [
                      assign(({ context, event }) => record.recordVisit(context, event.data.visit, { status: 'missed', missedAt: event.occurredAt })),
                      notify(({ event }) => ({
                        kind: 'visit-missed',
                        visit: event.data.visit,
                        message: `Visit ${event.data.visit} was not completed within its window`,
                      })),
                    ],
                  },
                },
              },
            },
          },
        },
      },
      // Never infused: nothing happened on study that could be entered late, so nothing more is accepted.
      screenFailed: { type: 'final', tags: [OFF_STUDY] },
      manufacturingFailed: { type: 'final', tags: [OFF_STUDY] },
      withdrawn: offStudy,
      died: offStudy,
      lostToFollowUp: offStudy,
      completed: offStudy,
    },
  });
}

export type PatientMachine = ReturnType<typeof buildLifecycleMachine>;
