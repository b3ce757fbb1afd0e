WITH
-- sql_trait: sql_context_members (generated.yml)
"sql_trait:sql_context_members" AS (
  select distinct context_group_id as group_id, user_id, 'context' as sql_context_members from "app"."tracks"
where context_group_id is not null and user_id is not null and timestamp <= TIMESTAMP '2024-06-01 12:00:00.000000'
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
    "s"."user_id" AS "id"
  FROM "sql_trait:sql_context_members" AS "s"
  WHERE ("s"."user_id" IS NOT NULL)
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
  FROM "app"."groups" AS "g"
  WHERE ((("g"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("g"."group_id" IS NOT NULL)) AND ("g"."user_id" IS NOT NULL))
  UNION
  SELECT
    "s"."group_id" AS "group_id",
    "s"."user_id" AS "user_id"
  FROM "sql_trait:sql_context_members" AS "s"
  WHERE (("s"."group_id" IS NOT NULL) AND ("s"."user_id" IS NOT NULL))
),
-- one scan of logged_in for every user-level measure on it
"events:user:logged_in" AS (
  SELECT
    "e"."user_id" AS "id",
    COUNT(*) FILTER (WHERE COALESCE((LOWER(TRANSLATE("e"."method", 'ΣİIJĮÌÍĨ', 'σiijįìíĩ')) = LOWER(TRANSLATE('sso', 'ΣİIJĮÌÍĨ', 'σiijįìíĩ'))), FALSE)) AS "m_1"
  FROM "app"."logged_in" AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In')) AND ("e"."timestamp" > TIMESTAMP '2024-05-02 12:00:00.000000'))
  GROUP BY "e"."user_id"
),
-- one scan of report_created per (user_id), shared by its account-level measures and its user-level measures
"events:account:report_created:per_user" AS (
  SELECT
    "e"."user_id" AS "user_id",
    SUM(CASE WHEN (("e"."score" > -1000000000000000000) AND ("e"."score" < 1000000000000000000)) THEN CAST("e"."score" AS DECIMAL(38, 9)) END) FILTER (WHERE ("e"."score" IS NOT NULL)) AS "p_m_1_sum",
    COUNT(*) FILTER (WHERE (("e"."score" IS NOT NULL) AND (("e"."score" > -1000000000000000000) AND ("e"."score" < 1000000000000000000)))) AS "p_m_1_count",
    MAX(CASE WHEN (("e"."score" >= -1.7976931348623157e+308) AND ("e"."score" <= 1.7976931348623157e+308)) THEN "e"."score" END) FILTER (WHERE (COALESCE((CASE WHEN (("e"."score" >= -1.7976931348623157e+308) AND ("e"."score" <= 1.7976931348623157e+308)) THEN "e"."score" END > 0.2), FALSE) AND (CASE WHEN (("e"."score" >= -1.7976931348623157e+308) AND ("e"."score" <= 1.7976931348623157e+308)) THEN "e"."score" END IS NOT NULL))) AS "pu_m_1"
  FROM "app"."report_created" AS "e"
  WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created'))
  GROUP BY "e"."user_id"
),
-- one scan of report_created for every account-level measure on it, pre-aggregated per user
"events:account:report_created" AS (
  SELECT
    "m"."group_id" AS "id",
    CASE WHEN (SUM("p"."p_m_1_count") > 0) THEN (CAST(SUM("p"."p_m_1_sum") AS DOUBLE PRECISION) / CAST(SUM("p"."p_m_1_count") AS DOUBLE PRECISION)) END AS "m_1"
  FROM "memberships" AS "m"
  JOIN "events:account:report_created:per_user" AS "p" ON ("p"."user_id" = "m"."user_id")
  GROUP BY "m"."group_id"
),
-- every user-level measure on report_created, from the same per-user groups
"events:user:report_created" AS (
  SELECT
    "p"."user_id" AS "id",
    MAX("p"."pu_m_1") AS "m_1"
  FROM "events:account:report_created:per_user" AS "p"
  GROUP BY "p"."user_id"
),
-- one scan of feature_used for every user-level measure on it
"events:user:feature_used" AS (
  SELECT
    "e"."user_id" AS "id",
    ARRAY_AGG(DISTINCT ("e"."feature" COLLATE "C") ORDER BY ("e"."feature" COLLATE "C")) FILTER (WHERE ("e"."feature" IS NOT NULL)) AS "m_1"
  FROM "app"."feature_used" AS "e"
  WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used'))
  GROUP BY "e"."user_id"
),
-- one scan of logged_in for every account-level measure on it
"events:account:logged_in" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(DISTINCT "e"."method") FILTER (WHERE ("e"."timestamp" < TIMESTAMP '2024-05-25 00:00:00.000000')) AS "m_1"
  FROM "memberships" AS "m"
  JOIN "app"."logged_in" AS "e" ON ("e"."user_id" = "m"."user_id")
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In')) AND ("e"."timestamp" >= TIMESTAMP '2024-05-01 00:00:00.000000'))
  GROUP BY "m"."group_id"
),
-- computed_trait: ct_most_frequent (generated.yml)
"trait:ct_most_frequent" AS (
  SELECT DISTINCT ON ("c"."id")
    "c"."id" AS "id",
    "c"."value" AS "value"
  FROM (
    SELECT
      "e"."user_id" AS "id",
      "e"."feature" AS "value",
      COUNT(*) AS "frequency"
    FROM "app"."feature_used" AS "e"
    WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used')) AND ("e"."feature" IS NOT NULL))
    GROUP BY "e"."user_id", "e"."feature"
    HAVING (COUNT(*) >= 1)
  ) AS "c"
  ORDER BY "c"."id" ASC NULLS LAST, "c"."frequency" DESC NULLS LAST, ("c"."value" COLLATE "C") ASC NULLS LAST
),
-- computed_trait: ct_last (generated.yml)
"trait:ct_last" AS (
  SELECT DISTINCT ON ("m"."group_id")
    "m"."group_id" AS "id",
    "e"."title" AS "value"
  FROM "memberships" AS "m"
  JOIN "app"."report_created" AS "e" ON ("e"."user_id" = "m"."user_id")
  WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created'))
  ORDER BY "m"."group_id" ASC NULLS LAST, "e"."timestamp" DESC NULLS LAST, ("e"."id" COLLATE "C") ASC NULLS LAST
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("j1"."m_1", 0) AS "f_1",
    "j2"."m_1" AS "f_3",
    "j3"."value" AS "f_4",
    COALESCE("j4"."m_1", '{}') AS "f_6"
  FROM "universe:user" AS "u"
  LEFT JOIN "events:user:logged_in" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "events:user:report_created" AS "j2" ON ("j2"."id" = "u"."id")
  LEFT JOIN "trait:ct_most_frequent" AS "j3" ON ("j3"."id" = "u"."id")
  LEFT JOIN "events:user:feature_used" AS "j4" ON ("j4"."id" = "u"."id")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id",
    "j1"."m_1" AS "f_2",
    "j2"."value" AS "f_5",
    COALESCE("j3"."m_1", 0) AS "f_7"
  FROM "universe:account" AS "u"
  LEFT JOIN "events:account:report_created" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "trait:ct_last" AS "j2" ON ("j2"."id" = "u"."id")
  LEFT JOIN "events:account:logged_in" AS "j3" ON ("j3"."id" = "u"."id")
)
SELECT
  'ct_count' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_1") AS TEXT) AS "value"
FROM "features:user" AS "f"
UNION ALL
SELECT
  'ct_avg' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_2") AS TEXT) AS "value"
FROM "features:account" AS "f"
UNION ALL
SELECT
  'ct_max_score' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_3") AS TEXT) AS "value"
FROM "features:user" AS "f"
UNION ALL
SELECT
  'ct_most_frequent' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_4") AS TEXT) AS "value"
FROM "features:user" AS "f"
UNION ALL
SELECT
  'ct_last' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_5") AS TEXT) AS "value"
FROM "features:account" AS "f"
UNION ALL
SELECT
  'ct_unique_list' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_6") AS TEXT) AS "value"
FROM "features:user" AS "f"
UNION ALL
SELECT
  'ct_unique_count' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON("f"."f_7") AS TEXT) AS "value"
FROM "features:account" AS "f"
