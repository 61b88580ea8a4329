use super::*;

const NO: &str = "1037000";
const NOKEY: &str = "2000";
const T0: i64 = 1_742_780_000_000;

fn store_with(settings: StoreSettings) -> Store {
    let specs = [
        ClusterSpec::default(),
        ClusterSpec {
            no: NOKEY.into(),
            name: "bare".into(),
            key_set: false,
        },
    ];
    let buckets = ["ses-snapshots".to_owned(), "archive".to_owned()];
    Store::new(&specs, &buckets, settings)
}

fn store() -> Store {
    store_with(StoreSettings::default())
}

fn create(name: &str, bucket: &str) -> CreateSnapshotRequest {
    CreateSnapshotRequest {
        snapshot_name: name.into(),
        bucket_name: bucket.into(),
    }
}

fn schedule(name: &str, day: &str, hour: i64, minute: i64) -> SetSnapshotSchedulingRequest {
    SetSnapshotSchedulingRequest {
        snapshot_name: name.into(),
        bucket_name: "ses-snapshots".into(),
        scheduled_day: day.into(),
        scheduled_hour: hour,
        scheduled_minute: minute,
    }
}

fn page(page_no: i64, page_size: i64) -> PageRequest {
    PageRequest { page_no, page_size }
}

fn code(result: Result<(), ServiceError>) -> i64 {
    result.expect_err("expected a refusal").code
}

#[test]
fn create_records_a_live_snapshot_and_history() {
    let mut store = store();
    store
        .create_snapshot(NO, &create("daily-1", "archive"), T0)
        .unwrap();

    let history = store.history_page(NO, page(1, 10), T0).unwrap();
    let entry = &history.snapshot_history_response_list[0];
    assert_eq!(entry.snapshot_name, "daily-1");
    assert_eq!(entry.bucket_name, "archive");
    assert_eq!(entry.cluster_name, "local-search");
    assert_eq!(entry.service_group_instance_no, NO);
    assert_eq!(entry.action_date, api_time(T0));
    assert!(!entry.has_error_log);

    let buckets = store.bucket_list(NO).unwrap().bucket_list;
    let archive = buckets.iter().find(|b| b.name == "archive").unwrap();
    assert_eq!(archive.object_count, 1);
}

#[test]
fn create_refuses_bad_input_with_the_right_code() {
    let mut store = store();
    let cases = [
        (
            NO,
            create("Bad", "ses-snapshots"),
            service_code::INVALID_PARAMETER,
        ),
        (NO, create("good", ""), service_code::INVALID_PARAMETER),
        (
            NO,
            create("good", "elsewhere"),
            service_code::BUCKET_NOT_FOUND,
        ),
        (
            "999",
            create("good", "ses-snapshots"),
            service_code::CLUSTER_NOT_FOUND,
        ),
        (
            NOKEY,
            create("good", "ses-snapshots"),
            service_code::STORAGE_KEY_NOT_SET,
        ),
    ];
    for (no, request, expected) in cases {
        assert_eq!(
            code(store.create_snapshot(no, &request, T0)),
            expected,
            "{request:?}"
        );
    }
    assert!(
        store
            .history_page(NO, page(1, 10), T0)
            .unwrap()
            .snapshot_history_response_list
            .is_empty()
    );
}

#[test]
fn duplicate_is_refused_until_the_snapshot_is_deleted() {
    let mut store = store();
    let request = create("nightly", "ses-snapshots");
    store.create_snapshot(NO, &request, T0).unwrap();
    assert_eq!(
        code(store.create_snapshot(NO, &request, T0 + 1)),
        service_code::SNAPSHOT_ALREADY_EXISTS
    );

    assert!(store.delete_snapshot(NO, "nightly").unwrap());
    assert!(!store.delete_snapshot(NO, "nightly").unwrap());
    store.create_snapshot(NO, &request, T0 + 2).unwrap();

    let idxs: Vec<i64> = store
        .history_page(NO, page(1, 10), T0 + 2)
        .unwrap()
        .snapshot_history_response_list
        .iter()
        .map(|entry| entry.idx)
        .collect();
    assert_eq!(idxs, vec![2, 1]);
}

#[test]
fn history_hides_entries_until_the_delay_passes() {
    let mut store = store_with(StoreSettings {
        history_delay_ms: 1_000,
        ..StoreSettings::default()
    });
    store
        .create_snapshot(NO, &create("first", "ses-snapshots"), T0)
        .unwrap();
    store
        .create_snapshot(NO, &create("second", "ses-snapshots"), T0 + 500)
        .unwrap();

    let names_at = |now| {
        let page = store.history_page(NO, page(1, 10), now).unwrap();
        let names: Vec<String> = page
            .snapshot_history_response_list
            .iter()
            .map(|entry| entry.snapshot_name.clone())
            .collect();
        (page.paging.total_count, names)
    };
    assert_eq!(names_at(T0 + 999), (0, vec![]));
    assert_eq!(names_at(T0 + 1_000), (1, vec!["first".to_owned()]));
    assert_eq!(
        names_at(T0 + 1_500),
        (2, vec!["second".to_owned(), "first".to_owned()])
    );
}

