# The snapshot-set module in use: three named snapshots of one cluster, and
# a schedule that takes one every night at 03:30. Listing a new date takes
# its snapshot; dropping an old date forgets that snapshot (the API cannot
# delete it: it stays in the bucket).

module "nightly" {
  source = "../.."

  cluster        = "1037000"
  bucket         = "ses-snapshots"
  snapshot_names = ["nightly-20261201", "nightly-20261202", "nightly-20261203"]

  daily_schedule = {
    snapshot_name = "nightly"
    hour          = 3
    minute        = 30
  }
}

output "nightly_snapshot_ids" {
  value = module.nightly.snapshot_ids
}
