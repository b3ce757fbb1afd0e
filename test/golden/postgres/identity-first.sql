WITH
-- identity edges at as_of: each (anonymous_id, user_id) seen together, at its first time, from identifies, groups, tracks, pages, screens
"identity:edges" AS (
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."identifies" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
  UNION ALL
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."groups" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
  UNION ALL
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."tracks" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
  UNION ALL
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."pages" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
  UNION ALL
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."screens" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
),
-- each anonymous_id's user: its first edge, ties to the smallest user_id
"identity" AS (
  SELECT
    "o"."id" AS "anonymous_id",
    "o"."value" AS "user_id"
  FROM (
    SELECT DISTINCT ON ("e"."anonymous_id")
      "e"."anonymous_id" AS "id",
      "e"."user_id" AS "value"
    FROM "identity:edges" AS "e"
    ORDER BY "e"."anonymous_id" ASC NULLS LAST, "e"."at" ASC NULLS LAST, ("e"."user_id" COLLATE "C") ASC NULLS LAST
  ) AS "o"
),
-- every user_id seen at or before as_of
"universe:user" AS (
  SELECT DISTINCT
    "s"."user_id" AS "id"
  FROM "app"."identifies" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "s"."user_id" AS "id"
  FROM "app"."groups" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "s"."user_id" AS "id"
  FROM "app"."tracks" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "s"."user_id" AS "id"
  FROM "app"."pages" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  UNION
  SELECT DISTINCT
    "s"."user_id" AS "id"
  FROM "app"."screens" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  UNION
  SELECT
    "i"."user_id" AS "id"
  FROM "identity" AS "i"
),
-- every group_id seen at or before as_of
"universe:account" AS (
  SELECT DISTINCT
    "g"."group_id" AS "id"
  FROM "app"."groups" AS "g"
  WHERE (("g"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("g"."group_id" IS NOT NULL))
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
  WHERE ((("g"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("g"."group_id" IS NOT NULL)) AND ("g"."user_id" IS NOT NULL))
),
-- latest non-null user trait at as_of
"custom_traits:user" AS (
  SELECT
    "t"."id" AS "id",
    "t"."value" AS "role"
  FROM (
    SELECT DISTINCT ON ("s"."user_id")
      "s"."user_id" AS "id",
      "s"."role" AS "value"
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
    WHERE ((("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL)) AND ("s"."role" IS NOT NULL))
    ORDER BY "s"."user_id" ASC NULLS LAST, "s"."timestamp" DESC NULLS LAST, ("s"."id" COLLATE "C") DESC NULLS LAST
  ) AS "t"
),
-- one scan of logged_in for every user-level measure on it
"events:user:logged_in" AS (
  SELECT
    "e"."user_id" AS "id",
    COUNT(*) FILTER (WHERE (("e"."timestamp" > TIMESTAMP '2024-05-02 12:00:00.000000') AND COALESCE((LOWER(TRANSLATE("e"."method", 'ΣİIJĮÌÍĨ', 'σiijįìíĩ')) = LOWER(TRANSLATE('sso', 'ΣİIJĮÌÍĨ', 'σiijįìíĩ'))), FALSE))) AS "m_1",
    COUNT(*) FILTER (WHERE ("e"."timestamp" > TIMESTAMP '2024-05-02 12:00:00.000000')) AS "m_2",
    COUNT(*) AS "m_3"
  FROM (
    SELECT
      "raw"."id" AS "id",
      "raw"."anonymous_id" AS "anonymous_id",
      "raw"."timestamp" AS "timestamp",
      "raw"."event_text" AS "event_text",
      "raw"."method" AS "method",
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."logged_in" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "e"
  WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In'))
  GROUP BY "e"."user_id"
),
-- one scan of feature_used for every user-level measure on it
"events:user:feature_used" AS (
  SELECT
    "e"."user_id" AS "id",
    ARRAY_AGG(DISTINCT ("e"."feature" COLLATE "C") ORDER BY ("e"."feature" COLLATE "C")) FILTER (WHERE ("e"."feature" IS NOT NULL)) AS "m_1"
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
  WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used'))
  GROUP BY "e"."user_id"
),
-- one scan of report_created for every account-level measure on it, pre-aggregated per user
"events:account:report_created" AS (
  SELECT
    "m"."group_id" AS "id",
    CASE WHEN (SUM("p"."p_m_1_count") > 0) THEN (CAST(SUM("p"."p_m_1_sum") AS DOUBLE PRECISION) / CAST(SUM("p"."p_m_1_count") AS DOUBLE PRECISION)) END AS "m_1"
  FROM "memberships" AS "m"
  JOIN (
    SELECT
      "e"."user_id" AS "user_id",
      SUM(CASE WHEN (("e"."score" > -1000000000000000000) AND ("e"."score" < 1000000000000000000)) THEN CAST("e"."score" AS DECIMAL(38, 9)) END) FILTER (WHERE ("e"."score" IS NOT NULL)) AS "p_m_1_sum",
      COUNT(*) FILTER (WHERE (("e"."score" IS NOT NULL) AND (("e"."score" > -1000000000000000000) AND ("e"."score" < 1000000000000000000)))) AS "p_m_1_count"
    FROM (
      SELECT
        "raw"."id" AS "id",
        "raw"."anonymous_id" AS "anonymous_id",
        "raw"."timestamp" AS "timestamp",
        "raw"."event_text" AS "event_text",
        "raw"."score" AS "score",
        "raw"."title" AS "title",
        COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
      FROM "app"."report_created" AS "raw"
      LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
    ) AS "e"
    WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created'))
    GROUP BY "e"."user_id"
  ) AS "p" ON ("p"."user_id" = "m"."user_id")
  GROUP BY "m"."group_id"
),
-- computed_trait: ct_last (generated.yml)
"trait:ct_last" AS (
  SELECT DISTINCT ON ("m"."group_id")
    "m"."group_id" AS "id",
    "e"."title" AS "value"
  FROM "memberships" AS "m"
  JOIN (
    SELECT
      "raw"."id" AS "id",
      "raw"."anonymous_id" AS "anonymous_id",
      "raw"."timestamp" AS "timestamp",
      "raw"."event_text" AS "event_text",
      "raw"."score" AS "score",
      "raw"."title" AS "title",
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."report_created" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "e" ON ("e"."user_id" = "m"."user_id")
  WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created'))
  ORDER BY "m"."group_id" ASC NULLS LAST, "e"."timestamp" DESC NULLS LAST, ("e"."id" COLLATE "C") ASC NULLS LAST
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("j1"."m_1", 0) AS "f_1",
    COALESCE("j2"."m_1", '{}') AS "f_3",
    "j3"."role" AS "f_5",
    COALESCE("j1"."m_2", 0) AS "f_6",
    COALESCE("j1"."m_3", 0) AS "f_7"
  FROM "universe:user" AS "u"
  LEFT JOIN "events:user:logged_in" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "events:user:feature_used" AS "j2" ON ("j2"."id" = "u"."id")
  LEFT JOIN "custom_traits:user" AS "j3" ON ("j3"."id" = "u"."id")
),
-- the same values for each user of events:user:logged_in that the user universe lacks
"features:user:outside_universe" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("j1"."m_1", 0) AS "f_1",
    COALESCE("j2"."m_1", '{}') AS "f_3",
    "j3"."role" AS "f_5",
    COALESCE("j1"."m_2", 0) AS "f_6",
    COALESCE("j1"."m_3", 0) AS "f_7"
  FROM (
    SELECT
      "l"."id" AS "id"
    FROM (
      SELECT
        "p"."id" AS "id"
      FROM "events:user:logged_in" AS "p"
    ) AS "l"
    LEFT JOIN "universe:user" AS "uu" ON ("uu"."id" = "l"."id")
    WHERE ("uu"."id" IS NULL)
  ) AS "u"
  LEFT JOIN "events:user:logged_in" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "events:user:feature_used" AS "j2" ON ("j2"."id" = "u"."id")
  LEFT JOIN "custom_traits:user" AS "j3" ON ("j3"."id" = "u"."id")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id",
    "j1"."value" AS "f_2",
    "j2"."m_1" AS "f_4"
  FROM "universe:account" AS "u"
  LEFT JOIN "trait:ct_last" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "events:account:report_created" AS "j2" ON ("j2"."id" = "u"."id")
),
-- audience: a_equals (generated.yml)
"audience:a_equals" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE ("f"."f_5" = 'Admin')
),
-- audience: a_performed (generated.yml)
"audience:a_performed" AS (
  SELECT
    "f"."id" AS "id"
  FROM (
    SELECT
      *
    FROM "features:user"
    UNION ALL
    SELECT
      *
    FROM "features:user:outside_universe"
  ) AS "f"
  WHERE ("f"."f_6" >= 2)
),
-- audience: acc_any_user (generated.yml) — users of each account that satisfy its quantifiers
"quantifiers:acc_any_user" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(*) AS "q_1"
  FROM "memberships" AS "m"
  JOIN "features:user" AS "f" ON ("f"."id" = "m"."user_id")
  WHERE ("f"."f_5" = 'Admin')
  GROUP BY "m"."group_id"
),
-- audience: acc_any_user (generated.yml)
"audience:acc_any_user" AS (
  SELECT
    "q"."id" AS "id"
  FROM "quantifiers:acc_any_user" AS "q"
  WHERE (COALESCE("q"."q_1", 0) >= 1)
),
-- audience: acc_all_users (generated.yml)
"audience:acc_all_users" AS (
  SELECT DISTINCT
    "m"."group_id" AS "id"
  FROM "memberships" AS "m"
  WHERE (NOT ("m"."group_id" IN (SELECT
      "mi"."group_id"
    FROM "memberships" AS "mi"
    WHERE (NOT ("mi"."user_id" IN (SELECT
      "r"."id"
    FROM "events:user:logged_in" AS "r"
    WHERE ("r"."m_3" >= 1)))))))
),
-- audience: a_passthrough (generated.yml)
"audience:a_passthrough" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE ("f"."id" IN (SELECT
      "pm"."user_id"
    FROM "memberships" AS "pm"
    JOIN "audience:acc_any_user" AS "pa" ON ("pa"."id" = "pm"."group_id")))
)
SELECT
  'ct_count' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_1") AS TEXT) AS "value"
FROM "features:user" AS "f"
UNION ALL
SELECT
  'ct_last' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_2") AS TEXT) AS "value"
FROM "features:account" AS "f"
UNION ALL
SELECT
  'ct_unique_list' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_3") AS TEXT) AS "value"
FROM "features:user" AS "f"
UNION ALL
SELECT
  'ct_avg' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_4") AS TEXT) AS "value"
FROM "features:account" AS "f"
UNION ALL
SELECT
  'a_equals' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_equals" AS "a"
UNION ALL
SELECT
  'a_performed' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_performed" AS "a"
UNION ALL
SELECT
  'acc_any_user' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:acc_any_user" AS "a"
UNION ALL
SELECT
  'acc_all_users' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:acc_all_users" AS "a"
UNION ALL
SELECT
  'a_passthrough' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_passthrough" AS "a"
