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
-- one scan of feature_used for every user-level measure on it
"events:user:feature_used" AS (
  SELECT
    "e"."user_id" AS "id",
    COUNT(*) AS "m_1"
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
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used')) AND ("e"."timestamp" > TIMESTAMP '2024-05-18 00:00:00.000000'))
  GROUP BY "e"."user_id"
),
-- one scan of feature_used for every account-level measure on it
"events:account:feature_used" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(DISTINCT "e"."feature") AS "m_1"
  FROM "memberships" AS "m"
  JOIN (
    SELECT
      "raw"."id" AS "id",
      "raw"."anonymous_id" AS "anonymous_id",
      "raw"."timestamp" AS "timestamp",
      "raw"."event_text" AS "event_text",
      "raw"."feature" AS "feature",
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."feature_used" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "e" ON ("e"."user_id" = "m"."user_id")
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
  WHERE ((("f"."f_1" = 'trial') AND (COALESCE("q"."q_1", 0) >= 3)) AND ("f"."f_3" >= 3))
)
SELECT
  'trial_upgrade_candidates' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:trial_upgrade_candidates" AS "a"
