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
-- one scan of feature_used for every account-level measure on it
"events:account:feature_used" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(DISTINCT "e"."feature") AS "m_1"
  FROM "memberships" AS "m"
  JOIN "app"."feature_used" AS "e" ON ("e"."user_id" = "m"."user_id")
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used')) AND ("e"."timestamp" > TIMESTAMP '2024-05-02 00:00:00.000000'))
  GROUP BY "m"."group_id"
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("j1"."m_1", 0) AS "f_1"
  FROM "universe:account" AS "u"
  LEFT JOIN "events:account:feature_used" AS "j1" ON ("j1"."id" = "u"."id")
)
SELECT
  'features_adopted' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_1") AS VARCHAR) AS "value"
FROM "features:account" AS "f"
