/** The roles a user holds (docs/design.md, section "Who may do what"). Every role but `admin` works at one or more sites. */
export const ROLES = ['coordinator', 'investigator', 'lab', 'monitor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
