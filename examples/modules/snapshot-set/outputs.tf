output "snapshot_ids" {
  description = "The id of each snapshot, by name: the cluster number and the name joined by a colon."
  value       = { for name, snapshot in ncloud_searchengine_snapshot.this : name => snapshot.id }
}

output "snapshot_dates" {
  description = "When each snapshot was taken, by name, as the cluster's snapshot history gives it."
  value       = { for name, snapshot in ncloud_searchengine_snapshot.this : name => snapshot.action_date }
}

output "cluster_name" {
  description = "The cluster's name, as its snapshot history gives it; null when there are no snapshots."
  value       = try(values(ncloud_searchengine_snapshot.this)[0].cluster_name, null)
}

output "schedule_id" {
  description = "The id of the daily schedule (the cluster number), or null when there is none."
  value       = one(ncloud_searchengine_snapshot_schedule.daily[*].id)
}
