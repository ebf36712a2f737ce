//! The suite: every case runs on SQLite and on PostgreSQL (see the `suite!` list in `store.rs`).

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::ExposeSecret;
use sportsgate::domain::api_key::{ApiKeyRecord, IssuedKey, parse_token};
use sportsgate::domain::preferences::{FavouriteTeam, Preferences};
use sportsgate::store::{HistoryEntry, KeyPatch, Store, StoreError, UsageFilter, UsageKey, UsageRow};
use sqlx::{AnyConnection, Connection, Row};

use crate::{TestDb, new_batch};

/// 2026-01-01T00:00:00Z in Unix milliseconds.
const BASE: i64 = 1_767_225_600_000;

fn at(ms_after_base: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(BASE + ms_after_base).unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A fresh key with whole-millisecond times (the store keeps milliseconds).
fn key(name: &str, created: i64) -> ApiKeyRecord {
    let mut record = IssuedKey::generate(name, "free", None).record;
    record.created_at = at(created);
    record
}

fn usage(subject: &str, day_text: &str, route: &str) -> UsageKey {
    UsageKey {
        subject: subject.into(),
        day: day(day_text),
        route: route.into(),
    }
}

fn entry(key_id: &str, ms: i64, request: &str, status: u16) -> HistoryEntry {
    HistoryEntry {
        key_id: key_id.into(),
        at: at(ms),
        method: "GET".into(),
        request: request.into(),
        status,
    }
}

pub async fn migrating_again_changes_nothing_and_keeps_the_data(db: &TestDb) {
    let store = &db.store;
    let k = key("kept", 0);
    store.insert_key(&k).await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert_eq!(store.find_key(k.id.as_str()).await.unwrap(), Some(k));
}

pub async fn a_key_round_trips_through_insert_find_and_list(db: &TestDb) {
    let store = &db.store;
    assert_eq!(store.list_keys().await.unwrap(), vec![]);
    let mut first = key("first", 0);
    first.last_used_at = Some(at(5));
    first.expires_at = Some(at(86_400_000));
    let second = key("second", 1000);
    store.insert_key(&second).await.unwrap();
    store.insert_key(&first).await.unwrap();

    assert_eq!(store.find_key(first.id.as_str()).await.unwrap(), Some(first.clone()));
    assert_eq!(store.find_key(second.id.as_str()).await.unwrap(), Some(second.clone()));
    assert_eq!(store.find_key("nosuchkey123").await.unwrap(), None);
    assert_eq!(store.find_key("not even an id").await.unwrap(), None);
    assert_eq!(store.list_keys().await.unwrap(), vec![first, second], "oldest first");
}

pub async fn inserting_a_key_whose_id_exists_is_a_conflict(db: &TestDb) {
    let store = &db.store;
    let original = key("original", 0);
    store.insert_key(&original).await.unwrap();
    let mut clash = key("clash", 10);
    clash.id = original.id.clone();
    let err = store.insert_key(&clash).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains(original.id.as_str()), "{err}");
    assert_eq!(
        store.find_key(original.id.as_str()).await.unwrap(),
        Some(original),
        "the first key is untouched"
    );
}

