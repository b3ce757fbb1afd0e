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
-- latest non-null account trait at as_of
"custom_traits:account" AS (
  SELECT
    "t"."id" AS "id",
    "t"."value" AS "plan"
  FROM (
    SELECT
      "s"."group_id" AS "id",
      ARG_MAX_NULL("s"."plan", (("s"."timestamp" IS NOT NULL), "s"."timestamp", ("s"."id" IS NOT NULL), "s"."id")) AS "value"
    FROM "app"."groups" AS "s"
    WHERE ((("s"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("s"."group_id" IS NOT NULL)) AND ("s"."plan" IS NOT NULL))
    GROUP BY "s"."group_id"
  ) AS "t"
),
-- one scan of feature_used for every user-level measure on it
"events:user:feature_used" AS (
  SELECT
    "e"."user_id" AS "id",
    COUNT(*) AS "m_1"
  FROM "app"."feature_used" AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used')) AND ("e"."timestamp" > TIMESTAMP '2024-05-18 00:00:00.000000'))
  GROUP BY "e"."user_id"
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
    "j1"."plan" AS "f_1",
    COALESCE("j2"."m_1", 0) AS "f_3"
  FROM "universe:account" AS "u"
  LEFT JOIN "custom_traits:account" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "events:account:feature_used" AS "j2" ON ("j2"."id" = "u"."id")
),
-- audience: trial_upgrade_candidates (audiences/trial_upgrade_candidates.yml) — users of each account that satisfy its quantifiers
"quantifiers:trial_upgrade_candidates" AS (
  SELECT
    "f"."account_id" AS "id",
    COUNT(*) AS "users",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_2" >= 5), FALSE)) AS "q_1"
  FROM (
    SELECT
      "m"."user_id" AS "id",
      "m"."group_id" AS "account_id",
      COALESCE("j1"."m_1", 0) AS "f_2"
    FROM "memberships" AS "m"
    LEFT JOIN "events:user:feature_used" AS "j1" ON ("j1"."id" = "m"."user_id")
  ) AS "f"
  GROUP BY "f"."account_id"
),
-- audience: trial_upgrade_candidates (audiences/trial_upgrade_candidates.yml)
"audience:trial_upgrade_candidates" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers:trial_upgrade_candidates" AS "q" ON ("q"."id" = "f"."id")
  WHERE ((COALESCE(("f"."f_1" = 'trial'), FALSE) AND (COALESCE("q"."q_1", 0) >= 3)) AND COALESCE(("f"."f_3" >= 3), FALSE))
)
SELECT
  'trial_upgrade_candidates' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:trial_upgrade_candidates" AS "a"
