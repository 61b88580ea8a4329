# A snapshot is imported by its cluster number and name, joined by a colon.
terraform import ncloud_searchengine_snapshot.before_upgrade 1037000:before-upgrade-2-19
