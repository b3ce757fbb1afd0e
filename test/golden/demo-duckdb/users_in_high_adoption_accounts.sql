WITH
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
  FROM "app"."groups" AS "g"
  WHERE ((("g"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("g"."group_id" IS NOT NULL)) AND ("g"."user_id" IS NOT NULL))
),
-- one scan of feature_used for every user-level measure on it
"events:user:feature_used" AS (
  SELECT
    "e"."user_id" AS "id",
    COUNT(*) FILTER (WHERE COALESCE(("e"."feature" = 'workflows'), FALSE)) AS "m_1"
  FROM "app"."feature_used" AS "e"
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
