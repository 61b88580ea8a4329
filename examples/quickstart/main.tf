# Takes a snapshot of a Search Engine cluster into an Object Storage bucket.
#
# Credentials and region come from the environment (NCLOUD_ACCESS_KEY,
# NCLOUD_SECRET_KEY, NCLOUD_REGION). To run against the local emulator
# instead of NAVER Cloud, also set NCLOUD_SEARCHENGINE_ENDPOINT to the URL
# the emulator prints; `make demo` does all of this for you.

terraform {
  required_providers {
    ncloud = {
      source = "ncloud-rs/ncloud"
    }
  }
}

provider "ncloud" {}

variable "cluster" {
  description = "The number (serviceGroupInstanceNo) of the Search Engine cluster."
  type        = string
  default     = "1037000"
}

variable "bucket" {
  description = "The Object Storage bucket that receives the snapshot."
  type        = string
  default     = "ses-snapshots"
}

resource "ncloud_searchengine_snapshot" "quickstart" {
  service_group_instance_no = var.cluster
  snapshot_name             = "quickstart-snapshot"
  bucket_name               = var.bucket
}

output "snapshot_id" {
  description = "The snapshot's id: cluster number and snapshot name."
  value       = ncloud_searchengine_snapshot.quickstart.id
}

output "snapshot_cluster" {
  description = "The cluster's name, as the snapshot history reports it."
  value       = ncloud_searchengine_snapshot.quickstart.cluster_name
}
