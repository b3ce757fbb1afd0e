WITH
-- sql_trait: sql_context_members (generated.yml)
"sql_trait:sql_context_members" AS (
  select distinct context_group_id as group_id, user_id, 'context' as sql_context_members from "app"."tracks"
where context_group_id is not null and user_id is not null and timestamp <= TIMESTAMP '2024-06-01 12:00:00.000000'
),
-- sql_trait: sql_identity (generated.yml)
"sql_trait:sql_identity" AS (
  select user_id, max(email) as top_email, count(*) as identify_count from "app"."identifies"
where user_id is not null and timestamp <= TIMESTAMP '2024-06-01 12:00:00.000000'
group by user_id
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
-- latest non-null user traits at as_of
"custom_traits:user" AS (
  SELECT
    "s"."user_id" AS "id",
    ARG_MAX("s"."role", ("s"."timestamp", "s"."id")) FILTER (WHERE "s"."role" IS NOT NULL) AS "role",
    ARG_MAX("s"."seats", ("s"."timestamp", "s"."id")) FILTER (WHERE "s"."seats" IS NOT NULL) AS "seats"
  FROM "app"."identifies" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  GROUP BY "s"."user_id"
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "u"."id" AS "id",
    "j1"."top_email" AS "f_1",
    "j1"."identify_count" AS "f_2",
    "j2"."role" AS "f_3",
    "j2"."seats" AS "f_4"
  FROM "universe:user" AS "u"
  LEFT JOIN (
    SELECT DISTINCT
      "t"."user_id" AS "id",
      "t"."top_email" AS "top_email",
      "t"."identify_count" AS "identify_count"
    FROM "sql_trait:sql_identity" AS "t"
  ) AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "custom_traits:user" AS "j2" ON ("j2"."id" = "u"."id")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id"
  FROM "universe:account" AS "u"
),
-- audience: acc_any_user (generated.yml) — users of each account that satisfy its quantifiers
"quantifiers:acc_any_user" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(*) AS "users",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_3" = 'Admin'), FALSE)) AS "q_1"
  FROM "memberships" AS "m"
  JOIN "features:user" AS "f" ON ("f"."id" = "m"."user_id")
  GROUP BY "m"."group_id"
),
-- audience: acc_any_user (generated.yml)
"audience:acc_any_user" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers:acc_any_user" AS "q" ON ("q"."id" = "f"."id")
  WHERE (COALESCE("q"."q_1", 0) >= 1)
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
),
-- audience: a_equals (generated.yml)
"audience:a_equals" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE ("f"."f_3" = 'Admin')
),
-- audience: a_not_tree (generated.yml)
"audience:a_not_tree" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE (NOT (("f"."f_3" IS NOT NULL) AND (COALESCE(("f"."f_4" > 2), FALSE) OR ("f"."id" IN (SELECT
      "a"."id"
    FROM "audience:a_equals" AS "a")))))
)
SELECT
  'sql_identity' AS "definition",
  "f"."id" AS "id",
  CAST(TO_JSON(JSON_OBJECT('top_email', "f"."f_1", 'identify_count', "f"."f_2")) AS VARCHAR) AS "value"
FROM "features:user" AS "f"
UNION ALL
SELECT
  'a_passthrough' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:a_passthrough" AS "a"
UNION ALL
SELECT
  'a_not_tree' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:a_not_tree" AS "a"
