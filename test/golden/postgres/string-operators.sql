WITH
-- sql_trait: sql_context_members (generated.yml)
"sql_trait:sql_context_members" AS (
  select distinct context_group_id as group_id, user_id, 'context' as sql_context_members from "app"."tracks"
where context_group_id is not null and user_id is not null and timestamp <= TIMESTAMP '2024-06-01 12:00:00.000000'
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
-- latest non-null user traits at as_of
"custom_traits:user" AS (
  SELECT
    "s"."user_id" AS "id",
    (ARRAY_AGG("s"."role" ORDER BY "s"."timestamp" DESC NULLS LAST, ("s"."id" COLLATE "C") DESC NULLS LAST) FILTER (WHERE "s"."role" IS NOT NULL))[1] AS "role",
    (ARRAY_AGG("s"."email" ORDER BY "s"."timestamp" DESC NULLS LAST, ("s"."id" COLLATE "C") DESC NULLS LAST) FILTER (WHERE "s"."email" IS NOT NULL))[1] AS "email"
  FROM "app"."identifies" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  GROUP BY "s"."user_id"
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
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "u"."id" AS "id",
    "j1"."role" AS "f_1",
    "j1"."email" AS "f_2",
    COALESCE("j2"."m_1", '{}') AS "f_3"
  FROM (
    SELECT
      "p"."id" AS "id"
    FROM "custom_traits:user" AS "p"
    UNION
    SELECT
      "p"."id" AS "id"
    FROM "events:user:feature_used" AS "p"
  ) AS "u"
  LEFT JOIN "custom_traits:user" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "events:user:feature_used" AS "j2" ON ("j2"."id" = "u"."id")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id"
  FROM "universe:account" AS "u"
),
-- audience: a_equals_ci (generated.yml)
"audience:a_equals_ci" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE (LOWER(TRANSLATE("f"."f_1", 'ΣİIJĮÌÍĨ', 'σiijįìíĩ')) = LOWER(TRANSLATE('admin', 'ΣİIJĮÌÍĨ', 'σiijįìíĩ')))
),
-- audience: a_lt_string (generated.yml)
"audience:a_lt_string" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE ("f"."f_2" < ('a' COLLATE "C"))
),
-- audience: a_between_string (generated.yml)
"audience:a_between_string" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE ("f"."f_2" BETWEEN ('Z' COLLATE "C") AND ('é' COLLATE "C"))
),
-- audience: a_contains (generated.yml)
"audience:a_contains" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE (STRPOS("f"."f_2", '''') > 0)
),
-- audience: a_starts_with (generated.yml)
"audience:a_starts_with" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE (LEFT("f"."f_2", LENGTH(E'back\\')) = E'back\\')
),
-- audience: a_ends_with_ci (generated.yml)
"audience:a_ends_with_ci" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE (RIGHT(LOWER(TRANSLATE("f"."f_2", 'ΣİIJĮÌÍĨ', 'σiijįìíĩ')), LENGTH(LOWER(TRANSLATE('ÏVE', 'ΣİIJĮÌÍĨ', 'σiijįìíĩ')))) = LOWER(TRANSLATE('ÏVE', 'ΣİIJĮÌÍĨ', 'σiijįìíĩ')))
),
-- audience: a_includes (generated.yml)
"audience:a_includes" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE ('export' = ANY("f"."f_3"))
)
SELECT
  'a_equals_ci' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_equals_ci" AS "a"
UNION ALL
SELECT
  'a_lt_string' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_lt_string" AS "a"
UNION ALL
SELECT
  'a_between_string' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_between_string" AS "a"
UNION ALL
SELECT
  'a_contains' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_contains" AS "a"
UNION ALL
SELECT
  'a_starts_with' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_starts_with" AS "a"
UNION ALL
SELECT
  'a_ends_with_ci' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_ends_with_ci" AS "a"
UNION ALL
SELECT
  'a_includes' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:a_includes" AS "a"
