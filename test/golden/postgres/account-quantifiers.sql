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
    (ARRAY_AGG("s"."seats" ORDER BY "s"."timestamp" DESC NULLS LAST, ("s"."id" COLLATE "C") DESC NULLS LAST) FILTER (WHERE "s"."seats" IS NOT NULL))[1] AS "seats",
    (ARRAY_AGG("s"."is_admin" ORDER BY "s"."timestamp" DESC NULLS LAST, ("s"."id" COLLATE "C") DESC NULLS LAST) FILTER (WHERE "s"."is_admin" IS NOT NULL))[1] AS "is_admin"
  FROM "app"."identifies" AS "s"
  WHERE (("s"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("s"."user_id" IS NOT NULL))
  GROUP BY "s"."user_id"
),
-- one scan of logged_in for every user-level measure on it
"events:user:logged_in" AS (
  SELECT
    "e"."user_id" AS "id",
    COUNT(*) AS "m_1",
    COUNT(*) FILTER (WHERE ("e"."timestamp" > TIMESTAMP '2024-05-02 12:00:00.000000')) AS "m_2"
  FROM "app"."logged_in" AS "e"
  WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In'))
  GROUP BY "e"."user_id"
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "u"."id" AS "id",
    "j1"."role" AS "f_1",
    COALESCE("j2"."m_1", 0) AS "f_2",
    COALESCE("j2"."m_2", 0) AS "f_3",
    "j1"."seats" AS "f_4",
    "j1"."is_admin" AS "f_5"
  FROM (
    SELECT DISTINCT
      "mu"."user_id" AS "id"
    FROM "memberships" AS "mu"
  ) AS "u"
  LEFT JOIN "custom_traits:user" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "events:user:logged_in" AS "j2" ON ("j2"."id" = "u"."id")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id"
  FROM "universe:account" AS "u"
),
-- users of each account that satisfy the quantifiers of: acc_any_user, acc_all_users, acc_at_least_count, acc_at_least_percent
"quantifiers" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(*) AS "users",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_1" = 'Admin'), FALSE)) AS "a1_q_1",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_2" >= 1), FALSE)) AS "a2_q_1",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_4" >= 1), FALSE)) AS "a3_q_1",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_5" = FALSE), FALSE)) AS "a4_q_1"
  FROM "memberships" AS "m"
  JOIN "features:user" AS "f" ON ("f"."id" = "m"."user_id")
  GROUP BY "m"."group_id"
),
-- audience: acc_any_user (generated.yml)
"audience:acc_any_user" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers" AS "q" ON ("q"."id" = "f"."id")
  WHERE (COALESCE("q"."a1_q_1", 0) >= 1)
),
-- audience: acc_all_users (generated.yml)
"audience:acc_all_users" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers" AS "q" ON ("q"."id" = "f"."id")
  WHERE ((COALESCE("q"."users", 0) >= 1) AND (COALESCE("q"."a2_q_1", 0) = COALESCE("q"."users", 0)))
),
-- audience: a_performed (generated.yml)
"audience:a_performed" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE ("f"."f_3" >= 2)
),
-- audience: acc_no_user (generated.yml) — users of each account that satisfy its quantifiers
"quantifiers:acc_no_user" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(*) AS "users",
    COUNT(*) FILTER (WHERE ("f"."id" IN (SELECT
      "a"."id"
    FROM "audience:a_performed" AS "a"))) AS "q_1"
  FROM "memberships" AS "m"
  JOIN "features:user" AS "f" ON ("f"."id" = "m"."user_id")
  GROUP BY "m"."group_id"
),
-- audience: acc_no_user (generated.yml)
"audience:acc_no_user" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers:acc_no_user" AS "q" ON ("q"."id" = "f"."id")
  WHERE (COALESCE("q"."q_1", 0) = 0)
),
-- audience: acc_at_least_count (generated.yml)
"audience:acc_at_least_count" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers" AS "q" ON ("q"."id" = "f"."id")
  WHERE (COALESCE("q"."a3_q_1", 0) >= 2)
),
-- audience: acc_at_least_percent (generated.yml)
"audience:acc_at_least_percent" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers" AS "q" ON ("q"."id" = "f"."id")
  WHERE ((COALESCE("q"."users", 0) >= 1) AND ((COALESCE("q"."a4_q_1", 0) * 100) >= (COALESCE("q"."users", 0) * 33.3)))
)
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
  'acc_no_user' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:acc_no_user" AS "a"
UNION ALL
SELECT
  'acc_at_least_count' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:acc_at_least_count" AS "a"
UNION ALL
SELECT
  'acc_at_least_percent' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS TEXT) AS "value"
FROM "audience:acc_at_least_percent" AS "a"
