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
-- funnel funnel:1 (generated.yml): instances of step 1
"funnel:1:events_1" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    "E"."TIMESTAMP" AS "T"
  FROM "APP"."LOGGED_IN" AS "E"
  WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Logged In')) AND ("E"."TIMESTAMP" > CAST('2024-05-02 12:00:00.000000' AS TIMESTAMP_NTZ)))
),
-- funnel funnel:1 (generated.yml): users who completed step 2
"funnel:1:step_2" AS (
  SELECT DISTINCT
    "E"."USER_ID" AS "ID",
    1 AS "REACHED"
  FROM "APP"."REPORT_CREATED" AS "E"
  WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Report Created')) AND EXISTS (SELECT
      1
    FROM "funnel:1:events_1" AS "P"
    WHERE ((("P"."ID" = "E"."USER_ID") AND ("P"."T" < "E"."TIMESTAMP")) AND ("E"."TIMESTAMP" <= DATEADD(SECOND, 86400, "P"."T")))))
),
-- funnel funnel:2 (generated.yml): instances of step 1
"funnel:2:events_1" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    "E"."TIMESTAMP" AS "T"
  FROM "APP"."REPORT_CREATED" AS "E"
  WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Report Created')) AND ("E"."TIMESTAMP" > CAST('2024-05-25 12:00:00.000000' AS TIMESTAMP_NTZ)))
),
-- funnel funnel:2 (generated.yml): users who completed step 2
"funnel:2:step_2" AS (
  SELECT DISTINCT
    "P"."ID" AS "ID",
    1 AS "REACHED"
  FROM "funnel:2:events_1" AS "P"
  LEFT JOIN (
    SELECT
      "E"."USER_ID" AS "ID",
      "E"."TIMESTAMP" AS "T"
    FROM "APP"."LOGGED_IN" AS "E"
    WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Logged In')) AND COALESCE(("E"."METHOD" IN ('sso', 'password')), FALSE))
  ) AS "N" ON ((("N"."ID" = "P"."ID") AND ("N"."T" > "P"."T")) AND ("N"."T" <= DATEADD(SECOND, 3600, "P"."T")))
  WHERE ((DATEADD(SECOND, 3600, "P"."T") <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("N"."ID" IS NULL))
),
-- funnel funnel:3 (generated.yml): instances of step 1
"funnel:3:events_1" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    "E"."TIMESTAMP" AS "T"
  FROM "APP"."LOGGED_IN" AS "E"
  WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Logged In')) AND ("E"."METHOD" IS NOT NULL))
),
-- funnel funnel:3 (generated.yml): instances of step 2 that follow the previous step
"funnel:3:events_2" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    "E"."TIMESTAMP" AS "T"
  FROM "APP"."FEATURE_USED" AS "E"
  WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Feature Used')) AND EXISTS (SELECT
      1
    FROM "funnel:3:events_1" AS "P"
    WHERE ((("P"."ID" = "E"."USER_ID") AND ("P"."T" < "E"."TIMESTAMP")) AND ("E"."TIMESTAMP" <= DATEADD(SECOND, 172800, "P"."T")))))
),
-- funnel funnel:3 (generated.yml): users who completed step 3
"funnel:3:step_3" AS (
  SELECT DISTINCT
    "E"."USER_ID" AS "ID",
    1 AS "REACHED"
  FROM "APP"."REPORT_CREATED" AS "E"
  WHERE (((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Report Created')) AND EXISTS (SELECT
      1
    FROM "funnel:3:events_2" AS "P"
    WHERE ((("P"."ID" = "E"."USER_ID") AND ("P"."T" < "E"."TIMESTAMP")) AND ("E"."TIMESTAMP" <= DATEADD(SECOND, 43200, "P"."T")))))
),
-- funnel funnel:4 (generated.yml): instances of step 1
"funnel:4:events_1" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    "E"."TIMESTAMP" AS "T"
  FROM "APP"."FEATURE_USED" AS "E"
  WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Feature Used'))
),
-- funnel funnel:4 (generated.yml): users who completed step 2
"funnel:4:step_2" AS (
  SELECT DISTINCT
    "P"."ID" AS "ID",
    1 AS "REACHED"
  FROM "funnel:4:events_1" AS "P"
  LEFT JOIN (
    SELECT
      "E"."USER_ID" AS "ID",
      "E"."TIMESTAMP" AS "T"
    FROM "APP"."FEATURE_USED" AS "E"
    WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Feature Used'))
  ) AS "N" ON ((("N"."ID" = "P"."ID") AND ("N"."T" > "P"."T")) AND ("N"."T" <= DATEADD(SECOND, 86400, "P"."T")))
  WHERE ((DATEADD(SECOND, 86400, "P"."T") <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("N"."ID" IS NULL))
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "U"."ID" AS "ID",
    COALESCE("J1"."REACHED", 0) AS "F_2",
    COALESCE("J2"."REACHED", 0) AS "F_4",
    COALESCE("J3"."REACHED", 0) AS "F_7",
    COALESCE("J4"."REACHED", 0) AS "F_9"
  FROM "universe:user" AS "U"
  LEFT JOIN "funnel:1:step_2" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "funnel:2:step_2" AS "J2" ON ("J2"."ID" = "U"."ID")
  LEFT JOIN "funnel:3:step_3" AS "J3" ON ("J3"."ID" = "U"."ID")
  LEFT JOIN "funnel:4:step_2" AS "J4" ON ("J4"."ID" = "U"."ID")
),
-- the same values for each user of funnel:1:step_2, funnel:2:step_2 that the user universe lacks
"features:user:outside_universe" AS (
  SELECT
    "U"."ID" AS "ID",
    COALESCE("J1"."REACHED", 0) AS "F_2",
    COALESCE("J2"."REACHED", 0) AS "F_4",
    COALESCE("J3"."REACHED", 0) AS "F_7",
    COALESCE("J4"."REACHED", 0) AS "F_9"
  FROM (
    SELECT
      "L"."ID" AS "ID"
    FROM (
      SELECT
        "P"."ID" AS "ID"
      FROM "funnel:1:step_2" AS "P"
      UNION
      SELECT
        "P"."ID" AS "ID"
      FROM "funnel:2:step_2" AS "P"
    ) AS "L"
    LEFT JOIN "universe:user" AS "UU" ON ("UU"."ID" = "L"."ID")
    WHERE ("UU"."ID" IS NULL)
  ) AS "U"
  LEFT JOIN "funnel:1:step_2" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "funnel:2:step_2" AS "J2" ON ("J2"."ID" = "U"."ID")
  LEFT JOIN "funnel:3:step_3" AS "J3" ON ("J3"."ID" = "U"."ID")
  LEFT JOIN "funnel:4:step_2" AS "J4" ON ("J4"."ID" = "U"."ID")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "U"."ID" AS "ID"
  FROM "universe:account" AS "U"
),
-- audience: a_funnel (generated.yml)
"audience:a_funnel" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM (
    SELECT
      *
    FROM "features:user"
    UNION ALL
    SELECT
      *
    FROM "features:user:outside_universe"
  ) AS "F"
  WHERE ("F"."F_2" >= 1)
),
-- audience: a_funnel_abandoned (generated.yml)
"audience:a_funnel_abandoned" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM (
    SELECT
      *
    FROM "features:user"
    UNION ALL
    SELECT
      *
    FROM "features:user:outside_universe"
  ) AS "F"
  WHERE ("F"."F_4" >= 1)
),
-- audience: a_funnel_chain (generated.yml)
"audience:a_funnel_chain" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE (NOT COALESCE(("F"."F_7" >= 1), FALSE))
),
-- audience: acc_funnel (generated.yml) — users of each account that satisfy its quantifiers
"quantifiers:acc_funnel" AS (
  SELECT
    "M"."GROUP_ID" AS "ID",
    COUNT(*) AS "USERS",
    COUNT_IF(COALESCE(("F"."F_9" >= 1), FALSE)) AS "Q_1"
  FROM "MEMBERSHIPS" AS "M"
  JOIN "features:user" AS "F" ON ("F"."ID" = "M"."USER_ID")
  GROUP BY "M"."GROUP_ID"
),
-- audience: acc_funnel (generated.yml)
"audience:acc_funnel" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:account" AS "F"
  LEFT JOIN "quantifiers:acc_funnel" AS "Q" ON ("Q"."ID" = "F"."ID")
  WHERE (COALESCE("Q"."Q_1", 0) >= 1)
)
SELECT
  'a_funnel' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_funnel" AS "A"
UNION ALL
SELECT
  'a_funnel_abandoned' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_funnel_abandoned" AS "A"
UNION ALL
SELECT
  'a_funnel_chain' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_funnel_chain" AS "A"
UNION ALL
SELECT
  'acc_funnel' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:acc_funnel" AS "A"
