# Snapshot the cluster every night at 03:30 into the ses-snapshots bucket.
resource "ncloud_searchengine_snapshot_schedule" "nightly" {
  service_group_instance_no = "1037000"
  snapshot_name             = "nightly"
  bucket_name               = "ses-snapshots"
  day                       = "Everyday"
  hour                      = 3
  minute                    = 30
}
