WITH
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
-- every user_id seen at or before as_of
"universe:user" AS (
  SELECT DISTINCT
    "s"."user_id" AS "id"
  FROM "app"."identifies" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "s"."user_id" AS "id"
  FROM "app"."groups" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "s"."user_id" AS "id"
  FROM "app"."tracks" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  UNION
  SELECT
    "i"."user_id" AS "id"
  FROM "identity" AS "i"
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
-- one scan of feature_used for every user-level measure on it
"events:user:feature_used" AS (
  SELECT
    "e"."user_id" AS "id",
    COUNT(*) FILTER (WHERE COALESCE(("e"."feature" = 'workflows'), FALSE)) AS "m_1"
  FROM (
    SELECT
      "raw"."id" AS "id",
      "raw"."anonymous_id" AS "anonymous_id",
      "raw"."timestamp" AS "timestamp",
      "raw"."event_text" AS "event_text",
      "raw"."feature" AS "feature",
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."feature_used" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used')) AND ("e"."timestamp" > TIMESTAMP '2024-05-02 00:00:00.000000'))
  GROUP BY "e"."user_id"
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("j1"."m_1", 0) AS "f_1"
  FROM "universe:user" AS "u"
  LEFT JOIN "events:user:feature_used" AS "j1" ON ("j1"."id" = "u"."id")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id"
  FROM "universe:account" AS "u"
),
-- audience: high_workflow_adoption (audiences/high_workflow_adoption.yml) — users of each account that satisfy its quantifiers
"quantifiers:high_workflow_adoption" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(*) AS "users",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_1" >= 1), FALSE)) AS "q_1"
  FROM "memberships" AS "m"
  JOIN "features:user" AS "f" ON ("f"."id" = "m"."user_id")
  GROUP BY "m"."group_id"
),
-- audience: high_workflow_adoption (audiences/high_workflow_adoption.yml)
"audience:high_workflow_adoption" AS (
  SELECT
    "q"."id" AS "id"
  FROM "quantifiers:high_workflow_adoption" AS "q"
  WHERE ((COALESCE("q"."users", 0) >= 1) AND ((COALESCE("q"."q_1", 0) * 100) >= (COALESCE("q"."users", 0) * 50)))
),
-- audience: users_in_high_adoption_accounts (audiences/users_in_high_adoption_accounts.yml)
"audience:users_in_high_adoption_accounts" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE ("f"."id" IN (SELECT
      "pm"."user_id"
    FROM "memberships" AS "pm"
    JOIN "audience:high_workflow_adoption" AS "pa" ON ("pa"."id" = "pm"."group_id")))
)
SELECT
  'users_in_high_adoption_accounts' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:users_in_high_adoption_accounts" AS "a"
