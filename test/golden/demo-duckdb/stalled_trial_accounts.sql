WITH
-- identity edges at as_of: each (anonymous_id, user_id) seen together, at its first time, from identifies, groups, tracks
"identity:edges" AS (
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."identifies" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
  UNION ALL
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."groups" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
  UNION ALL
  SELECT
    "r"."anonymous_id" AS "anonymous_id",
    "r"."user_id" AS "user_id",
    MIN("r"."timestamp") AS "at"
  FROM "app"."tracks" AS "r"
  WHERE ((("r"."anonymous_id" IS NOT NULL) AND ("r"."user_id" IS NOT NULL)) AND ("r"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000'))
  GROUP BY "r"."anonymous_id", "r"."user_id"
),
-- each anonymous_id's user: its first edge, ties to the smallest user_id
"identity" AS (
  SELECT
    "o"."id" AS "anonymous_id",
    "o"."value" AS "user_id"
  FROM (
    SELECT
      "e"."anonymous_id" AS "id",
      ARG_MIN_NULL("e"."user_id", ("e"."at", "e"."user_id")) AS "value"
    FROM "identity:edges" AS "e"
    GROUP BY "e"."anonymous_id"
  ) AS "o"
),
-- every group_id seen at or before as_of
"universe:account" AS (
  SELECT DISTINCT
    "g"."group_id" AS "id"
  FROM "app"."groups" AS "g"
  WHERE (("g"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("g"."group_id" IS NOT NULL))
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
  WHERE ((("g"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("g"."group_id" IS NOT NULL)) AND ("g"."user_id" IS NOT NULL))
),
-- funnel funnel:1 (audiences/stalled_trial_accounts.yml): instances of step 1
"funnel:1:events_1" AS (
  SELECT
    "e"."user_id" AS "id",
    "e"."timestamp" AS "t"
  FROM (
    SELECT
      "raw"."id" AS "id",
      "raw"."anonymous_id" AS "anonymous_id",
      "raw"."timestamp" AS "timestamp",
      "raw"."event_text" AS "event_text",
      "raw"."plan" AS "plan",
      COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
    FROM "app"."signed_up" AS "raw"
    LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
  ) AS "e"
  WHERE ((((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Signed Up')) AND ("e"."timestamp" > TIMESTAMP '2024-05-02 00:00:00.000000')) AND COALESCE(("e"."plan" = 'trial'), FALSE))
),
-- funnel funnel:1 (audiences/stalled_trial_accounts.yml): users who completed step 2
"funnel:1:step_2" AS (
  SELECT DISTINCT
    "p"."id" AS "id",
    1 AS "reached"
  FROM "funnel:1:events_1" AS "p"
  LEFT JOIN (
    SELECT
      "e"."user_id" AS "id",
      "e"."timestamp" AS "t"
    FROM (
      SELECT
        "raw"."id" AS "id",
        "raw"."anonymous_id" AS "anonymous_id",
        "raw"."timestamp" AS "timestamp",
        "raw"."event_text" AS "event_text",
        COALESCE("raw"."user_id", "owner"."user_id") AS "user_id"
      FROM "app"."invite_sent" AS "raw"
      LEFT JOIN "identity" AS "owner" ON ("owner"."anonymous_id" = "raw"."anonymous_id")
    ) AS "e"
    WHERE ((("e"."timestamp" <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("e"."user_id" IS NOT NULL)) AND ("e"."event_text" = 'Invite Sent'))
  ) AS "n" ON ((("n"."id" = "p"."id") AND ("n"."t" > "p"."t")) AND ("n"."t" <= ("p"."t" + INTERVAL 259200 SECOND)))
  WHERE ((("p"."t" + INTERVAL 259200 SECOND) <= TIMESTAMP '2024-06-01 00:00:00.000000') AND ("n"."id" IS NULL))
),
-- every value the account-level conditions read, one row per account
"features:account" AS (
  SELECT
    "u"."id" AS "id"
  FROM "universe:account" AS "u"
),
-- audience: stalled_trial_accounts (audiences/stalled_trial_accounts.yml) — users of each account that satisfy its quantifiers
"quantifiers:stalled_trial_accounts" AS (
  SELECT
    "f"."account_id" AS "id",
    COUNT(*) AS "q_1"
  FROM (
    SELECT
      "m"."user_id" AS "id",
      "m"."group_id" AS "account_id",
      COALESCE("j1"."reached", 0) AS "f_2"
    FROM "memberships" AS "m"
    LEFT JOIN "funnel:1:step_2" AS "j1" ON ("j1"."id" = "m"."user_id")
  ) AS "f"
  WHERE ("f"."f_2" >= 1)
  GROUP BY "f"."account_id"
),
-- audience: stalled_trial_accounts (audiences/stalled_trial_accounts.yml)
"audience:stalled_trial_accounts" AS (
  SELECT
    "q"."id" AS "id"
  FROM "quantifiers:stalled_trial_accounts" AS "q"
  WHERE (COALESCE("q"."q_1", 0) >= 1)
)
SELECT
  'stalled_trial_accounts' AS "definition",
  "a"."id" AS "id",
  CAST(NULL AS VARCHAR) AS "value"
FROM "audience:stalled_trial_accounts" AS "a"
