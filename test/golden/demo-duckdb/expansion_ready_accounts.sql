WITH
-- sql_trait: active_users_past_month (traits/active_users_past_month.yml)
"sql_trait:active_users_past_month" AS (
  select g.group_id, count(distinct t.user_id) as active_users_past_month
from "app"."tracks" t join "app"."groups" g using (user_id)
where t.timestamp > TIMESTAMP '2024-06-01 00:00:00.000000' - interval '30 days'
  and t.timestamp <= TIMESTAMP '2024-06-01 00:00:00.000000'
  and g.timestamp <= TIMESTAMP '2024-06-01 00:00:00.000000'
group by 1
),
-- identity edges at as_of: each (anonymous_id, user_id) seen together, at its first time, from identifies, groups, tracks
"identity:edges" AS (
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."identifies" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
  UNION ALL
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."groups" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
  UNION ALL
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."tracks" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
),
-- each anonymous_id's user: its first edge, ties to the smallest user_id
"identity" AS (
  SELECT
    "o"."id" AS "anonymous_id",
    "o"."value" AS "user_id"
  FROM (
    SELECT
      "e"."anonymous_id" AS "id",
      ARG_MIN_NULL("e"."user_id", ("e"."at", "e"."user_id")) AS "value"
    FROM "identity:edges" AS "e"
    GROUP BY "e"."anonymous_id"
  ) AS "o"
),
-- every group_id seen at or before as_of
"universe:account" AS (
  SELECT DISTINCT
    "g"."group_id" AS "id"
  FROM "app"."groups" AS "g"
  WHERE (("g"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("g"."group_id" IS NOT NULL))
),
-- user <-> account pairs, many-to-many
"memberships" AS (
  SELECT DISTINCT
    "g"."group_id" AS "group_id",
    "g"."user_id" AS "user_id"
  FROM (
    SELECT
      "raw"."id" AS "id",
      "raw"."anonymous_id" AS "anonymous_id",
      "raw"."timestamp" AS "timestamp",
      "raw"."group_id" AS "group_id",
      "raw"."plan" AS "plan",
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."groups" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "g"
  WHERE ((("g"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("g"."group_id" IS NOT NULL)) AND ("g"."user_id" IS NOT NULL))
),
-- latest non-null account trait at as_of
"custom_traits:account" AS (
  SELECT
    "t"."id" AS "id",
    "t"."value" AS "plan"
  FROM (
    SELECT
      "s"."group_id" AS "id",
      ARG_MAX_NULL("s"."plan", (("s"."timestamp" IS NOT NULL), "s"."timestamp", ("s"."id" IS NOT NULL), "s"."id")) AS "value"
    FROM (
      SELECT
        "raw"."id" AS "id",
        "raw"."anonymous_id" AS "anonymous_id",
        "raw"."timestamp" AS "timestamp",
        "raw"."group_id" AS "group_id",
        "raw"."plan" AS "plan",
        COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
      FROM "app"."groups" AS "raw"
      LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
    ) AS "s"
    WHERE ((("s"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("s"."group_id" IS NOT NULL)) AND ("s"."plan" IS NOT NULL))
    GROUP BY "s"."group_id"
  ) AS "t"
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id",
    "j1"."plan" AS "f_1",
    "j2"."active_users_past_month" AS "f_2"
  FROM "universe:account" AS "u"
  LEFT JOIN "custom_traits:account" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN (
    SELECT DISTINCT
      "t"."group_id" AS "id",
      "t"."active_users_past_month" AS "active_users_past_month"
    FROM "sql_trait:active_users_past_month" AS "t"
  ) AS "j2" ON ("j2"."id" = "u"."id")
),
-- audience: expansion_ready_accounts (audiences/expansion_ready_accounts.yml)
"audience:expansion_ready_accounts" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  WHERE (("f"."f_1" = 'starter') AND ("f"."f_2" >= 10))
)
SELECT
  'expansion_ready_accounts' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:expansion_ready_accounts" AS "a"
