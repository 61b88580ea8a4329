variable "cluster" {
  description = "The number (serviceGroupInstanceNo) of the Search Engine cluster to snapshot."
  type        = string
}

variable "bucket" {
  description = "The Object Storage bucket, one of the cluster's, that receives the snapshots."
  type        = string
}

variable "snapshot_names" {
  description = "The names of the snapshots to take, one snapshot each. Removing a name forgets its snapshot; it stays in the bucket."
  type        = set(string)
  default     = []
}
