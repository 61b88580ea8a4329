variable "object_storage_secret_key" {
  description = "The Object Storage secret key the cluster writes snapshots with."
  type        = string
  sensitive   = true
}

# Gives the cluster the Object Storage key it writes snapshots with. The
# secret is kept in state, marked sensitive; with Terraform 1.11 and later,
# use secret_key_wo and secret_key_wo_version instead to keep it out.
resource "ncloud_searchengine_storage_key" "snapshots" {
  service_group_instance_no = "1037000"
  access_key_id             = "A1B2C3D4E5F6G7H8I9J0"
  secret_key                = var.object_storage_secret_key
}