pub async fn updating_a_key_changes_only_the_patched_fields(db: &TestDb) {
    let store = &db.store;
    let mut k = key("before", 0);
    k.expires_at = Some(at(1_000));
    store.insert_key(&k).await.unwrap();
    let id = k.id.as_str();

    let renamed = store
        .update_key(
            id,
            &KeyPatch {
                name: Some("after".into()),
                ..KeyPatch::default()
            },
        )
        .await
        .unwrap();
    k.name = "after".into();
    assert_eq!(renamed.as_ref(), Some(&k));

    let replanned = store
        .update_key(
            id,
            &KeyPatch {
                plan: Some("pro".into()),
                ..KeyPatch::default()
            },
        )
        .await
        .unwrap();
    k.plan = "pro".into();
    assert_eq!(
        replanned.as_ref(),
        Some(&k),
        "the expiry survives a patch that does not name it"
    );

    let extended = store
        .update_key(
            id,
            &KeyPatch {
                expires_at: Some(Some(at(9_000))),
                ..KeyPatch::default()
            },
        )
        .await
        .unwrap();
    k.expires_at = Some(at(9_000));
    assert_eq!(extended.as_ref(), Some(&k));

    let cleared = store
        .update_key(
            id,
            &KeyPatch {
                expires_at: Some(None),
                ..KeyPatch::default()
            },
        )
        .await
        .unwrap();
    k.expires_at = None;
    assert_eq!(cleared.as_ref(), Some(&k));

    assert_eq!(
        store.update_key(id, &KeyPatch::default()).await.unwrap().as_ref(),
        Some(&k),
        "empty patch"
    );
    assert_eq!(store.find_key(id).await.unwrap(), Some(k));
    let missing = KeyPatch {
        name: Some("x".into()),
        ..KeyPatch::default()
    };
    assert_eq!(store.update_key("nosuchkey123", &missing).await.unwrap(), None);
}

pub async fn revoking_a_key_keeps_the_first_revocation_time(db: &TestDb) {
    let store = &db.store;
    let k = key("doomed", 0);
    store.insert_key(&k).await.unwrap();
    assert!(store.revoke_key(k.id.as_str(), at(100)).await.unwrap());
    assert!(
        store.revoke_key(k.id.as_str(), at(200)).await.unwrap(),
        "revoking again still finds the key"
    );
    let stored = store.find_key(k.id.as_str()).await.unwrap().unwrap();
    assert_eq!(stored.revoked_at, Some(at(100)));
    assert!(!store.revoke_key("nosuchkey123", at(100)).await.unwrap());
}

pub async fn touching_keys_only_moves_last_use_forward(db: &TestDb) {
    let store = &db.store;
    let a = key("a", 0);
    let b = key("b", 0);
    store.insert_key(&a).await.unwrap();
    store.insert_key(&b).await.unwrap();
    let (ida, idb) = (a.id.to_string(), b.id.to_string());

    store.touch_keys(&[]).await.unwrap();
    store
        .touch_keys(&[
            (ida.clone(), at(300)),
            (ida.clone(), at(500)),
            (ida.clone(), at(400)),
            (idb.clone(), at(50)),
            ("nosuchkey123".into(), at(999)),
        ])
        .await
        .unwrap();
    let last_used = |id: String| async move { store.find_key(&id).await.unwrap().unwrap().last_used_at };
    assert_eq!(
        last_used(ida.clone()).await,
        Some(at(500)),
        "the latest time in a batch wins"
    );
    assert_eq!(last_used(idb.clone()).await, Some(at(50)));

    store
        .touch_keys(&[(ida.clone(), at(100)), (idb.clone(), at(60))])
        .await
        .unwrap();
    assert_eq!(last_used(ida).await, Some(at(500)), "an older time never moves it back");
    assert_eq!(last_used(idb).await, Some(at(60)));
    assert!(
        store.find_key("nosuchkey123").await.unwrap().is_none(),
        "touching never creates keys"
    );
}

pub async fn expiry_and_revocation_round_trip_and_decide_whether_a_key_is_active(db: &TestDb) {
    let store = &db.store;
    let now = at(10_000);
    let mut expired = key("expired", 0);
    expired.expires_at = Some(at(9_999));
    let mut expiring = key("expiring", 1);
    expiring.expires_at = Some(at(10_001));
    let mut revoked = key("revoked", 2);
    revoked.revoked_at = Some(at(5_000));
    revoked.expires_at = Some(at(20_000));
    let open = key("open", 3);
    for k in [&expired, &expiring, &revoked, &open] {
        store.insert_key(k).await.unwrap();
    }
    let listed = store.list_keys().await.unwrap();
    assert_eq!(
        listed,
        vec![expired.clone(), expiring.clone(), revoked.clone(), open.clone()]
    );
    let active: Vec<&str> = listed
        .iter()
        .filter(|k| k.is_active(now))
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(active, ["expiring", "open"]);
}

