# The snapshot-set module in use: the last three nightly snapshots of one
# cluster. Listing a new date takes its snapshot; dropping an old date
# forgets that snapshot (the API cannot delete it: it stays in the bucket).

module "nightly" {
  source = "../.."

  cluster        = "1037000"
  bucket         = "ses-snapshots"
  snapshot_names = ["nightly-20261201", "nightly-20261202", "nightly-20261203"]
}

output "nightly_snapshot_ids" {
  value = module.nightly.snapshot_ids
}
