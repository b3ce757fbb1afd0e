// The universes, memberships and identity edges read from the facts in state, with the same
// columns and rows as the full lowering's CTEs (src/sql/lower.ts universeCtes, lower-identity.ts):
// a fact holds every key seen at or before as_of, so DISTINCT over the facts is the full DISTINCT.
import type { Expr, Query, TableRef } from '../sql/ast.js';
import { aggregate, and, bin, coalesce, col, isNull, join, oneOf, select, str, table, tableOf, union } from '../sql/ast.js';
import { identityUsers } from '../sql/lower-identity.js';
import { CTE } from '../plan/physical/cte-names.js';
import type { Plan } from '../plan/plan.js';
import { factRef, type Fact } from './universe-facts.js';
import { amongRead } from './merge-sql.js';

const fromSources = (f: Fact, alias: string) => oneOf(col('source_table', alias), f.sources.map((s) => str(s.table)));

/** SQL traits that return user_id and group_id associate users with accounts, as in the full lowering. */
function associations(plan: Plan, columns: 'user' | 'membership'): Query[] {
  const { groupId, userId } = plan.layout.columns;
  return plan.sqlTraits
    .filter((t) => t.associatesUsers)
    .map((t) =>
      columns === 'user'
        ? select({ columns: [{ expr: col('user_id', 's'), alias: 'id' }], from: table(t.name, 's'), where: isNull(col('user_id', 's'), true) })
        : select({
            columns: [
              { expr: col('group_id', 's'), alias: groupId },
              { expr: col('user_id', 's'), alias: userId },
            ],
            from: table(t.name, 's'),
            where: and(isNull(col('group_id', 's'), true), isNull(col('user_id', 's'), true)),
          }),
    );
}

/**
 * The facts' CTEs. `only`: per CTE (universe:user, universe:account, memberships), the tables of
 * the keys it is read for (a user id, or an account id for the accounts' and the memberships'),
 * when every definition of the run stages only those (entity-scope-pass.ts, SharedRead); the
 * others' rows are never read. A kept key's rows are all kept, so its answer is unchanged.
 */
export function factCtes(plan: Plan, schema: string, facts: readonly Fact[], only: ReadonlyMap<string, readonly TableRef[]> = new Map()): Map<string, { query: Query; comment: string }> {
  const out = new Map<string, { query: Query; comment: string }>();
  const { groupId, userId } = plan.layout.columns;
  // the facts' ids are text (partial-tables.ts)
  const among = (cte: string, key: Expr) => amongRead(key, only.get(cte), 'string');
  const of = (cte: string) => (only.has(cte) ? `, for the ${only.get(cte)!.map((r) => `${r.schema}.${r.name}`).join(' and ')} only` : '');
  for (const f of facts) {
    const comment = (what: string, cte: string) => `${what}, from the facts in ${schema}.${f.stateTable}${of(cte)}`;
    switch (f.kind) {
      case 'users': {
        const owners = identityUsers(plan);
        const users = select({ distinct: true, columns: [{ expr: col('user_id', 'f'), alias: 'id' }], from: tableOf(factRef(schema, f), 'f'), where: and(fromSources(f, 'f'), ...among(CTE.userUniverse, col('user_id', 'f'))) });
        out.set(CTE.userUniverse, { query: union([users, ...(owners === null ? [] : [owners]), ...associations(plan, 'user')], false), comment: comment('every user_id seen at or before as_of', CTE.userUniverse) });
        break;
      }
      case 'edges': {
        const at = aggregate(plan.identity?.conflict === 'last' ? 'max' : 'min', col(plan.identity?.conflict === 'last' ? 'last_at' : 'first_at', 'f'));
        const pair = [col('anonymous_id', 'f'), col('user_id', 'f')];
        out.set(CTE.identityEdges, {
          query: select({
            columns: [{ expr: pair[0], alias: 'anonymous_id' }, { expr: pair[1], alias: 'user_id' }, { expr: at, alias: 'at' }],
            from: tableOf(factRef(schema, f), 'f'),
            where: fromSources(f, 'f'),
            groupBy: pair,
          }),
          comment: comment('identity edges at as_of', CTE.identityEdges),
        });
        break;
      }
      case 'groups': {
        const calls = tableOf(factRef(schema, f), 'g');
        out.set(CTE.accountUniverse, {
          query: select({ distinct: true, columns: [{ expr: col('group_id', 'g'), alias: 'id' }], from: calls, where: and(fromSources(f, 'g'), ...among(CTE.accountUniverse, col('group_id', 'g'))) }),
          comment: comment('every group_id seen at or before as_of', CTE.accountUniverse),
        });
        const user = plan.identity === null ? col('ru', 'g') : coalesce(col('ru', 'g'), col('user_id', 'o'));
        const owners = plan.identity === null ? [] : [join('LEFT', table(CTE.identityOwners, 'o'), bin('=', col('anonymous_id', 'o'), col('ra', 'g')))];
        const pairs = select({
          distinct: true,
          columns: [
            { expr: col('group_id', 'g'), alias: groupId },
            { expr: user, alias: userId },
          ],
          from: calls,
          joins: owners,
          where: and(fromSources(f, 'g'), isNull(user, true), ...among(CTE.memberships, col('group_id', 'g'))),
        });
        out.set(CTE.memberships, { query: union([pairs, ...associations(plan, 'membership')], false), comment: comment('user <-> account pairs, many-to-many', CTE.memberships) });
        break;
      }
    }
  }
  return out;
}
