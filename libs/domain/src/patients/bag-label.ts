import { Injectable } from '@nestjs/common';
import bwipjs from 'bwip-js';
import { formatChainOfIdentityId } from '#protocols';
import type { Actor } from '../kernel/actor';
import { protocolOf } from '../kernel/require-protocol';
import * as machine from '../kernel/machine-boundary';
import { RefusedError } from '../errors';
import { PatientService } from './patient-service';

/** The two bags a CAR-T patient's chain of identity is printed on. */
export const BAGS = ['apheresis', 'product'] as const;
export type Bag = (typeof BAGS)[number];
export const LABEL_FORMATS = ['svg', 'png'] as const;
export type LabelFormat = (typeof LABEL_FORMATS)[number];

const TITLES: Record<Bag, string> = {
  apheresis: 'APHERESIS PRODUCT · FOR MANUFACTURE',
  product: 'CAR-T CELL PRODUCT · AUTOLOGOUS USE ONLY',
};

export interface BagLabel {
  contentType: string;
  body: string | Buffer;
}

/**
 * The label of a patient's apheresis or product bag (docs/design.md, section "Chain of identity"):
 * the chain-of-identity identifier as a DataMatrix and a Code 128 symbol (bwip-js, the Barcode Writer
 * in Pure PostScript), and in eye-readable groups, with the subject, the protocol and the issuing FIN.
 * SVG by default (the identifier is in its text as well as in the symbols); PNG: the Code 128 with its
 * human-readable line, for a label printer. Only a patient the caller may see has a label.
 */
@Injectable()
export class BagLabelService {
  constructor(private readonly patients: PatientService) {}

  async label(patientId: string, actor: Actor, bag: Bag, format: LabelFormat): Promise<BagLabel> {
    const patient = await this.patients.visible(patientId, actor);
    const context = machine.contextOf(machine.restoreMachine(protocolOf(patient), patient.snapshot));
    const coi = context.enrollment?.coi;
    if (!coi) {
      throw new RefusedError('No label', [`patient ${patient.subjectId} has no chain-of-identity identifier yet: it is allocated at enrollment`]);
    }
    if (format === 'png') {
      const body = await bwipjs.toBuffer({ bcid: 'code128', text: coi, scale: 3, height: 12, includetext: true, textxalign: 'center' });
      return { contentType: 'image/png', body };
    }
    return { contentType: 'image/svg+xml; charset=utf-8', body: labelSvg(bag, coi, patient.subjectId, `${patient.protocolId}@${patient.protocolVersion}`) };
  }
}

function labelSvg(bag: Bag, coi: string, subjectId: string, protocol: string): string {
  const dataMatrix = nested(bwipjs.toSVG({ bcid: 'datamatrix', text: coi, scale: 2 }), 16, 52, 120, 120);
  const code128 = nested(bwipjs.toSVG({ bcid: 'code128', text: coi, scale: 2, height: 10 }), 152, 120, 340, 52);
  const text = (x: number, y: number, size: number, value: string, weight = 'normal') =>
    `<text x="${x}" y="${y}" font-family="monospace" font-size="${size}" font-weight="${weight}">${escapeXml(value)}</text>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="192" viewBox="0 0 512 192" data-coi="${coi}" data-bag="${bag}">`,
    '<rect x="1" y="1" width="510" height="190" fill="white" stroke="black" stroke-width="2"/>',
    text(16, 30, 16, TITLES[bag], 'bold'),
    dataMatrix,
    text(152, 62, 13, 'CHAIN OF IDENTITY (ISBT 128)'),
    text(152, 90, 22, formatChainOfIdentityId(coi), 'bold'),
    text(152, 110, 12, `Subject ${subjectId} · ${protocol} · FIN ${coi.slice(0, 5)}`),
    code128,
    `<desc>${escapeXml(`Chain-of-identity identifier ${coi}; ${bag} bag of subject ${subjectId}`)}</desc>`,
    '</svg>',
  ].join('\n');
}

/** A bwip-js SVG placed in a box of the label. */
function nested(svg: string, x: number, y: number, width: number, height: number): string {
  return svg.replace(/^<svg /, `<svg x="${x}" y="${y}" width="${width}" height="${height}" preserveAspectRatio="xMinYMin meet" `);
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
