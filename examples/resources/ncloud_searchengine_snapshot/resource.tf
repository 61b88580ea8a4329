# A snapshot taken before an upgrade. Destroying the resource only removes
# it from state: the Search Engine API cannot delete snapshots.
resource "ncloud_searchengine_snapshot" "before_upgrade" {
  service_group_instance_no = "1037000"
  snapshot_name             = "before-upgrade-2-19"
  bucket_name               = "ses-snapshots"

  timeouts {
    create = "45m"
  }
}