pub async fn usage_upserts_add_up_and_totals_span_days_and_months(db: &TestDb) {
    let store = &db.store;
    let games = "/v1/leagues/{league}/games";
    let me = "key:aaaaaaaaaaaa";
    store
        .add_usage(
            &new_batch(),
            &[
                (usage(me, "2026-01-31", games), 2),
                (usage(me, "2026-02-01", games), 3),
                (usage(me, "2026-02-01", games), 4),
                (usage(me, "2026-02-01", "/sports"), 1),
                (usage(me, "2026-02-28", games), 5),
                (usage(me, "2026-03-01", games), 6),
                (usage(me, "2026-02-02", games), 0),
                (usage("ip:192.0.2.1", "2026-02-01", games), 100),
            ],
        )
        .await
        .unwrap();
    store.add_usage(&new_batch(), &[]).await.unwrap();
    store
        .add_usage(
            &new_batch(),
            &[
                (usage(me, "2026-02-01", games), 10),
                (usage(me, "2026-03-01", games), 1),
            ],
        )
        .await
        .unwrap();

    let total =
        |from: &'static str, to: &'static str| async move { store.usage_total(me, day(from), day(to)).await.unwrap() };
    assert_eq!(total("2026-02-01", "2026-02-28").await, 3 + 4 + 1 + 5 + 10, "February");
    assert_eq!(
        total("2026-01-01", "2026-12-31").await,
        2 + 3 + 4 + 1 + 5 + 6 + 10 + 1,
        "the year"
    );
    assert_eq!(total("2026-01-31", "2026-01-31").await, 2, "one day, inclusive");
    assert_eq!(total("2026-03-01", "2026-03-01").await, 7);
    assert_eq!(total("2026-02-02", "2026-02-27").await, 0);
    assert_eq!(total("2026-03-01", "2026-01-01").await, 0, "an inverted range is empty");
    assert_eq!(
        store
            .usage_total("key:nobody", day("2026-01-01"), day("2026-12-31"))
            .await
            .unwrap(),
        0
    );

    let rows = store
        .usage_rows(&UsageFilter {
            subject: Some(me.into()),
            ..UsageFilter::default()
        })
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.count > 0), "zero deltas write no rows: {rows:?}");
    let feb1_games = rows.iter().find(|r| r.key == usage(me, "2026-02-01", games)).unwrap();
    assert_eq!(feb1_games.count, 17, "deltas in one batch and across batches add up");
}

pub async fn a_usage_batch_larger_than_one_statement_is_written_whole(db: &TestDb) {
    let store = &db.store;
    let batch: Vec<(UsageKey, u64)> = (0..250)
        .map(|i| (usage("key:bbbbbbbbbbbb", "2026-05-05", &format!("/route/{i:03}")), 1))
        .collect();
    store.add_usage(&new_batch(), &batch).await.unwrap();
    store.add_usage(&new_batch(), &batch).await.unwrap();
    assert_eq!(
        store
            .usage_total("key:bbbbbbbbbbbb", day("2026-05-05"), day("2026-05-05"))
            .await
            .unwrap(),
        500
    );
    let rows = store.usage_rows(&UsageFilter::default()).await.unwrap();
    assert_eq!(rows.len(), 250);
    assert!(rows.iter().all(|r| r.count == 2));
}

