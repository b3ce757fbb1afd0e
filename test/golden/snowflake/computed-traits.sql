WITH
-- sql_trait: sql_context_members (generated.yml)
"sql_trait:sql_context_members" AS (
  select distinct context_group_id as group_id, user_id, 'context' as sql_context_members from "APP"."TRACKS"
where context_group_id is not null and user_id is not null and timestamp <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)
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
-- one scan of logged_in for every user-level measure on it
"events:user:logged_in" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    COUNT_IF(COALESCE((LOWER("E"."METHOD") = LOWER('sso')), FALSE)) AS "M_1"
  FROM "APP"."LOGGED_IN" AS "E"
  WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Logged In')) AND ("E"."TIMESTAMP" > CAST('2024-05-02 12:00:00.000000' AS TIMESTAMP_NTZ)))
  GROUP BY "E"."USER_ID"
),
-- one scan of report_created per (user_id), shared by its account-level measures and its user-level measures
"events:account:report_created:per_user" AS (
  SELECT
    "E"."USER_ID" AS "USER_ID",
    SUM(CASE WHEN ("E"."SCORE" IS NOT NULL) THEN CASE WHEN (("E"."SCORE" > -1000000000000000000) AND ("E"."SCORE" < 1000000000000000000)) THEN CAST("E"."SCORE" AS DECIMAL(38, 9)) END END) AS "P_M_1_SUM",
    COUNT_IF((("E"."SCORE" IS NOT NULL) AND (("E"."SCORE" > -1000000000000000000) AND ("E"."SCORE" < 1000000000000000000)))) AS "P_M_1_COUNT",
    MAX(CASE WHEN (COALESCE((CASE WHEN (("E"."SCORE" >= -1.7976931348623157e+308) AND ("E"."SCORE" <= 1.7976931348623157e+308)) THEN "E"."SCORE" END > 0.2), FALSE) AND (CASE WHEN (("E"."SCORE" >= -1.7976931348623157e+308) AND ("E"."SCORE" <= 1.7976931348623157e+308)) THEN "E"."SCORE" END IS NOT NULL)) THEN CASE WHEN (("E"."SCORE" >= -1.7976931348623157e+308) AND ("E"."SCORE" <= 1.7976931348623157e+308)) THEN "E"."SCORE" END END) AS "PU_M_1"
  FROM "APP"."REPORT_CREATED" AS "E"
  WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Report Created'))
  GROUP BY "E"."USER_ID"
),
-- one scan of report_created for every account-level measure on it, pre-aggregated per user
"events:account:report_created" AS (
  SELECT
    "M"."GROUP_ID" AS "ID",
    CASE WHEN (SUM("P"."P_M_1_COUNT") > 0) THEN (CAST(SUM("P"."P_M_1_SUM") AS DOUBLE) / CAST(SUM("P"."P_M_1_COUNT") AS DOUBLE)) END AS "M_1"
  FROM "MEMBERSHIPS" AS "M"
  JOIN "events:account:report_created:per_user" AS "P" ON ("P"."USER_ID" = "M"."USER_ID")
  GROUP BY "M"."GROUP_ID"
),
-- every user-level measure on report_created, from the same per-user groups
"events:user:report_created" AS (
  SELECT
    "P"."USER_ID" AS "ID",
    MAX("P"."PU_M_1") AS "M_1"
  FROM "events:account:report_created:per_user" AS "P"
  GROUP BY "P"."USER_ID"
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
-- one scan of logged_in for every account-level measure on it
"events:account:logged_in" AS (
  SELECT
    "M"."GROUP_ID" AS "ID",
    COUNT(DISTINCT CASE WHEN ("E"."TIMESTAMP" < CAST('2024-05-25 00:00:00.000000' AS TIMESTAMP_NTZ)) THEN "E"."METHOD" END) AS "M_1"
  FROM "MEMBERSHIPS" AS "M"
  JOIN "APP"."LOGGED_IN" AS "E" ON ("E"."USER_ID" = "M"."USER_ID")
  WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Logged In')) AND ("E"."TIMESTAMP" >= CAST('2024-05-01 00:00:00.000000' AS TIMESTAMP_NTZ)))
  GROUP BY "M"."GROUP_ID"
),
-- computed_trait: ct_most_frequent (generated.yml)
"trait:ct_most_frequent" AS (
  SELECT
    "R"."ID" AS "ID",
    "R"."VALUE" AS "VALUE"
  FROM (
    SELECT
      "C"."ID" AS "ID",
      "C"."VALUE" AS "VALUE",
      ROW_NUMBER() OVER (PARTITION BY "C"."ID" ORDER BY "C"."FREQUENCY" DESC NULLS LAST, "C"."VALUE" ASC NULLS LAST) AS "RANK"
    FROM (
      SELECT
        "E"."USER_ID" AS "ID",
        "E"."FEATURE" AS "VALUE",
        COUNT(*) AS "FREQUENCY"
      FROM "APP"."FEATURE_USED" AS "E"
      WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Feature Used')) AND ("E"."FEATURE" IS NOT NULL))
      GROUP BY "E"."USER_ID", "E"."FEATURE"
      HAVING (COUNT(*) >= 1)
    ) AS "C"
  ) AS "R"
  WHERE ("R"."RANK" = 1)
),
-- computed_trait: ct_last (generated.yml)
"trait:ct_last" AS (
  SELECT
    "R"."ID" AS "ID",
    "R"."VALUE" AS "VALUE"
  FROM (
    SELECT
      "M"."GROUP_ID" AS "ID",
      "E"."TITLE" AS "VALUE",
      ROW_NUMBER() OVER (PARTITION BY "M"."GROUP_ID" ORDER BY "E"."TIMESTAMP" DESC NULLS LAST, "E"."ID" ASC NULLS LAST) AS "RANK"
    FROM "MEMBERSHIPS" AS "M"
    JOIN "APP"."REPORT_CREATED" AS "E" ON ("E"."USER_ID" = "M"."USER_ID")
    WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Report Created'))
  ) AS "R"
  WHERE ("R"."RANK" = 1)
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "U"."ID" AS "ID",
    COALESCE("J1"."M_1", 0) AS "F_1",
    "J2"."M_1" AS "F_3",
    "J3"."VALUE" AS "F_4",
    COALESCE("J4"."M_1", ARRAY_CONSTRUCT()) AS "F_6"
  FROM "universe:user" AS "U"
  LEFT JOIN "events:user:logged_in" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "events:user:report_created" AS "J2" ON ("J2"."ID" = "U"."ID")
  LEFT JOIN "trait:ct_most_frequent" AS "J3" ON ("J3"."ID" = "U"."ID")
  LEFT JOIN "events:user:feature_used" AS "J4" ON ("J4"."ID" = "U"."ID")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "U"."ID" AS "ID",
    "J1"."M_1" AS "F_2",
    "J2"."VALUE" AS "F_5",
    COALESCE("J3"."M_1", 0) AS "F_7"
  FROM "universe:account" AS "U"
  LEFT JOIN "events:account:report_created" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "trait:ct_last" AS "J2" ON ("J2"."ID" = "U"."ID")
  LEFT JOIN "events:account:logged_in" AS "J3" ON ("J3"."ID" = "U"."ID")
)
SELECT
  'ct_count' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_1")) AS "VALUE"
FROM "features:user" AS "F"
UNION ALL
SELECT
  'ct_avg' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_2")) AS "VALUE"
FROM "features:account" AS "F"
UNION ALL
SELECT
  'ct_max_score' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_3")) AS "VALUE"
FROM "features:user" AS "F"
UNION ALL
SELECT
  'ct_most_frequent' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_4")) AS "VALUE"
FROM "features:user" AS "F"
UNION ALL
SELECT
  'ct_last' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_5")) AS "VALUE"
FROM "features:account" AS "F"
UNION ALL
SELECT
  'ct_unique_list' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_6")) AS "VALUE"
FROM "features:user" AS "F"
UNION ALL
SELECT
  'ct_unique_count' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_7")) AS "VALUE"
FROM "features:account" AS "F"
