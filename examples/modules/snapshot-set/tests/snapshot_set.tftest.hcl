# Runs against the API emulator: `make test` starts one and points
# NCLOUD_SEARCHENGINE_ENDPOINT and the emulator's keys at it. The emulator
# has cluster 1037000 with bucket ses-snapshots.

variables {
  cluster = "1037000"
  bucket  = "ses-snapshots"
}

run "takes_one_snapshot_per_name" {
  variables {
    snapshot_names = ["weekly-a", "weekly-b"]
  }

  assert {
    condition     = length(ncloud_searchengine_snapshot.this) == 2
    error_message = "Expected one snapshot per name."
  }

  assert {
    condition     = output.snapshot_ids["weekly-a"] == "1037000:weekly-a"
    error_message = "A snapshot id is the cluster number and the name."
  }

  assert {
    condition     = alltrue([for date in values(output.snapshot_dates) : date != null && date != ""])
    error_message = "Every snapshot must have its date from the snapshot history."
  }

  assert {
    condition     = output.cluster_name != null
    error_message = "The cluster's name must come from the snapshot history."
  }
}

run "a_new_name_adds_one_snapshot_and_keeps_the_others" {
  variables {
    snapshot_names = ["weekly-a", "weekly-b", "weekly-c"]
  }

  assert {
    condition     = length(ncloud_searchengine_snapshot.this) == 3
    error_message = "Expected the new name to add a snapshot."
  }

  assert {
    condition     = ncloud_searchengine_snapshot.this["weekly-a"].action_date == run.takes_one_snapshot_per_name.snapshot_dates["weekly-a"]
    error_message = "An existing snapshot must not be taken again."
  }
}

run "no_schedule_unless_asked" {
  variables {
    snapshot_names = ["weekly-a", "weekly-b", "weekly-c"]
  }

  assert {
    condition     = output.schedule_id == null
    error_message = "Without daily_schedule the module must not set a schedule."
  }
}

run "a_daily_schedule_is_set_when_asked" {
  variables {
    snapshot_names = ["weekly-a", "weekly-b", "weekly-c"]
    daily_schedule = {
      snapshot_name = "daily"
      hour          = 3
      minute        = 30
    }
  }

  assert {
    condition     = output.schedule_id == "1037000"
    error_message = "The schedule's id is the cluster number."
  }

  assert {
    condition     = ncloud_searchengine_snapshot_schedule.daily[0].day == "Everyday" && ncloud_searchengine_snapshot_schedule.daily[0].minute == 30
    error_message = "The schedule must be daily, at the minute given."
  }

  assert {
    condition     = ncloud_searchengine_snapshot_schedule.daily[0].set_up_date != null
    error_message = "The schedule's set-up date must come from the scheduling history."
  }
}