pub async fn a_usage_batch_retried_with_its_id_is_applied_once(db: &TestDb) {
    let store = &db.store;
    let batch = [(usage("key:cccccccccccc", "2026-05-06", "/sports"), 5)];
    let id = new_batch();
    assert!(!store.batch_applied(&id).await.unwrap());
    store.add_usage(&id, &batch).await.unwrap();
    assert!(store.batch_applied(&id).await.unwrap());
    // The first answer was lost (a timeout after the commit): the flusher retries it.
    store.add_usage(&id, &batch).await.unwrap();
    let total = |from, to| store.usage_total("key:cccccccccccc", day(from), day(to));
    assert_eq!(total("2026-05-06", "2026-05-06").await.unwrap(), 5);
    store.add_usage(&new_batch(), &batch).await.unwrap();
    assert_eq!(total("2026-05-06", "2026-05-06").await.unwrap(), 10);
    // Pruning forgets old ids only.
    assert_eq!(
        store
            .prune_usage_batches(Utc::now() - chrono::Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .prune_usage_batches(Utc::now() + chrono::Duration::hours(1))
            .await
            .unwrap(),
        2
    );
}

pub async fn usage_totals_of_many_subjects_come_from_one_call(db: &TestDb) {
    let store = &db.store;
    let mut batch: Vec<(UsageKey, u64)> = (0..150)
        .map(|i| (usage(&format!("ip:10.0.{i}.0/24"), "2026-06-02", "/sports"), i + 1))
        .collect();
    batch.push((usage("ip:10.0.0.0/24", "2026-06-01", "/sports"), 1000));
    batch.push((usage("ip:10.0.0.0/24", "2026-06-02", "/v1/leagues"), 7));
    store.add_usage(&new_batch(), &batch).await.unwrap();
    let mut subjects: Vec<String> = (0..150).map(|i| format!("ip:10.0.{i}.0/24")).collect();
    subjects.push("ip:192.0.2.0/24".into());
    let totals = store
        .usage_totals(&subjects, day("2026-06-02"), day("2026-06-30"))
        .await
        .unwrap();
    assert_eq!(totals.len(), 150, "subjects without usage are absent");
    assert_eq!(
        totals["ip:10.0.0.0/24"],
        1 + 7,
        "routes add up; days outside the range do not"
    );
    assert_eq!(totals["ip:10.0.149.0/24"], 150);
}

pub async fn the_key_fingerprint_changes_with_every_key_change_but_last_use(db: &TestDb) {
    let store = &db.store;
    let empty = store.key_fingerprint().await.unwrap();
    let k = key("fp", 0);
    store.insert_key(&k).await.unwrap();
    let inserted = store.key_fingerprint().await.unwrap();
    assert_ne!(inserted, empty);
    store.touch_keys(&[(k.id.to_string(), at(5))]).await.unwrap();
    assert_eq!(
        store.key_fingerprint().await.unwrap(),
        inserted,
        "last use is not a key change"
    );
    let patch = KeyPatch {
        plan: Some("pro".into()),
        ..KeyPatch::default()
    };
    store.update_key(&k.id.to_string(), &patch).await.unwrap();
    let patched = store.key_fingerprint().await.unwrap();
    assert_ne!(patched, inserted);
    store.revoke_key(&k.id.to_string(), at(9)).await.unwrap();
    assert_ne!(store.key_fingerprint().await.unwrap(), patched);
}

pub async fn usage_rows_follow_the_filter_newest_day_first(db: &TestDb) {
    let store = &db.store;
    store
        .add_usage(
            &new_batch(),
            &[
                (usage("key:a", "2026-01-10", "/r1"), 1),
                (usage("key:a", "2026-01-12", "/r2"), 2),
                (usage("key:a", "2026-01-12", "/r1"), 3),
                (usage("key:b", "2026-01-11", "/r1"), 4),
                (usage("key:b", "2026-01-12", "/r1"), 5),
                (usage("key:a", "2025-12-31", "/r1"), 6),
            ],
        )
        .await
        .unwrap();
    let row = |subject: &str, d: &str, route: &str, count| UsageRow {
        key: usage(subject, d, route),
        count,
    };
    let read = |filter: UsageFilter| async move { store.usage_rows(&filter).await.unwrap() };

    assert_eq!(
        read(UsageFilter::default()).await,
        vec![
            row("key:a", "2026-01-12", "/r1", 3),
            row("key:a", "2026-01-12", "/r2", 2),
            row("key:b", "2026-01-12", "/r1", 5),
            row("key:b", "2026-01-11", "/r1", 4),
            row("key:a", "2026-01-10", "/r1", 1),
            row("key:a", "2025-12-31", "/r1", 6),
        ],
        "newest day first, then subject and route; a limit of 0 is the default"
    );
    assert_eq!(
        read(UsageFilter {
            subject: Some("key:a".into()),
            ..UsageFilter::default()
        })
        .await,
        vec![
            row("key:a", "2026-01-12", "/r1", 3),
            row("key:a", "2026-01-12", "/r2", 2),
            row("key:a", "2026-01-10", "/r1", 1),
            row("key:a", "2025-12-31", "/r1", 6),
        ]
    );
    assert_eq!(
        read(UsageFilter {
            from: Some(day("2026-01-11")),
            to: Some(day("2026-01-11")),
            ..UsageFilter::default()
        })
        .await,
        vec![row("key:b", "2026-01-11", "/r1", 4)],
        "bounds are inclusive"
    );
    assert_eq!(
        read(UsageFilter {
            subject: Some("key:a".into()),
            from: Some(day("2026-01-01")),
            ..UsageFilter::default()
        })
        .await
        .len(),
        3
    );
    assert_eq!(
        read(UsageFilter {
            to: Some(day("2026-01-10")),
            ..UsageFilter::default()
        })
        .await,
        vec![
            row("key:a", "2026-01-10", "/r1", 1),
            row("key:a", "2025-12-31", "/r1", 6)
        ]
    );
    assert_eq!(
        read(UsageFilter {
            limit: 2,
            ..UsageFilter::default()
        })
        .await,
        vec![
            row("key:a", "2026-01-12", "/r1", 3),
            row("key:a", "2026-01-12", "/r2", 2)
        ]
    );
    assert_eq!(
        read(UsageFilter {
            subject: Some("key:none".into()),
            ..UsageFilter::default()
        })
        .await,
        vec![]
    );
}

pub async fn fifty_concurrent_spends_against_a_limit_of_twenty_take_exactly_twenty(db: &TestDb) {
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = db.store.clone();
            tokio::spawn(async move { store.spend_budget("serpapi", "2026-02", Some(20)).await })
        })
        .collect();
    let mut granted = 0;
    for task in tasks {
        if task.await.unwrap().unwrap() {
            granted += 1;
        }
    }
    assert_eq!(granted, 20);
    assert_eq!(db.store.budget_spent("serpapi", "2026-02").await.unwrap(), 20);
    assert!(!db.store.spend_budget("serpapi", "2026-02", Some(20)).await.unwrap());
    assert!(
        db.store.spend_budget("serpapi", "2026-02", Some(21)).await.unwrap(),
        "a raised limit frees one more"
    );
    assert_eq!(db.store.budget_spent("serpapi", "2026-02").await.unwrap(), 21);
}

