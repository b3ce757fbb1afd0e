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
-- latest non-null user trait at as_of
"custom_traits:user" AS (
  SELECT
    "t"."id" AS "id",
    "t"."value" AS "role"
  FROM (
    SELECT
      "s"."user_id" AS "id",
      ARG_MAX_NULL("s"."role", (("s"."timestamp" IS NOT NULL), "s"."timestamp", ("s"."id" IS NOT NULL), "s"."id")) AS "value"
    FROM (
      SELECT
        "raw"."id" AS "id",
        "raw"."anonymous_id" AS "anonymous_id",
        "raw"."timestamp" AS "timestamp",
        "raw"."role" AS "role",
        COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
      FROM "app"."identifies" AS "raw"
      LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
    ) AS "s"
    WHERE ((("s"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("s"."user_id" IS NOT NULL)) AND ("s"."role" IS NOT NULL))
    GROUP BY "s"."user_id"
  ) AS "t"
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
-- one scan of logged_in per (user_id), shared by its account-level measures and its user-level measures
"events:account:logged_in:per_user" AS (
  SELECT
    "e"."user_id" AS "user_id",
    COUNT(*) FILTER (WHERE ("e"."timestamp" > TIMESTAMP '2024-05-02 00:00:00.000000')) AS "p_m_1",
    COUNT(*) AS "pu_m_1"
  FROM (
    SELECT
      "raw"."id" AS "id",
      "raw"."anonymous_id" AS "anonymous_id",
      "raw"."timestamp" AS "timestamp",
      "raw"."event_text" AS "event_text",
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."logged_in" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In')) AND ("e"."timestamp" > TIMESTAMP '2024-04-02 00:00:00.000000'))
  GROUP BY "e"."user_id"
),
-- one scan of logged_in for every account-level measure on it, pre-aggregated per user
"events:account:logged_in" AS (
  SELECT
    "m"."group_id" AS "id",
    SUM("p"."p_m_1") AS "m_1"
  FROM "memberships" AS "m"
  JOIN "events:account:logged_in:per_user" AS "p" ON ("p"."user_id" = "m"."user_id")
  GROUP BY "m"."group_id"
),
-- every user-level measure on logged_in, from the same per-user groups
"events:user:logged_in" AS (
  SELECT
    "p"."user_id" AS "id",
    SUM("p"."pu_m_1") AS "m_1"
  FROM "events:account:logged_in:per_user" AS "p"
  GROUP BY "p"."user_id"
),
-- one scan of report_created for every user-level measure on it
"events:user:report_created" AS (
  SELECT
    "e"."user_id" AS "id",
    COUNT(*) AS "m_1"
  FROM (
    SELECT
      "raw"."id" AS "id",
      "raw"."anonymous_id" AS "anonymous_id",
      "raw"."timestamp" AS "timestamp",
      "raw"."event_text" AS "event_text",
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."report_created" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created')) AND ("e"."timestamp" > TIMESTAMP '2024-04-02 00:00:00.000000'))
  GROUP BY "e"."user_id"
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("j1"."m_1", 0) AS "f_1",
    "j2"."plan" AS "f_2"
  FROM "universe:account" AS "u"
  LEFT JOIN "events:account:logged_in" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "custom_traits:account" AS "j2" ON ("j2"."id" = "u"."id")
),
-- users of each account that satisfy the quantifiers of: churned_accounts, at_risk_accounts
"quantifiers" AS (
  SELECT
    "f"."account_id" AS "id",
    COUNT(*) AS "users",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_5" >= 1), FALSE)) AS "a1_q_1",
    COUNT(*) FILTER (WHERE (COALESCE(("f"."f_3" = 'Admin'), FALSE) AND COALESCE(("f"."f_4" >= 1), FALSE))) AS "a2_q_1"
  FROM (
    SELECT
      "m"."user_id" AS "id",
      "m"."group_id" AS "account_id",
      "j1"."role" AS "f_3",
      COALESCE("j2"."m_1", 0) AS "f_4",
      COALESCE("j3"."m_1", 0) AS "f_5"
    FROM "memberships" AS "m"
    LEFT JOIN "custom_traits:user" AS "j1" ON ("j1"."id" = "m"."user_id")
    LEFT JOIN "events:user:report_created" AS "j2" ON ("j2"."id" = "m"."user_id")
    LEFT JOIN "events:user:logged_in" AS "j3" ON ("j3"."id" = "m"."user_id")
  ) AS "f"
  GROUP BY "f"."account_id"
),
-- audience: churned_accounts (audiences/churned_accounts.yml)
"audience:churned_accounts" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers" AS "q" ON ("q"."id" = "f"."id")
  WHERE (COALESCE("q"."a1_q_1", 0) = 0)
),
-- audience: at_risk_accounts (audiences/at_risk_accounts.yml)
"audience:at_risk_accounts" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers" AS "q" ON ("q"."id" = "f"."id")
  WHERE (((("f"."f_1" < 10) AND ("f"."f_2" IN ('starter', 'pro', 'enterprise'))) AND (COALESCE("q"."a2_q_1", 0) >= 1)) AND (NOT ("f"."id" IN (SELECT
      "a"."id"
    FROM "audience:churned_accounts" AS "a"))))
)
SELECT
  'at_risk_accounts' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:at_risk_accounts" AS "a"
