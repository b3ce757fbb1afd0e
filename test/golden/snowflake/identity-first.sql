WITH
-- identity edges at as_of: each (anonymous_id, user_id) seen together, at its first time, from identifies, groups, tracks, pages, screens
"identity:edges" AS (
  SELECT
    "R"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
    "R"."USER_ID" AS "USER_ID",
    MIN("R"."TIMESTAMP") AS "AT"
  FROM "APP"."IDENTIFIES" AS "R"
  WHERE ((("R"."ANONYMOUS_ID" IS NOT NULL) AND ("R"."USER_ID" IS NOT NULL)) AND ("R"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)))
  GROUP BY "R"."ANONYMOUS_ID", "R"."USER_ID"
  UNION ALL
  SELECT
    "R"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
    "R"."USER_ID" AS "USER_ID",
    MIN("R"."TIMESTAMP") AS "AT"
  FROM "APP"."GROUPS" AS "R"
  WHERE ((("R"."ANONYMOUS_ID" IS NOT NULL) AND ("R"."USER_ID" IS NOT NULL)) AND ("R"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)))
  GROUP BY "R"."ANONYMOUS_ID", "R"."USER_ID"
  UNION ALL
  SELECT
    "R"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
    "R"."USER_ID" AS "USER_ID",
    MIN("R"."TIMESTAMP") AS "AT"
  FROM "APP"."TRACKS" AS "R"
  WHERE ((("R"."ANONYMOUS_ID" IS NOT NULL) AND ("R"."USER_ID" IS NOT NULL)) AND ("R"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)))
  GROUP BY "R"."ANONYMOUS_ID", "R"."USER_ID"
  UNION ALL
  SELECT
    "R"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
    "R"."USER_ID" AS "USER_ID",
    MIN("R"."TIMESTAMP") AS "AT"
  FROM "APP"."PAGES" AS "R"
  WHERE ((("R"."ANONYMOUS_ID" IS NOT NULL) AND ("R"."USER_ID" IS NOT NULL)) AND ("R"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)))
  GROUP BY "R"."ANONYMOUS_ID", "R"."USER_ID"
  UNION ALL
  SELECT
    "R"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
    "R"."USER_ID" AS "USER_ID",
    MIN("R"."TIMESTAMP") AS "AT"
  FROM "APP"."SCREENS" AS "R"
  WHERE ((("R"."ANONYMOUS_ID" IS NOT NULL) AND ("R"."USER_ID" IS NOT NULL)) AND ("R"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)))
  GROUP BY "R"."ANONYMOUS_ID", "R"."USER_ID"
),
-- each anonymous_id's user: its first edge, ties to the smallest user_id
"IDENTITY" AS (
  SELECT
    "O"."ID" AS "ANONYMOUS_ID",
    "O"."VALUE" AS "USER_ID"
  FROM (
    SELECT
      "R"."ID" AS "ID",
      "R"."VALUE" AS "VALUE"
    FROM (
      SELECT
        "E"."ANONYMOUS_ID" AS "ID",
        "E"."USER_ID" AS "VALUE",
        ROW_NUMBER() OVER (PARTITION BY "E"."ANONYMOUS_ID" ORDER BY "E"."AT" ASC NULLS LAST, "E"."USER_ID" ASC NULLS LAST) AS "RANK"
      FROM "identity:edges" AS "E"
    ) AS "R"
    WHERE ("R"."RANK" = 1)
  ) AS "O"
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
    "I"."USER_ID" AS "ID"
  FROM "IDENTITY" AS "I"
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
  FROM (
    SELECT
      "RAW"."ID" AS "ID",
      "RAW"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
      "RAW"."TIMESTAMP" AS "TIMESTAMP",
      "RAW"."GROUP_ID" AS "GROUP_ID",
      COALESCE("RAW"."USER_ID", "OWNER"."USER_ID") AS "USER_ID"
    FROM "APP"."GROUPS" AS "RAW"
    LEFT JOIN "IDENTITY" AS "OWNER" ON ("OWNER"."ANONYMOUS_ID" = "RAW"."ANONYMOUS_ID")
  ) AS "G"
  WHERE ((("G"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("G"."GROUP_ID" IS NOT NULL)) AND ("G"."USER_ID" IS NOT NULL))
),
-- latest non-null user trait at as_of
"custom_traits:user" AS (
  SELECT
    "T"."ID" AS "ID",
    "T"."VALUE" AS "ROLE"
  FROM (
    SELECT
      "R"."ID" AS "ID",
      "R"."VALUE" AS "VALUE"
    FROM (
      SELECT
        "S"."USER_ID" AS "ID",
        "S"."ROLE" AS "VALUE",
        ROW_NUMBER() OVER (PARTITION BY "S"."USER_ID" ORDER BY "S"."TIMESTAMP" DESC NULLS LAST, "S"."ID" DESC NULLS LAST) AS "RANK"
      FROM (
        SELECT
          "RAW"."ID" AS "ID",
          "RAW"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
          "RAW"."TIMESTAMP" AS "TIMESTAMP",
          "RAW"."ROLE" AS "ROLE",
          COALESCE("RAW"."USER_ID", "OWNER"."USER_ID") AS "USER_ID"
        FROM "APP"."IDENTIFIES" AS "RAW"
        LEFT JOIN "IDENTITY" AS "OWNER" ON ("OWNER"."ANONYMOUS_ID" = "RAW"."ANONYMOUS_ID")
      ) AS "S"
      WHERE ((("S"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("S"."USER_ID" IS NOT NULL)) AND ("S"."ROLE" IS NOT NULL))
    ) AS "R"
    WHERE ("R"."RANK" = 1)
  ) AS "T"
),
-- one scan of logged_in for every user-level measure on it
"events:user:logged_in" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    COUNT_IF((("E"."TIMESTAMP" > CAST('2024-05-02 12:00:00.000000' AS TIMESTAMP_NTZ)) AND COALESCE((LOWER("E"."METHOD") = LOWER('sso')), FALSE))) AS "M_1",
    COUNT_IF(("E"."TIMESTAMP" > CAST('2024-05-02 12:00:00.000000' AS TIMESTAMP_NTZ))) AS "M_2",
    COUNT(*) AS "M_3"
  FROM (
    SELECT
      "RAW"."ID" AS "ID",
      "RAW"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
      "RAW"."TIMESTAMP" AS "TIMESTAMP",
      "RAW"."EVENT_TEXT" AS "EVENT_TEXT",
      "RAW"."METHOD" AS "METHOD",
      COALESCE("RAW"."USER_ID", "OWNER"."USER_ID") AS "USER_ID"
    FROM "APP"."LOGGED_IN" AS "RAW"
    LEFT JOIN "IDENTITY" AS "OWNER" ON ("OWNER"."ANONYMOUS_ID" = "RAW"."ANONYMOUS_ID")
  ) AS "E"
  WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Logged In'))
  GROUP BY "E"."USER_ID"
),
-- one scan of feature_used for every user-level measure on it
"events:user:feature_used" AS (
  SELECT
    "E"."USER_ID" AS "ID",
    ARRAY_AGG(DISTINCT CASE WHEN ("E"."FEATURE" IS NOT NULL) THEN "E"."FEATURE" END) WITHIN GROUP (ORDER BY CASE WHEN ("E"."FEATURE" IS NOT NULL) THEN "E"."FEATURE" END) AS "M_1"
  FROM (
    SELECT
      "RAW"."ID" AS "ID",
      "RAW"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
      "RAW"."TIMESTAMP" AS "TIMESTAMP",
      "RAW"."EVENT_TEXT" AS "EVENT_TEXT",
      "RAW"."FEATURE" AS "FEATURE",
      COALESCE("RAW"."USER_ID", "OWNER"."USER_ID") AS "USER_ID"
    FROM "APP"."FEATURE_USED" AS "RAW"
    LEFT JOIN "IDENTITY" AS "OWNER" ON ("OWNER"."ANONYMOUS_ID" = "RAW"."ANONYMOUS_ID")
  ) AS "E"
  WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Feature Used'))
  GROUP BY "E"."USER_ID"
),
-- one scan of report_created for every account-level measure on it, pre-aggregated per user
"events:account:report_created" AS (
  SELECT
    "M"."GROUP_ID" AS "ID",
    CASE WHEN (SUM("P"."P_M_1_COUNT") > 0) THEN (CAST(SUM("P"."P_M_1_SUM") AS DOUBLE) / CAST(SUM("P"."P_M_1_COUNT") AS DOUBLE)) END AS "M_1"
  FROM "MEMBERSHIPS" AS "M"
  JOIN (
    SELECT
      "E"."USER_ID" AS "USER_ID",
      SUM(CASE WHEN ("E"."SCORE" IS NOT NULL) THEN CASE WHEN (("E"."SCORE" > -1000000000000000000) AND ("E"."SCORE" < 1000000000000000000)) THEN CAST("E"."SCORE" AS DECIMAL(38, 9)) END END) AS "P_M_1_SUM",
      COUNT_IF((("E"."SCORE" IS NOT NULL) AND (("E"."SCORE" > -1000000000000000000) AND ("E"."SCORE" < 1000000000000000000)))) AS "P_M_1_COUNT"
    FROM (
      SELECT
        "RAW"."ID" AS "ID",
        "RAW"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
        "RAW"."TIMESTAMP" AS "TIMESTAMP",
        "RAW"."EVENT_TEXT" AS "EVENT_TEXT",
        "RAW"."SCORE" AS "SCORE",
        "RAW"."TITLE" AS "TITLE",
        COALESCE("RAW"."USER_ID", "OWNER"."USER_ID") AS "USER_ID"
      FROM "APP"."REPORT_CREATED" AS "RAW"
      LEFT JOIN "IDENTITY" AS "OWNER" ON ("OWNER"."ANONYMOUS_ID" = "RAW"."ANONYMOUS_ID")
    ) AS "E"
    WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Report Created'))
    GROUP BY "E"."USER_ID"
  ) AS "P" ON ("P"."USER_ID" = "M"."USER_ID")
  GROUP BY "M"."GROUP_ID"
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
    JOIN (
      SELECT
        "RAW"."ID" AS "ID",
        "RAW"."ANONYMOUS_ID" AS "ANONYMOUS_ID",
        "RAW"."TIMESTAMP" AS "TIMESTAMP",
        "RAW"."EVENT_TEXT" AS "EVENT_TEXT",
        "RAW"."SCORE" AS "SCORE",
        "RAW"."TITLE" AS "TITLE",
        COALESCE("RAW"."USER_ID", "OWNER"."USER_ID") AS "USER_ID"
      FROM "APP"."REPORT_CREATED" AS "RAW"
      LEFT JOIN "IDENTITY" AS "OWNER" ON ("OWNER"."ANONYMOUS_ID" = "RAW"."ANONYMOUS_ID")
    ) AS "E" ON ("E"."USER_ID" = "M"."USER_ID")
    WHERE ((("E"."TIMESTAMP" <= CAST('2024-06-01 12:00:00.000000' AS TIMESTAMP_NTZ)) AND ("E"."USER_ID" IS NOT NULL)) AND ("E"."EVENT_TEXT" = 'Report Created'))
  ) AS "R"
  WHERE ("R"."RANK" = 1)
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "U"."ID" AS "ID",
    COALESCE("J1"."M_1", 0) AS "F_1",
    COALESCE("J2"."M_1", ARRAY_CONSTRUCT()) AS "F_3",
    "J3"."ROLE" AS "F_5",
    COALESCE("J1"."M_2", 0) AS "F_6",
    COALESCE("J1"."M_3", 0) AS "F_7"
  FROM "universe:user" AS "U"
  LEFT JOIN "events:user:logged_in" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "events:user:feature_used" AS "J2" ON ("J2"."ID" = "U"."ID")
  LEFT JOIN "custom_traits:user" AS "J3" ON ("J3"."ID" = "U"."ID")
),
-- the same values for each user of events:user:logged_in that the user universe lacks
"features:user:outside_universe" AS (
  SELECT
    "U"."ID" AS "ID",
    COALESCE("J1"."M_1", 0) AS "F_1",
    COALESCE("J2"."M_1", ARRAY_CONSTRUCT()) AS "F_3",
    "J3"."ROLE" AS "F_5",
    COALESCE("J1"."M_2", 0) AS "F_6",
    COALESCE("J1"."M_3", 0) AS "F_7"
  FROM (
    SELECT
      "L"."ID" AS "ID"
    FROM (
      SELECT
        "P"."ID" AS "ID"
      FROM "events:user:logged_in" AS "P"
    ) AS "L"
    LEFT JOIN "universe:user" AS "UU" ON ("UU"."ID" = "L"."ID")
    WHERE ("UU"."ID" IS NULL)
  ) AS "U"
  LEFT JOIN "events:user:logged_in" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "events:user:feature_used" AS "J2" ON ("J2"."ID" = "U"."ID")
  LEFT JOIN "custom_traits:user" AS "J3" ON ("J3"."ID" = "U"."ID")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "U"."ID" AS "ID",
    "J1"."VALUE" AS "F_2",
    "J2"."M_1" AS "F_4"
  FROM "universe:account" AS "U"
  LEFT JOIN "trait:ct_last" AS "J1" ON ("J1"."ID" = "U"."ID")
  LEFT JOIN "events:account:report_created" AS "J2" ON ("J2"."ID" = "U"."ID")
),
-- audience: a_equals (generated.yml)
"audience:a_equals" AS (
  SELECT
    "F"."ID" AS "ID"
  FROM "features:user" AS "F"
  WHERE ("F"."F_5" = 'Admin')
),
-- audience: a_performed (generated.yml)
"audience:a_performed" AS (
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
  WHERE ("F"."F_6" >= 2)
),
-- audience: acc_any_user (generated.yml) — users of each account that satisfy its quantifiers
"quantifiers:acc_any_user" AS (
  SELECT
    "M"."GROUP_ID" AS "ID",
    COUNT(*) AS "Q_1"
  FROM "MEMBERSHIPS" AS "M"
  JOIN "features:user" AS "F" ON ("F"."ID" = "M"."USER_ID")
  WHERE ("F"."F_5" = 'Admin')
  GROUP BY "M"."GROUP_ID"
),
-- audience: acc_any_user (generated.yml)
"audience:acc_any_user" AS (
  SELECT
    "Q"."ID" AS "ID"
  FROM "quantifiers:acc_any_user" AS "Q"
  WHERE (COALESCE("Q"."Q_1", 0) >= 1)
),
-- audience: acc_all_users (generated.yml)
"audience:acc_all_users" AS (
  SELECT DISTINCT
    "M"."GROUP_ID" AS "ID"
  FROM "MEMBERSHIPS" AS "M"
  WHERE (NOT ("M"."GROUP_ID" IN (SELECT
      "MI"."GROUP_ID"
    FROM "MEMBERSHIPS" AS "MI"
    WHERE (NOT ("MI"."USER_ID" IN (SELECT
      "R"."ID"
    FROM "events:user:logged_in" AS "R"
    WHERE ("R"."M_3" >= 1)))))))
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
)
SELECT
  'ct_count' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_1")) AS "VALUE"
FROM "features:user" AS "F"
UNION ALL
SELECT
  'ct_last' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_2")) AS "VALUE"
FROM "features:account" AS "F"
UNION ALL
SELECT
  'ct_unique_list' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_3")) AS "VALUE"
FROM "features:user" AS "F"
UNION ALL
SELECT
  'ct_avg' AS "DEFINITION",
  "F"."ID" AS "ID",
  TO_JSON(TO_VARIANT("F"."F_4")) AS "VALUE"
FROM "features:account" AS "F"
UNION ALL
SELECT
  'a_equals' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_equals" AS "A"
UNION ALL
SELECT
  'a_performed' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_performed" AS "A"
UNION ALL
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
  'a_passthrough' AS "DEFINITION",
  "A"."ID" AS "ID",
  CAST(NULL AS VARCHAR) AS "VALUE"
FROM "audience:a_passthrough" AS "A"
