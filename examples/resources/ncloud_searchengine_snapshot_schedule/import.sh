# A schedule set in the console is imported by its cluster number.
terraform import ncloud_searchengine_snapshot_schedule.nightly 1037000
