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
    GET(ARRAY_AGG("S"."EMAIL") WITHIN GROUP (ORDER BY "S"."TIMESTAMP" DESC NULLS LAST, "S"."ID" DESC NULLS LAST), 0) AS "EMAIL"
  FROM "APP"."IDENTIFIES" AS "S"
  WHERE (("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL))
  GROUP BY "S"."USER_ID"
),
-- one scan of feature_used for every user-level measure on it
"events:user:feature_used" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    ARRAY_AGG(DISTINCT CASE WHEN ("E"."FEATURE" IS NOT NULL) THEN "E"."FEATURE" END) WITHIN GROUP (ORDER BY CASE WHEN ("E"."FEATURE" IS NOT NULL) THEN "E"."FEATURE" END) AS "M_1"
  FROM "APP"."FEATURE_USED" AS "E"
  WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Feature Used'))
  GROUP BY "E"."USER_ID"
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "U"."ID" AS "ID",
    "J1"."ROLE" AS "F_1",
    "J1"."EMAIL" AS "F_2",
    COALESCE("J2"."M_1", ARRAY_CONSTRUCT()) AS "F_3"
  FROM (
    SELECT
      "P"."ID" AS "ID"
    FROM "custom_traits:user" AS "P"
    UNION
    SELECT
      "P"."ID" AS "ID"
    FROM "events:user:feature_used" AS "P"
  ) AS "U"
  LEFT JOIN "custom_traits:user" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "events:user:feature_used" AS "J2" ON ("J2"."ID" = "U"."ID")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "U"."ID" AS "ID"
  FROM "universe:account" AS "U"
),
-- audience: a_equals_ci (generated.yml)
"audience:a_equals_ci" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE (LOWER("F"."F_1") = LOWER('admin'))
),
-- audience: a_lt_string (generated.yml)
"audience:a_lt_string" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE ("F"."F_2" < 'a')
),
-- audience: a_between_string (generated.yml)
"audience:a_between_string" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE ("F"."F_2" BETWEEN 'Z' AND 'é')
),
-- audience: a_contains (generated.yml)
"audience:a_contains" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE CONTAINS("F"."F_2", '''')
),
-- audience: a_starts_with (generated.yml)
"audience:a_starts_with" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE (LEFT("F"."F_2", LENGTH('back\\')) = 'back\\')
),
-- audience: a_ends_with_ci (generated.yml)
"audience:a_ends_with_ci" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE (RIGHT(LOWER("F"."F_2"), LENGTH(LOWER('ÏVE'))) = LOWER('ÏVE'))
),
-- audience: a_includes (generated.yml)
"audience:a_includes" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE ARRAY_CONTAINS(CAST('export' AS VARIANT), "F"."F_3")
)
SELECT
  'a_equals_ci' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_equals_ci" AS "A"
UNION ALL
SELECT
  'a_lt_string' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_lt_string" AS "A"
UNION ALL
SELECT
  'a_between_string' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_between_string" AS "A"
UNION ALL
SELECT
  'a_contains' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_contains" AS "A"
UNION ALL
SELECT
  'a_starts_with' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_starts_with" AS "A"
UNION ALL
SELECT
  'a_ends_with_ci' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_ends_with_ci" AS "A"
UNION ALL
SELECT
  'a_includes' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_includes" AS "A"