#[test]
fn history_entries_read_the_same_every_time() {
    let mut store = store();
    store
        .create_snapshot(NO, &create("steady", "ses-snapshots"), T0)
        .unwrap();
    let first = store.history_page(NO, page(1, 10), T0 + 10).unwrap();
    let later = store.history_page(NO, page(1, 10), T0 + 60_000).unwrap();
    assert_eq!(first, later);
}

#[test]
fn failing_names_show_an_error_in_history() {
    let mut store = store_with(StoreSettings {
        fail_snapshots: ["doomed".to_owned()].into(),
        ..StoreSettings::default()
    });
    store
        .create_snapshot(NO, &create("doomed", "ses-snapshots"), T0)
        .unwrap();
    store
        .create_snapshot(NO, &create("fine", "ses-snapshots"), T0)
        .unwrap();
    let list = store
        .history_page(NO, page(1, 10), T0)
        .unwrap()
        .snapshot_history_response_list;
    let doomed = list.iter().find(|e| e.snapshot_name == "doomed").unwrap();
    let fine = list.iter().find(|e| e.snapshot_name == "fine").unwrap();
    assert!(doomed.has_error_log && doomed.message.contains("failed"));
    assert!(!fine.has_error_log && !fine.message.contains("failed"));
}

#[test]
fn clearing_history_keeps_idx_growing() {
    let mut store = store();
    store
        .create_snapshot(NO, &create("one", "ses-snapshots"), T0)
        .unwrap();
    store.clear_history(NO).unwrap();
    assert_eq!(
        store
            .history_page(NO, page(1, 10), T0)
            .unwrap()
            .paging
            .total_count,
        0
    );
    store
        .create_snapshot(NO, &create("two", "ses-snapshots"), T0)
        .unwrap();
    let list = store
        .history_page(NO, page(1, 10), T0)
        .unwrap()
        .snapshot_history_response_list;
    assert_eq!(list[0].idx, 2);
}

#[test]
fn storage_key_is_required_then_accepted() {
    let mut store = store();
    let key = |id: &str, secret: &str| UpdateApiAuthenticationKeyRequest {
        access_key_id: id.into(),
        secret_key: secret.into(),
    };
    assert_eq!(
        code(store.set_storage_key(NOKEY, &key("", "s"))),
        service_code::INVALID_PARAMETER
    );
    assert_eq!(
        code(store.set_storage_key(NOKEY, &key("id", " "))),
        service_code::INVALID_PARAMETER
    );
    assert_eq!(
        code(store.set_storage_key("1", &key("id", "s"))),
        service_code::CLUSTER_NOT_FOUND
    );

    store
        .set_storage_key(NOKEY, &key("AKID", "secret"))
        .unwrap();
    store
        .create_snapshot(NOKEY, &create("now-fine", "ses-snapshots"), T0)
        .unwrap();
    let data = &store
        .clusters()
        .find(|(no, _)| *no == NOKEY)
        .unwrap()
        .1
        .data;
    assert_eq!(data.access_key_id.as_deref(), Some("AKID"));
}

#[test]
fn schedules_are_set_replaced_and_released() {
    let mut store = store();
    store
        .set_schedule(NO, &schedule("weekly", "Sunday", 3, 15), T0)
        .unwrap();
    store
        .set_schedule(NO, &schedule("daily", "Everyday", 23, 45), T0 + 1)
        .unwrap();
    store.release_schedule(NO, T0 + 2).unwrap();
    assert_eq!(
        code(store.release_schedule(NO, T0 + 3)),
        service_code::SCHEDULE_NOT_FOUND
    );

    let list = store
        .scheduling_page(NO, page(1, 10))
        .unwrap()
        .snapshot_scheduling_history_list;
    let summary: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|e| {
            (
                e.snapshot_name.as_str(),
                e.snapshot_scheduling_set_up_time.as_str(),
                e.snapshot_scheduling_status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("daily", "23:45", SCHEDULE_RELEASED),
            ("daily", "23:45", SCHEDULE_ACTIVE),
            ("weekly", "03:15", SCHEDULE_ACTIVE),
        ]
    );
}

