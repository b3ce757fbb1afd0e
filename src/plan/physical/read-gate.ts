// When a read restricted to the recomputed entities stops paying for itself. A restricted read is a
// semi-join on a scratch table of keys (entity_scope_*): it costs a hash join over every row it
// would have read, and saves only the rows of the keys it leaves out. Measured at SF 1
// (BENCHMARKS.md, "Scan restriction at a high dirty share"): after 1% new rows almost every account
// is dirty and its members are 92% of the users, and reading the scans keyed by them whole cut the
// staging statement's CPU by 19-32%; the dirty users alone (58% of the users) still paid. So a
// read keyed by the dirty accounts or their members is gated on the share of the accounts dirty, a
// number the run knows before it rewrites the statement; a read of the dirty users only is not.

/**
 * The users whose partials and raw rows a scan's merge reads. A user-level reader stages the dirty
 * users; an account-level one stages the dirty accounts, each with all its members' rows; a dirty
 * user need not be a member of any account, so a scan both kinds read reads the union.
 */
export type UsersRead = 'dirty users' | 'members of dirty accounts' | 'dirty users and members of dirty accounts' | 'all';

/** A restricted read that the run reads whole above a share of the accounts dirty. */
export interface ReadGate {
  /** Above this share of the accounts (those in the groups fact) dirty, the read is whole. */
  readonly dirtyAccountsAbove: number;
  readonly reason: string;
}

const DIRTY_ACCOUNTS_ABOVE = 0.75;

/** The gate of a read restricted to `keys`; null when the restriction holds at any share. */
export function readGate(keys: UsersRead | 'dirty accounts'): ReadGate | null {
  if (keys === 'all' || keys === 'dirty users') return null;
  return {
    dirtyAccountsAbove: DIRTY_ACCOUNTS_ABOVE,
    reason: 'with most accounts dirty, the semi-join on their keys costs more than the few rows it leaves out',
  };
}

/** Whether a read with `gate` is restricted in a run with `dirtyAccounts` of `accounts` dirty (accounts null: not counted, no account-keyed read). */
export function gateOpen(gate: ReadGate | null, dirtyAccounts: number, accounts: number | null): boolean {
  return gate === null || accounts === null || dirtyAccounts <= gate.dirtyAccountsAbove * accounts;
}

/** `explain --plan`'s line for the gated reads (null when none is): per share, the scans and parts read whole above it, and why. */
export function gatesText(reads: readonly { readonly name: string; readonly gate: ReadGate | null }[]): string | null {
  const gated = reads.filter((r): r is { name: string; gate: ReadGate } => r.gate !== null);
  if (gated.length === 0) return null;
  const shares = [...new Set(gated.map((r) => r.gate.dirtyAccountsAbove))];
  return shares
    .map((share) => {
      const at = gated.filter((r) => r.gate.dirtyAccountsAbove === share);
      return `read whole above ${Math.round(share * 100)}% of the accounts dirty: ${at.map((r) => r.name).join(', ')} (${at[0].gate.reason})`;
    })
    .join('; ');
}
