WITH
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
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id"
  FROM "universe:account" AS "u"
),
-- audience: high_workflow_adoption (audiences/high_workflow_adoption.yml) — users of each account that satisfy its quantifiers
"quantifiers:high_workflow_adoption" AS (
  SELECT
    "f"."account_id" AS "id",
    COUNT(*) AS "users",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_1" >= 1), FALSE)) AS "q_1"
  FROM (
    SELECT
      "m"."user_id" AS "id",
      "m"."group_id" AS "account_id",
      COALESCE("j1"."m_1", 0) AS "f_1"
    FROM "memberships" AS "m"
    LEFT JOIN "events:user:feature_used" AS "j1" ON ("j1"."id" = "m"."user_id")
  ) AS "f"
  GROUP BY "f"."account_id"
),
-- audience: high_workflow_adoption (audiences/high_workflow_adoption.yml)
"audience:high_workflow_adoption" AS (
  SELECT
    "q"."id" AS "id"
  FROM "quantifiers:high_workflow_adoption" AS "q"
  WHERE ((COALESCE("q"."users", 0) >= 1) AND ((COALESCE("q"."q_1", 0) * 100) >= (COALESCE("q"."users", 0) * 50)))
)
SELECT
  'high_workflow_adoption' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:high_workflow_adoption" AS "a"
