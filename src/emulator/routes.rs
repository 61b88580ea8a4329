//! Which API call a request is: the route table.
//!
//! The same calls are served under every region prefix (`/api/v2`,
//! `/api/sgn-v2`, `/api/jpn-v2`, any `/api/<region>-v2`), so routing is a
//! small matcher over the path rather than one axum route per prefix. A
//! known path with the wrong method is "not found", as the gateway answers
//! any operation it does not have.

use axum::http::Method;

/// One API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /snapshot/createSnapshot/{no}`
    CreateSnapshot,
    /// `GET /snapshot/getSnapshotHistory/{no}`
    GetSnapshotHistory,
    /// `GET /snapshot/getBucketList/{no}`
    GetBucketList,
    /// `POST /snapshot/updateAPIAuthenticationKey/{no}`
    UpdateApiAuthenticationKey,
    /// `POST /snapshot/setSnapshotScheduling/{no}`
    SetSnapshotScheduling,
    /// `GET /snapshot/releaseSnapshotScheduling/{no}` (GET, as documented)
    ReleaseSnapshotScheduling,
    /// `GET /snapshot/getSnapshotSchedulingHistory/{no}`
    GetSnapshotSchedulingHistory,
    /// `GET /cluster/getClusterInfo/{no}`
    GetClusterInfo,
}

impl Endpoint {
    /// Every call.
    pub const ALL: [Endpoint; 8] = [
        Endpoint::CreateSnapshot,
        Endpoint::GetSnapshotHistory,
        Endpoint::GetBucketList,
        Endpoint::UpdateApiAuthenticationKey,
        Endpoint::SetSnapshotScheduling,
        Endpoint::ReleaseSnapshotScheduling,
        Endpoint::GetSnapshotSchedulingHistory,
        Endpoint::GetClusterInfo,
    ];

    /// The call's name, as in its path and in the introspection counters.
    pub fn name(self) -> &'static str {
        self.spec().2
    }

    /// Whether this is createSnapshot, the one call committing faults hit.
    pub fn is_create(self) -> bool {
        self == Endpoint::CreateSnapshot
    }

    /// Method, path group and operation name.
    fn spec(self) -> (Method, &'static str, &'static str) {
        match self {
            Endpoint::CreateSnapshot => (Method::POST, "snapshot", "createSnapshot"),
            Endpoint::GetSnapshotHistory => (Method::GET, "snapshot", "getSnapshotHistory"),
            Endpoint::GetBucketList => (Method::GET, "snapshot", "getBucketList"),
            Endpoint::UpdateApiAuthenticationKey => {
                (Method::POST, "snapshot", "updateAPIAuthenticationKey")
            }
            Endpoint::SetSnapshotScheduling => (Method::POST, "snapshot", "setSnapshotScheduling"),
            Endpoint::ReleaseSnapshotScheduling => {
                (Method::GET, "snapshot", "releaseSnapshotScheduling")
            }
            Endpoint::GetSnapshotSchedulingHistory => {
                (Method::GET, "snapshot", "getSnapshotSchedulingHistory")
            }
            Endpoint::GetClusterInfo => (Method::GET, "cluster", "getClusterInfo"),
        }
    }
}

/// A request matched to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The call.
    pub endpoint: Endpoint,
    /// The cluster number from the path, as written.
    pub cluster_no: String,
}

/// Matches `method` and `path` to a call; `None` is the gateway's 404.
pub fn resolve(method: &Method, path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/api/")?;
    let mut segments = rest.split('/');
    let prefix = segments.next()?;
    let group = segments.next()?;
    let operation = segments.next()?;
    let cluster_no = segments.next()?;
    if segments.next().is_some() || !is_region_prefix(prefix) || cluster_no.is_empty() {
        return None;
    }
    let endpoint = Endpoint::ALL.into_iter().find(|endpoint| {
        let (want_method, want_group, want_operation) = endpoint.spec();
        want_method == method && want_group == group && want_operation == operation
    })?;
    Some(Route {
        endpoint,
        cluster_no: cluster_no.to_owned(),
    })
}

/// `v2`, or a region code and `-v2` (`sgn-v2`, `jpn-v2`, `krs-v2`, ...).
fn is_region_prefix(prefix: &str) -> bool {
    match prefix.strip_suffix("-v2") {
        None => prefix == "v2",
        Some(region) => !region.is_empty() && region.bytes().all(|b| b.is_ascii_alphanumeric()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_is_served_under_every_region_prefix() {
        for prefix in ["v2", "sgn-v2", "jpn-v2", "krs-v2", "xyz-v2"] {
            for endpoint in Endpoint::ALL {
                let (method, group, operation) = endpoint.spec();
                let path = format!("/api/{prefix}/{group}/{operation}/1037000");
                let route = resolve(&method, &path);
                assert_eq!(
                    route,
                    Some(Route {
                        endpoint,
                        cluster_no: "1037000".into()
                    }),
                    "{method} {path}"
                );
            }
        }
    }

    #[test]
    fn anything_else_is_not_found() {
        let cases = [
            (Method::GET, "/api/v2/snapshot/createSnapshot/1"),
            (Method::POST, "/api/v2/snapshot/releaseSnapshotScheduling/1"),
            (Method::DELETE, "/api/v2/snapshot/getBucketList/1"),
            (Method::GET, "/api/v1/snapshot/getBucketList/1"),
            (Method::GET, "/api/-v2/snapshot/getBucketList/1"),
            (Method::GET, "/api/v2/snapshot/getBucketList/"),
            (Method::GET, "/api/v2/snapshot/getBucketList"),
            (Method::GET, "/api/v2/snapshot/getBucketList/1/extra"),
            (Method::GET, "/api/v2/snapshot/getbucketlist/1"),
            (Method::GET, "/api/v2/cluster/getBucketList/1"),
            (Method::GET, "/v2/snapshot/getBucketList/1"),
            (Method::GET, "/"),
        ];
        for (method, path) in cases {
            assert_eq!(resolve(&method, path), None, "{method} {path}");
        }
    }
}
