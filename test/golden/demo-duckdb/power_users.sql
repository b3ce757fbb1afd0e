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
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."groups" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "g"
  WHERE ((("g"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("g"."group_id" IS NOT NULL)) AND ("g"."user_id" IS NOT NULL))
),
-- one scan of logged_in for every user-level measure on it
"events:user:logged_in" AS (
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
    FROM "app"."logged_in" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In')) AND ("e"."timestamp" > TIMESTAMP '2024-05-02 00:00:00.000000'))
  GROUP BY "e"."user_id"
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
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created')) AND ("e"."timestamp" > TIMESTAMP '2024-05-02 00:00:00.000000'))
  GROUP BY "e"."user_id"
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("u"."m_1", 0) AS "f_1",
    COALESCE("j1"."m_1", 0) AS "f_2"
  FROM "events:user:logged_in" AS "u"
  LEFT JOIN "events:user:report_created" AS "j1" ON ("j1"."id" = "u"."id")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id"
  FROM "universe:account" AS "u"
),
-- audience: power_users (audiences/power_users.yml)
"audience:power_users" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE (("f"."f_1" >= 20) AND ("f"."f_2" >= 2))
)
SELECT
  'power_users' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:power_users" AS "a"
