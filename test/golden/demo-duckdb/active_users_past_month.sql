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
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."groups" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "g"
  WHERE ((("g"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("g"."group_id" IS NOT NULL)) AND ("g"."user_id" IS NOT NULL))
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id",
    "j1"."active_users_past_month" AS "f_1"
  FROM "universe:account" AS "u"
  LEFT JOIN (
    SELECT DISTINCT
      "t"."group_id" AS "id",
      "t"."active_users_past_month" AS "active_users_past_month"
    FROM "sql_trait:active_users_past_month" AS "t"
  ) AS "j1" ON ("j1"."id" = "u"."id")
)
SELECT
  'active_users_past_month' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_1") AS VARCHAR) AS "value"
FROM "features:account" AS "f"