#[test]
fn schedules_refuse_bad_input() {
    let mut store = store();
    let cases = [
        (
            NO,
            schedule("far-too-long-name", "Sunday", 3, 0),
            service_code::INVALID_PARAMETER,
        ),
        (
            NO,
            schedule("ok", "Sunday", 3, 0),
            service_code::INVALID_PARAMETER,
        ),
        (
            NO,
            schedule("okay", "Funday", 3, 0),
            service_code::INVALID_PARAMETER,
        ),
        (
            NO,
            schedule("okay", "Sunday", 24, 0),
            service_code::INVALID_PARAMETER,
        ),
        (
            NO,
            schedule("okay", "Sunday", 3, 10),
            service_code::INVALID_PARAMETER,
        ),
        (
            NOKEY,
            schedule("okay", "Sunday", 3, 0),
            service_code::STORAGE_KEY_NOT_SET,
        ),
        (
            "7",
            schedule("okay", "Sunday", 3, 0),
            service_code::CLUSTER_NOT_FOUND,
        ),
    ];
    for (no, request, expected) in cases {
        assert_eq!(
            code(store.set_schedule(no, &request, T0)),
            expected,
            "{request:?}"
        );
    }
    let mut elsewhere = schedule("okay", "Sunday", 3, 0);
    elsewhere.bucket_name = "nope".into();
    assert_eq!(
        code(store.set_schedule(NO, &elsewhere, T0)),
        service_code::BUCKET_NOT_FOUND
    );
}

#[test]
fn reset_returns_clusters_to_their_configuration() {
    let mut store = store();
    store.count_create_attempt(NO, "x").unwrap();
    store
        .create_snapshot(NO, &create("kept", "ses-snapshots"), T0)
        .unwrap();
    store
        .set_storage_key(
            NOKEY,
            &UpdateApiAuthenticationKeyRequest {
                access_key_id: "id".into(),
                secret_key: "s".into(),
            },
        )
        .unwrap();
    store.reset();
    for (no, cluster) in store.clusters() {
        assert_eq!(cluster.data, ClusterData::fresh(no != NOKEY), "{no}");
    }
}

#[test]
fn restore_puts_back_known_clusters_only() {
    let mut first = store();
    first
        .create_snapshot(NO, &create("saved", "ses-snapshots"), T0)
        .unwrap();
    let mut saved = first.saved_data();
    saved.insert("555".into(), ClusterData::fresh(true));

    let mut second = store();
    second.restore(saved);
    assert_eq!(second.saved_data(), first.saved_data());
    assert_eq!(second.clusters().count(), 2);
}

#[test]
fn cluster_info_names_the_cluster() {
    let info = store().cluster_info(NO).unwrap();
    assert_eq!(info.cluster_name, "local-search");
    assert_eq!(info.cluster_status, "running");
    assert_eq!(info.service_group_instance_no, NO);
    assert_eq!(
        store().cluster_info("1").unwrap_err().code,
        service_code::CLUSTER_NOT_FOUND
    );
}

#[test]
fn a_bucket_added_to_one_cluster_serves_that_cluster_only() {
    let mut store = store();
    assert_eq!(store.add_bucket(NO, "logs-archive"), Ok(true));
    assert_eq!(store.add_bucket(NO, "logs-archive"), Ok(false));
    assert_eq!(store.add_bucket(NO, "ses-snapshots"), Ok(false));
    let names = |store: &Store, no| {
        store
            .bucket_list(no)
            .unwrap()
            .bucket_list
            .into_iter()
            .map(|b| b.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&store, NO),
        ["ses-snapshots", "archive", "logs-archive"]
    );
    assert_eq!(names(&store, NOKEY), ["ses-snapshots", "archive"]);
    store
        .create_snapshot(NO, &create("to-archive", "logs-archive"), T0)
        .unwrap();
    assert_eq!(
        store.add_bucket(NO, " ").unwrap_err().code,
        service_code::INVALID_PARAMETER
    );
    assert_eq!(
        store.add_bucket("1", "other").unwrap_err().code,
        service_code::CLUSTER_NOT_FOUND
    );
}

#[test]
fn a_set_status_is_what_cluster_info_reports_until_reset() {
    let mut store = store();
    store.set_status(NO, "changing").unwrap();
    assert_eq!(store.cluster_info(NO).unwrap().cluster_status, "changing");
    assert_eq!(
        store.set_status(NO, "broken").unwrap_err().code,
        service_code::INVALID_PARAMETER
    );
    store.reset();
    assert_eq!(store.cluster_info(NO).unwrap().cluster_status, "running");
}

#[test]
fn state_saved_before_buckets_and_status_existed_still_loads() {
    let old = r#"{"key_set":true,"access_key_id":null,"snapshots":{},"create_attempts":{},
        "history":[],"next_idx":1,"schedule":null,"scheduling_history":[]}"#;
    let data: ClusterData = serde_json::from_str(old).unwrap();
    assert_eq!(data.status, "running");
    assert!(data.extra_buckets.is_empty());
}
