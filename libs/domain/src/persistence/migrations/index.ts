import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { PatientCohort1764100000000 } from './1764100000000-patient-cohort';
import { Trials1764200000000 } from './1764200000000-trials';
import { Notifications1764300000000 } from './1764300000000-notifications';
import { ElectronicSignatures1764400000000 } from './1764400000000-electronic-signatures';
import { TokenExpiryAndSigningLockout1764500000000 } from './1764500000000-token-expiry-and-signing-lockout';
import { AccessAudit1764500100000 } from './1764500100000-access-audit';
import { SealVersion1764510000000 } from './1764510000000-seal-version';
import { TrialNotices1764520000000 } from './1764520000000-trial-notices';
import { SiteAmendmentApprovals1764530000000 } from './1764530000000-site-amendment-approvals';
import { OneTrialAcrossVersions1764530000000 } from './1764530000000-one-trial-across-versions';
import { LabIntake1764600000000 } from './1764600000000-lab-intake';
import { PatientsBySiteSubject1764610000000 } from './1764610000000-patients-by-site-subject';
import { ManufacturingCapacity1764720000000 } from './1764720000000-manufacturing-capacity';
import { EmailAndCalendar1764800000000 } from './1764800000000-email-and-calendar';
import { DataQueries1764810000000 } from './1764810000000-data-queries';
import { OutcomeFacts1764900000000 } from './1764900000000-outcome-facts';
import { AmendmentEntriesIndex1764930000000 } from './1764930000000-amendment-entries-index';
import { DeviationFacts1764940000000 } from './1764940000000-deviation-facts';

/** Every migration, in order. Checked in, run at start-up, written for SQLite and PostgreSQL alike. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  PatientCohort1764100000000,
  Trials1764200000000,
  Notifications1764300000000,
  ElectronicSignatures1764400000000,
  TokenExpiryAndSigningLockout1764500000000,
  AccessAudit1764500100000,
  SealVersion1764510000000,
  TrialNotices1764520000000,
  SiteAmendmentApprovals1764530000000,
  OneTrialAcrossVersions1764530000000,
  LabIntake1764600000000,
  PatientsBySiteSubject1764610000000,
  ManufacturingCapacity1764720000000,
  EmailAndCalendar1764800000000,
  DataQueries1764810000000,
  OutcomeFacts1764900000000,
  AmendmentEntriesIndex1764930000000,
  DeviationFacts1764940000000,
];
