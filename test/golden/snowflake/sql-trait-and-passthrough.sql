WITH
-- sql_trait: sql_context_members (generated.yml)
"sql_trait:sql_context_members" AS (
  select distinct context_group_id as group_id, user_id, 'context' as sql_context_members from "APP"."TRACKS"
where context_group_id is not null and user_id is not null and timestamp <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)
),
-- sql_trait: sql_identity (generated.yml)
"sql_trait:sql_identity" AS (
  select user_id, max(email) as top_email, count(*) as identify_count from "APP"."IDENTIFIES"
where user_id is not null and timestamp <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)
group by user_id
),
-- every user_id seen at or before as_of
"universe:user" AS (
  SELECT DISTINCT
    "S"."USER_ID" AS "ID"
  FROM "APP"."IDENTIFIES" AS "S"
  WHERE (("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "S"."USER_ID" AS "ID"
  FROM "APP"."GROUPS" AS "S"
  WHERE (("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "S"."USER_ID" AS "ID"
  FROM "APP"."TRACKS" AS "S"
  WHERE (("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "S"."USER_ID" AS "ID"
  FROM "APP"."PAGES" AS "S"
  WHERE (("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "S"."USER_ID" AS "ID"
  FROM "APP"."SCREENS" AS "S"
  WHERE (("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL))
  UNION
  SELECT
    "S"."USER_ID" AS "ID"
  FROM "sql_trait:sql_context_members" AS "S"
  WHERE ("S"."USER_ID" IS NOT NULL)
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
    GET(ARRAY_AGG("S"."SEATS") WITHIN GROUP (ORDER BY "S"."TIMESTAMP" DESC NULLS LAST, "S"."ID" DESC NULLS LAST), 0) AS "SEATS"
  FROM "APP"."IDENTIFIES" AS "S"
  WHERE (("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL))
  GROUP BY "S"."USER_ID"
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "U"."ID" AS "ID",
    "J1"."TOP_EMAIL" AS "F_1",
    "J1"."IDENTIFY_COUNT" AS "F_2",
    "J2"."ROLE" AS "F_3",
    "J2"."SEATS" AS "F_4"
  FROM "universe:user" AS "U"
  LEFT JOIN (
    SELECT DISTINCT
      "T"."USER_ID" AS "ID",
      "T"."TOP_EMAIL" AS "TOP_EMAIL",
      "T"."IDENTIFY_COUNT" AS "IDENTIFY_COUNT"
    FROM "sql_trait:sql_identity" AS "T"
  ) AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "custom_traits:user" AS "J2" ON ("J2"."ID" = "U"."ID")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "U"."ID" AS "ID"
  FROM "universe:account" AS "U"
),
-- audience: acc_any_user (generated.yml) — users of each account that satisfy its quantifiers
"quantifiers:acc_any_user" AS (
  SELECT
    "M"."GROUP_ID" AS "ID",
    COUNT(*) AS "USERS",
    COUNT_IF(COALESCE(("F"."F_3" = 'Admin'), FALSE)) AS "Q_1"
  FROM "MEMBERSHIPS" AS "M"
  JOIN "features:user" AS "F" ON ("F"."ID" = "M"."USER_ID")
  GROUP BY "M"."GROUP_ID"
),
-- audience: acc_any_user (generated.yml)
"audience:acc_any_user" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:account" AS "F"
  LEFT JOIN "quantifiers:acc_any_user" AS "Q" ON ("Q"."ID" = "F"."ID")
  WHERE (COALESCE("Q"."Q_1", 0) >= 1)
),
-- audience: a_passthrough (generated.yml)
"audience:a_passthrough" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE ("F"."ID" IN (SELECT
      "PM"."USER_ID"
    FROM "MEMBERSHIPS" AS "PM"
    JOIN "audience:acc_any_user" AS "PA" ON ("PA"."ID" = "PM"."GROUP_ID")))
),
-- audience: a_equals (generated.yml)
"audience:a_equals" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE ("F"."F_3" = 'Admin')
),
-- audience: a_not_tree (generated.yml)
"audience:a_not_tree" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE (NOT (("F"."F_3" IS NOT NULL) AND (COALESCE(("F"."F_4" > 2), FALSE) OR ("F"."ID" IN (SELECT
      "A"."ID"
    FROM "audience:a_equals" AS "A")))))
)
SELECT
  'sql_identity' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT(OBJECT_CONSTRUCT_KEEP_NULL('top_email', "F"."F_1", 'identify_count', "F"."F_2"))) AS "VALUE"
FROM "features:user" AS "F"
UNION ALL
SELECT
  'a_passthrough' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_passthrough" AS "A"
UNION ALL
SELECT
  'a_not_tree' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_not_tree" AS "A"
