# A set of named snapshots of one cluster, into one bucket.

resource "ncloud_searchengine_snapshot" "this" {
  for_each = var.snapshot_names

  service_group_instance_no = var.cluster
  snapshot_name             = each.key
  bucket_name               = var.bucket
}

# A cluster has one schedule at most, so the module sets it only when asked:
# a cluster scheduled elsewhere would refuse a second one.
resource "ncloud_searchengine_snapshot_schedule" "daily" {
  count = var.daily_schedule == null ? 0 : 1

  service_group_instance_no = var.cluster
  snapshot_name             = var.daily_schedule.snapshot_name
  bucket_name               = var.bucket
  day                       = "Everyday"
  hour                      = var.daily_schedule.hour
  minute                    = var.daily_schedule.minute
}
