# A set of named snapshots of one cluster, into one bucket.

resource "ncloud_searchengine_snapshot" "this" {
  for_each = var.snapshot_names

  service_group_instance_no = var.cluster
  snapshot_name             = each.key
  bucket_name               = var.bucket
}
