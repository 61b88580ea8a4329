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

variable "daily_schedule" {
  description = "When set, the cluster also takes a snapshot every day at hour:minute (minute 0, 15, 30 or 45), named snapshot_name (3 to 15 characters). Null, the default, leaves the cluster's schedule alone."
  type = object({
    snapshot_name = string
    hour          = number
    minute        = number
  })
  default = null
}
