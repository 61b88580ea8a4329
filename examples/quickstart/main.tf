# Gives a Search Engine cluster its Object Storage key, takes a snapshot into
# a bucket, and schedules a snapshot every night.
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

variable "object_storage_access_key_id" {
  description = "The Object Storage access key id the cluster writes snapshots with."
  type        = string
  default     = "ncloud-emulator-object-storage-key"
}

variable "object_storage_secret_key" {
  description = "The Object Storage secret key; the default suits the emulator only."
  type        = string
  sensitive   = true
  default     = "ncloud-emulator-object-storage-secret"
}

# The key comes first: without one, the cluster refuses snapshots and
# schedules. Taking the cluster number from it makes the others wait for it.
resource "ncloud_searchengine_storage_key" "quickstart" {
  service_group_instance_no = var.cluster
  access_key_id             = var.object_storage_access_key_id
  secret_key                = var.object_storage_secret_key
}

resource "ncloud_searchengine_snapshot" "quickstart" {
  service_group_instance_no = ncloud_searchengine_storage_key.quickstart.service_group_instance_no
  snapshot_name             = "quickstart-snapshot"
  bucket_name               = var.bucket
}

resource "ncloud_searchengine_snapshot_schedule" "nightly" {
  service_group_instance_no = ncloud_searchengine_storage_key.quickstart.service_group_instance_no
  snapshot_name             = "nightly"
  bucket_name               = var.bucket
  day                       = "Everyday"
  hour                      = 3
  minute                    = 30
}

data "ncloud_searchengine_snapshots" "taken" {
  service_group_instance_no = var.cluster
  depends_on                = [ncloud_searchengine_snapshot.quickstart]
}

output "snapshot_id" {
  description = "The snapshot's id: cluster number and snapshot name."
  value       = ncloud_searchengine_snapshot.quickstart.id
}

output "snapshot_cluster" {
  description = "The cluster's name, as the snapshot history reports it."
  value       = ncloud_searchengine_snapshot.quickstart.cluster_name
}

output "snapshot_schedule" {
  description = "When the cluster takes its scheduled snapshots."
  value       = format("%s at %02d:%02d", ncloud_searchengine_snapshot_schedule.nightly.day, ncloud_searchengine_snapshot_schedule.nightly.hour, ncloud_searchengine_snapshot_schedule.nightly.minute)
}

output "snapshots_in_history" {
  description = "The snapshot names the cluster's history shows, newest first."
  value       = data.ncloud_searchengine_snapshots.taken.snapshots[*].snapshot_name
}