pub async fn a_budget_without_a_limit_always_spends_and_a_zero_limit_never_does(db: &TestDb) {
    let store = &db.store;
    assert_eq!(store.budget_spent("serpapi", "2026-03").await.unwrap(), 0);
    for _ in 0..3 {
        assert!(store.spend_budget("serpapi", "2026-03", None).await.unwrap());
    }
    assert_eq!(
        store.budget_spent("serpapi", "2026-03").await.unwrap(),
        3,
        "unlimited spends are still counted"
    );
    assert!(!store.spend_budget("serpapi", "2026-03", Some(0)).await.unwrap());
    assert!(!store.spend_budget("serpapi", "2026-04", Some(0)).await.unwrap());
    assert_eq!(store.budget_spent("serpapi", "2026-04").await.unwrap(), 0);
    assert!(store.spend_budget("serpapi", "2026-04", Some(1)).await.unwrap());
    assert!(!store.spend_budget("serpapi", "2026-04", Some(1)).await.unwrap());
    assert!(
        store.spend_budget("espn", "2026-04", Some(1)).await.unwrap(),
        "providers count apart"
    );
    assert_eq!(
        store.budget_spent("serpapi", "2026-03").await.unwrap(),
        3,
        "months count apart"
    );
}

pub async fn preferences_round_trip_and_a_second_put_replaces_the_first(db: &TestDb) {
    let store = &db.store;
    assert_eq!(store.get_preferences("aaaaaaaaaaaa").await.unwrap(), None);
    let first = Preferences {
        favourite_leagues: vec!["nfl".into(), "epl".into()],
        favourite_teams: vec![FavouriteTeam {
            league: "nfl".into(),
            team: "KC \"Chiefs\" ünïcode".into(),
        }],
    };
    store.put_preferences("aaaaaaaaaaaa", &first).await.unwrap();
    assert_eq!(store.get_preferences("aaaaaaaaaaaa").await.unwrap(), Some(first));
    let second = Preferences {
        favourite_leagues: vec!["nba".into()],
        favourite_teams: vec![],
    };
    store.put_preferences("aaaaaaaaaaaa", &second).await.unwrap();
    assert_eq!(store.get_preferences("aaaaaaaaaaaa").await.unwrap(), Some(second));
    store
        .put_preferences("bbbbbbbbbbbb", &Preferences::default())
        .await
        .unwrap();
    assert_eq!(
        store.get_preferences("bbbbbbbbbbbb").await.unwrap(),
        Some(Preferences::default())
    );
}

