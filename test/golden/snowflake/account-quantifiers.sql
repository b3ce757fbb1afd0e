WITH
-- sql_trait: sql_context_members (generated.yml)
"sql_trait:sql_context_members" AS (
  select distinct context_group_id as group_id, user_id, 'context' as sql_context_members from "APP"."TRACKS"
where context_group_id is not null and user_id is not null and timestamp <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)
),
-- every group_id seen at or before as_of
"universe:account" AS (
  SELECT DISTINCT
    "G"."GROUP_ID" AS "ID"
  FROM "APP"."GROUPS" AS "G"
  WHERE (("G"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("G"."GROUP_ID" IS NOT NULL))
),
-- user <-> account pairs, many-to-many
"MEMBERSHIPS" AS (
  SELECT DISTINCT
    "G"."GROUP_ID" AS "GROUP_ID",
    "G"."USER_ID" AS "USER_ID"
  FROM "APP"."GROUPS" AS "G"
  WHERE ((("G"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("G"."GROUP_ID" IS NOT NULL)) AND ("G"."USER_ID" IS NOT NULL))
  UNION
  SELECT
    "S"."GROUP_ID" AS "GROUP_ID",
    "S"."USER_ID" AS "USER_ID"
  FROM "sql_trait:sql_context_members" AS "S"
  WHERE (("S"."GROUP_ID" IS NOT NULL) AND ("S"."USER_ID" IS NOT NULL))
),
-- latest non-null user traits at as_of
"custom_traits:user" AS (
  SELECT
    "S"."USER_ID" AS "ID",
    GET(ARRAY_AGG("S"."ROLE") WITHIN GROUP (ORDER BY "S"."TIMESTAMP" DESC NULLS LAST, "S"."ID" DESC NULLS LAST), 0) AS "ROLE",
    GET(ARRAY_AGG("S"."SEATS") WITHIN GROUP (ORDER BY "S"."TIMESTAMP" DESC NULLS LAST, "S"."ID" DESC NULLS LAST), 0) AS "SEATS",
    GET(ARRAY_AGG("S"."IS_ADMIN") WITHIN GROUP (ORDER BY "S"."TIMESTAMP" DESC NULLS LAST, "S"."ID" DESC NULLS LAST), 0) AS "IS_ADMIN"
  FROM "APP"."IDENTIFIES" AS "S"
  WHERE (("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL))
  GROUP BY "S"."USER_ID"
),
-- one scan of logged_in for every user-level measure on it
"events:user:logged_in" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    COUNT(*) AS "M_1",
    COUNT_IF(("E"."TIMESTAMP" > CAST('2024-05-02 12:00:00.000000' AS TIMESTAMP_NTZ))) AS "M_2"
  FROM "APP"."LOGGED_IN" AS "E"
  WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Logged In'))
  GROUP BY "E"."USER_ID"
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "U"."ID" AS "ID",
    "J1"."ROLE" AS "F_1",
    COALESCE("J2"."M_1", 0) AS "F_2",
    COALESCE("J2"."M_2", 0) AS "F_3",
    "J1"."SEATS" AS "F_4",
    "J1"."IS_ADMIN" AS "F_5"
  FROM (
    SELECT DISTINCT
      "MU"."USER_ID" AS "ID"
    FROM "MEMBERSHIPS" AS "MU"
  ) AS "U"
  LEFT JOIN "custom_traits:user" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "events:user:logged_in" AS "J2" ON ("J2"."ID" = "U"."ID")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "U"."ID" AS "ID"
  FROM "universe:account" AS "U"
),
-- users of each account that satisfy the quantifiers of: acc_any_user, acc_all_users, acc_at_least_count, acc_at_least_percent
"QUANTIFIERS" AS (
  SELECT
    "M"."GROUP_ID" AS "ID",
    COUNT(*) AS "USERS",
    COUNT_IF(COALESCE(("F"."F_1" = 'Admin'), FALSE)) AS "A1_Q_1",
    COUNT_IF(COALESCE(("F"."F_2" >= 1), FALSE)) AS "A2_Q_1",
    COUNT_IF(COALESCE(("F"."F_4" >= 1), FALSE)) AS "A3_Q_1",
    COUNT_IF(COALESCE(("F"."F_5" = FALSE), FALSE)) AS "A4_Q_1"
  FROM "MEMBERSHIPS" AS "M"
  JOIN "features:user" AS "F" ON ("F"."ID" = "M"."USER_ID")
  GROUP BY "M"."GROUP_ID"
),
-- audience: acc_any_user (generated.yml)
"audience:acc_any_user" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:account" AS "F"
  LEFT JOIN "QUANTIFIERS" AS "Q" ON ("Q"."ID" = "F"."ID")
  WHERE (COALESCE("Q"."A1_Q_1", 0) >= 1)
),
-- audience: acc_all_users (generated.yml)
"audience:acc_all_users" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:account" AS "F"
  LEFT JOIN "QUANTIFIERS" AS "Q" ON ("Q"."ID" = "F"."ID")
  WHERE ((COALESCE("Q"."USERS", 0) >= 1) AND (COALESCE("Q"."A2_Q_1", 0) = COALESCE("Q"."USERS", 0)))
),
-- audience: a_performed (generated.yml)
"audience:a_performed" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE ("F"."F_3" >= 2)
),
-- audience: acc_no_user (generated.yml) — users of each account that satisfy its quantifiers
"quantifiers:acc_no_user" AS (
  SELECT
    "M"."GROUP_ID" AS "ID",
    COUNT(*) AS "USERS",
    COUNT_IF(("F"."ID" IN (SELECT
      "A"."ID"
    FROM "audience:a_performed" AS "A"))) AS "Q_1"
  FROM "MEMBERSHIPS" AS "M"
  JOIN "features:user" AS "F" ON ("F"."ID" = "M"."USER_ID")
  GROUP BY "M"."GROUP_ID"
),
-- audience: acc_no_user (generated.yml)
"audience:acc_no_user" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:account" AS "F"
  LEFT JOIN "quantifiers:acc_no_user" AS "Q" ON ("Q"."ID" = "F"."ID")
  WHERE (COALESCE("Q"."Q_1", 0) = 0)
),
-- audience: acc_at_least_count (generated.yml)
"audience:acc_at_least_count" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:account" AS "F"
  LEFT JOIN "QUANTIFIERS" AS "Q" ON ("Q"."ID" = "F"."ID")
  WHERE (COALESCE("Q"."A3_Q_1", 0) >= 2)
),
-- audience: acc_at_least_percent (generated.yml)
"audience:acc_at_least_percent" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:account" AS "F"
  LEFT JOIN "QUANTIFIERS" AS "Q" ON ("Q"."ID" = "F"."ID")
  WHERE ((COALESCE("Q"."USERS", 0) >= 1) AND ((COALESCE("Q"."A4_Q_1", 0) * 100) >= (COALESCE("Q"."USERS", 0) * 33.3)))
)
SELECT
  'acc_any_user' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:acc_any_user" AS "A"
UNION ALL
SELECT
  'acc_all_users' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:acc_all_users" AS "A"
UNION ALL
SELECT
  'acc_no_user' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:acc_no_user" AS "A"
UNION ALL
SELECT
  'acc_at_least_count' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:acc_at_least_count" AS "A"
UNION ALL
SELECT
  'acc_at_least_percent' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:acc_at_least_percent" AS "A"
