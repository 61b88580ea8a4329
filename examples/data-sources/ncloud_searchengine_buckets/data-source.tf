# The buckets the cluster can write snapshots to.
data "ncloud_searchengine_buckets" "available" {
  service_group_instance_no = "1037000"
}

output "bucket_names" {
  value = data.ncloud_searchengine_buckets.available.buckets[*].name
}