pub async fn history_is_newest_first_and_limited(db: &TestDb) {
    let store = &db.store;
    store.add_history(&[]).await.unwrap();
    store
        .add_history(&[
            entry("aaaaaaaaaaaa", 10, "/v1/leagues/nfl/games?team=KC", 200),
            entry("aaaaaaaaaaaa", 30, "/v1/leagues/nba/games", 429),
            entry("bbbbbbbbbbbb", 20, "/v1/leagues", 200),
            entry("aaaaaaaaaaaa", 20, "/v1/leagues/epl/standings", 503),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.history("aaaaaaaaaaaa", 10).await.unwrap(),
        vec![
            entry("aaaaaaaaaaaa", 30, "/v1/leagues/nba/games", 429),
            entry("aaaaaaaaaaaa", 20, "/v1/leagues/epl/standings", 503),
            entry("aaaaaaaaaaaa", 10, "/v1/leagues/nfl/games?team=KC", 200),
        ]
    );
    assert_eq!(store.history("aaaaaaaaaaaa", 2).await.unwrap().len(), 2);
    assert_eq!(
        store.history("aaaaaaaaaaaa", 0).await.unwrap().len(),
        3,
        "a limit of 0 is the default"
    );
    assert_eq!(store.history("cccccccccccc", 10).await.unwrap(), vec![]);

    // More than one INSERT's worth in one batch.
    let many: Vec<_> = (0..230)
        .map(|i| entry("cccccccccccc", 1000 + i, "/v1/leagues", 200))
        .collect();
    store.add_history(&many).await.unwrap();
    let read = store.history("cccccccccccc", 500).await.unwrap();
    assert_eq!(read.len(), 230);
    assert_eq!(read[0].at, at(1229));
}

pub async fn pruning_history_keeps_the_newest_entries_per_key_and_drops_old_ones(db: &TestDb) {
    let store = &db.store;
    let a: Vec<_> = (0..10)
        .map(|i| entry("aaaaaaaaaaaa", 1000 + i, &format!("/a/{i}"), 200))
        .collect();
    let b = vec![
        entry("bbbbbbbbbbbb", 10, "/b/old", 200),
        entry("bbbbbbbbbbbb", 5000, "/b/new", 200),
    ];
    store.add_history(&a).await.unwrap();
    store.add_history(&b).await.unwrap();

    let deleted = store.prune_history(4, at(100)).await.unwrap();
    assert_eq!(deleted, 6 + 1, "six beyond key a's newest four, and key b's old one");
    assert_eq!(
        store.history("aaaaaaaaaaaa", 0).await.unwrap(),
        a[6..].iter().rev().cloned().collect::<Vec<_>>()
    );
    assert_eq!(store.history("bbbbbbbbbbbb", 0).await.unwrap(), vec![b[1].clone()]);

    assert_eq!(
        store.prune_history(4, at(100)).await.unwrap(),
        0,
        "pruning again finds nothing"
    );
    assert_eq!(
        store.prune_history(100, at(1008)).await.unwrap(),
        2,
        "entries before the cut-off go"
    );
    assert_eq!(store.history("aaaaaaaaaaaa", 0).await.unwrap().len(), 2);
    assert_eq!(
        store.prune_history(0, at(0)).await.unwrap(),
        3,
        "keeping 0 per key empties the table"
    );
}

pub async fn corrupt_rows_are_reported_as_corrupt_not_panicked_on(db: &TestDb) {
    let store = &db.store;
    db.raw(
        "INSERT INTO api_keys (id, name, plan, secret_hash, created_at) VALUES ('NOT A KEY ID', 'x', 'free', 'ab', 0); \
         INSERT INTO preferences (key_id, body, updated_at) VALUES ('aaaaaaaaaaaa', '{not json', 0); \
         INSERT INTO preferences (key_id, body, updated_at) VALUES ('bbbbbbbbbbbb', '{\"unknown\": 1}', 0); \
         INSERT INTO usage (subject, day, route, count) VALUES ('key:x', 'yesterday', '/r', 1); \
         INSERT INTO usage (subject, day, route, count) VALUES ('key:y', '2026-01-01', '/r', -5); \
         INSERT INTO history (key_id, at, request, status) VALUES ('aaaaaaaaaaaa', 0, '/r', 70000); \
         INSERT INTO upstream_budget (provider, month, spent) VALUES ('serpapi', '2026-01', -1)",
    )
    .await;
    let corrupt = |r: Result<_, StoreError>, what: &str| match r {
        Err(StoreError::Corrupt(_)) => {}
        other => panic!("{what}: expected Corrupt, got {other:?}"),
    };
    corrupt(store.find_key("NOT A KEY ID").await.map(|_| ()), "bad key id");
    corrupt(store.list_keys().await.map(|_| ()), "bad key id in a list");
    corrupt(
        store.get_preferences("aaaaaaaaaaaa").await.map(|_| ()),
        "unparsable JSON",
    );
    corrupt(
        store.get_preferences("bbbbbbbbbbbb").await.map(|_| ()),
        "JSON of another shape",
    );
    corrupt(store.usage_rows(&UsageFilter::default()).await.map(|_| ()), "bad day");
    corrupt(
        store
            .usage_total("key:y", day("2026-01-01"), day("2026-01-01"))
            .await
            .map(|_| ()),
        "negative total",
    );
    corrupt(
        store.history("aaaaaaaaaaaa", 0).await.map(|_| ()),
        "status out of range",
    );
    corrupt(
        store.budget_spent("serpapi", "2026-01").await.map(|_| ()),
        "negative budget",
    );
}

pub async fn a_stored_key_holds_only_the_hash_of_its_secret(db: &TestDb) {
    let issued = IssuedKey::generate("secretive", "pro", None);
    let token = issued.token.expose_secret().to_owned();
    let (_, secret) = parse_token(&token).unwrap();
    db.store.insert_key(&issued.record).await.unwrap();

    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(&db.url).await.unwrap();
    let rows = sqlx::query("SELECT id, name, plan, secret_hash FROM api_keys")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let _ = conn.close().await;
    assert_eq!(rows.len(), 1);
    for column in 0..4 {
        let value: String = rows[0].get(column);
        assert!(!value.contains(secret), "column {column} holds the secret");
    }
    assert!(
        issued.record.secret_hash.matches(secret),
        "the stored hash still verifies the secret"
    );
}
