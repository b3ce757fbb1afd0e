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
-- funnel funnel:1 (generated.yml): instances of step 1
"funnel:1:events_1" AS (
  SELECT
    "e"."user_id" AS "id",
    "e"."timestamp" AS "t"
  FROM "app"."logged_in" AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In')) AND ("e"."timestamp" > TIMESTAMP '2024-05-02 12:00:00.000000'))
),
-- funnel funnel:1 (generated.yml): users who completed step 2
"funnel:1:step_2" AS (
  SELECT DISTINCT
    "e"."user_id" AS "id",
    1 AS "reached"
  FROM "app"."report_created" AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created')) AND EXISTS (SELECT
      1
    FROM "funnel:1:events_1" AS "p"
    WHERE ((("p"."id" = "e"."user_id") AND ("p"."t" < "e"."timestamp")) AND ("e"."timestamp" <= ("p"."t" + INTERVAL 86400 SECOND)))))
),
-- funnel funnel:2 (generated.yml): instances of step 1
"funnel:2:events_1" AS (
  SELECT
    "e"."user_id" AS "id",
    "e"."timestamp" AS "t"
  FROM "app"."report_created" AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created')) AND ("e"."timestamp" > TIMESTAMP '2024-05-25 12:00:00.000000'))
),
-- funnel funnel:2 (generated.yml): users who completed step 2
"funnel:2:step_2" AS (
  SELECT DISTINCT
    "p"."id" AS "id",
    1 AS "reached"
  FROM "funnel:2:events_1" AS "p"
  LEFT JOIN (
    SELECT
      "e"."user_id" AS "id",
      "e"."timestamp" AS "t"
    FROM "app"."logged_in" AS "e"
    WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In')) AND COALESCE(("e"."method" IN ('sso', 'password')), FALSE))
  ) AS "n" ON ((("n"."id" = "p"."id") AND ("n"."t" > "p"."t")) AND ("n"."t" <= ("p"."t" + INTERVAL 3600 SECOND)))
  WHERE ((("p"."t" + INTERVAL 3600 SECOND) <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("n"."id" IS NULL))
),
-- funnel funnel:3 (generated.yml): instances of step 1
"funnel:3:events_1" AS (
  SELECT
    "e"."user_id" AS "id",
    "e"."timestamp" AS "t"
  FROM "app"."logged_in" AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Logged In')) AND ("e"."method" IS NOT NULL))
),
-- funnel funnel:3 (generated.yml): instances of step 2 that follow the previous step
"funnel:3:events_2" AS (
  SELECT
    "e"."user_id" AS "id",
    "e"."timestamp" AS "t"
  FROM "app"."feature_used" AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used')) AND EXISTS (SELECT
      1
    FROM "funnel:3:events_1" AS "p"
    WHERE ((("p"."id" = "e"."user_id") AND ("p"."t" < "e"."timestamp")) AND ("e"."timestamp" <= ("p"."t" + INTERVAL 172800 SECOND)))))
),
-- funnel funnel:3 (generated.yml): users who completed step 3
"funnel:3:step_3" AS (
  SELECT DISTINCT
    "e"."user_id" AS "id",
    1 AS "reached"
  FROM "app"."report_created" AS "e"
  WHERE (((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Report Created')) AND EXISTS (SELECT
      1
    FROM "funnel:3:events_2" AS "p"
    WHERE ((("p"."id" = "e"."user_id") AND ("p"."t" < "e"."timestamp")) AND ("e"."timestamp" <= ("p"."t" + INTERVAL 43200 SECOND)))))
),
-- funnel funnel:4 (generated.yml): instances of step 1
"funnel:4:events_1" AS (
  SELECT
    "e"."user_id" AS "id",
    "e"."timestamp" AS "t"
  FROM "app"."feature_used" AS "e"
  WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used'))
),
-- funnel funnel:4 (generated.yml): users who completed step 2
"funnel:4:step_2" AS (
  SELECT DISTINCT
    "p"."id" AS "id",
    1 AS "reached"
  FROM "funnel:4:events_1" AS "p"
  LEFT JOIN (
    SELECT
      "e"."user_id" AS "id",
      "e"."timestamp" AS "t"
    FROM "app"."feature_used" AS "e"
    WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Feature Used'))
  ) AS "n" ON ((("n"."id" = "p"."id") AND ("n"."t" > "p"."t")) AND ("n"."t" <= ("p"."t" + INTERVAL 86400 SECOND)))
  WHERE ((("p"."t" + INTERVAL 86400 SECOND) <= TIMESTAMP '2024-06-01 12:00:00.000000') AND ("n"."id" IS NULL))
),
-- every value the user-level conditions read, one row per user
"features:user" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("j1"."reached", 0) AS "f_2",
    COALESCE("j2"."reached", 0) AS "f_4",
    COALESCE("j3"."reached", 0) AS "f_7",
    COALESCE("j4"."reached", 0) AS "f_9"
  FROM "universe:user" AS "u"
  LEFT JOIN "funnel:1:step_2" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "funnel:2:step_2" AS "j2" ON ("j2"."id" = "u"."id")
  LEFT JOIN "funnel:3:step_3" AS "j3" ON ("j3"."id" = "u"."id")
  LEFT JOIN "funnel:4:step_2" AS "j4" ON ("j4"."id" = "u"."id")
),
-- the same values for each user of funnel:1:step_2, funnel:2:step_2 that the user universe lacks
"features:user:outside_universe" AS (
  SELECT
    "u"."id" AS "id",
    COALESCE("j1"."reached", 0) AS "f_2",
    COALESCE("j2"."reached", 0) AS "f_4",
    COALESCE("j3"."reached", 0) AS "f_7",
    COALESCE("j4"."reached", 0) AS "f_9"
  FROM (
    SELECT
      "l"."id" AS "id"
    FROM (
      SELECT
        "p"."id" AS "id"
      FROM "funnel:1:step_2" AS "p"
      UNION
      SELECT
        "p"."id" AS "id"
      FROM "funnel:2:step_2" AS "p"
    ) AS "l"
    LEFT JOIN "universe:user" AS "uu" ON ("uu"."id" = "l"."id")
    WHERE ("uu"."id" IS NULL)
  ) AS "u"
  LEFT JOIN "funnel:1:step_2" AS "j1" ON ("j1"."id" = "u"."id")
  LEFT JOIN "funnel:2:step_2" AS "j2" ON ("j2"."id" = "u"."id")
  LEFT JOIN "funnel:3:step_3" AS "j3" ON ("j3"."id" = "u"."id")
  LEFT JOIN "funnel:4:step_2" AS "j4" ON ("j4"."id" = "u"."id")
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id"
  FROM "universe:account" AS "u"
),
-- audience: a_funnel (generated.yml)
"audience:a_funnel" AS (
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
  WHERE ("f"."f_2" >= 1)
),
-- audience: a_funnel_abandoned (generated.yml)
"audience:a_funnel_abandoned" AS (
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
  WHERE ("f"."f_4" >= 1)
),
-- audience: a_funnel_chain (generated.yml)
"audience:a_funnel_chain" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:user" AS "f"
  WHERE (NOT COALESCE(("f"."f_7" >= 1), FALSE))
),
-- audience: acc_funnel (generated.yml) — users of each account that satisfy its quantifiers
"quantifiers:acc_funnel" AS (
  SELECT
    "m"."group_id" AS "id",
    COUNT(*) AS "users",
    COUNT(*) FILTER (WHERE COALESCE(("f"."f_9" >= 1), FALSE)) AS "q_1"
  FROM "memberships" AS "m"
  JOIN "features:user" AS "f" ON ("f"."id" = "m"."user_id")
  GROUP BY "m"."group_id"
),
-- audience: acc_funnel (generated.yml)
"audience:acc_funnel" AS (
  SELECT
    "f"."id" AS "id"
  FROM "features:account" AS "f"
  LEFT JOIN "quantifiers:acc_funnel" AS "q" ON ("q"."id" = "f"."id")
  WHERE (COALESCE("q"."q_1", 0) >= 1)
)
SELECT
  'a_funnel' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:a_funnel" AS "a"
UNION ALL
SELECT
  'a_funnel_abandoned' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:a_funnel_abandoned" AS "a"
UNION ALL
SELECT
  'a_funnel_chain' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:a_funnel_chain" AS "a"
UNION ALL
SELECT
  'acc_funnel' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:acc_funnel" AS "a"
