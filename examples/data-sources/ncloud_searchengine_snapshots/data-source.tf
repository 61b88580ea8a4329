# Every snapshot request of the cluster, newest first.
data "ncloud_searchengine_snapshots" "all" {
  service_group_instance_no = "1037000"
}

# Only the entries of one snapshot name.
data "ncloud_searchengine_snapshots" "nightly" {
  service_group_instance_no = "1037000"
  snapshot_name             = "nightly-20250324"
}

output "failed_snapshots" {
  value = [for s in data.ncloud_searchengine_snapshots.all.snapshots : s.snapshot_name if s.has_error_log]
}
