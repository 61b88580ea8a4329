# The cluster's details, for example to check it is running before a
# snapshot or to point a client at its port.
data "ncloud_searchengine_cluster" "logs" {
  service_group_instance_no = "1037000"
}

output "engine" {
  value = "${data.ncloud_searchengine_cluster.logs.search_engine_version_code} on port ${data.ncloud_searchengine_cluster.logs.search_engine_port}"
}
