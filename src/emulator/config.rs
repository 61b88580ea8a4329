//! What an emulator is started with, and how the command line's compact
//! forms (`--cluster 1037000:logs:nokey`, `--fault rate=0.2,seed=7`) are read.
//!
//! The parsers live here rather than in the binary so that tests and the
//! end-to-end harness can build the very same configuration in-process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use super::faults::FaultKind;

/// The access key the emulator accepts unless told otherwise. Public on
/// purpose: it is a well-known default for local use, not a secret.
pub const DEFAULT_ACCESS_KEY: &str = "ncloud-emulator-access-key";
/// The secret key paired with [`DEFAULT_ACCESS_KEY`].
pub const DEFAULT_SECRET_KEY: &str = "ncloud-emulator-secret-key";
/// The cluster number served when no cluster is configured.
pub const DEFAULT_CLUSTER_NO: &str = "1037000";
/// The name of the default cluster.
pub const DEFAULT_CLUSTER_NAME: &str = "local-search";
/// The bucket every cluster has.
pub const DEFAULT_BUCKET: &str = "ses-snapshots";

/// Everything an emulator needs to start.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The API access key requests must be signed with.
    pub access_key: String,
    /// The API secret key requests must be signed with.
    pub secret_key: String,
    /// The clusters that exist.
    pub clusters: Vec<ClusterSpec>,
    /// The Object Storage buckets every cluster may write snapshots to.
    pub buckets: Vec<String>,
    /// How long a snapshot history entry stays invisible after its creation,
    /// to mimic a history that lags behind createSnapshot.
    pub history_delay_ms: u64,
    /// Snapshot names whose history entries report a failure.
    pub fail_snapshots: Vec<String>,
    /// Where state is kept across restarts; `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
    /// Latency and injected failures.
    pub faults: FaultConfig,
    /// Shifts the emulator's clock, which the timestamp check and the `Date`
    /// header use, to test clock skew.
    pub clock_offset_ms: i64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_key: DEFAULT_ACCESS_KEY.to_owned(),
            secret_key: DEFAULT_SECRET_KEY.to_owned(),
            clusters: vec![ClusterSpec::default()],
            buckets: vec![DEFAULT_BUCKET.to_owned()],
            history_delay_ms: 0,
            fail_snapshots: Vec::new(),
            state_file: None,
            faults: FaultConfig::default(),
            clock_offset_ms: 0,
        }
    }
}

/// One cluster, as written `NO[:NAME[:nokey]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    /// The cluster's `serviceGroupInstanceNo`, digits only.
    pub no: String,
    /// The cluster's name.
    pub name: String,
    /// Whether the cluster starts with an Object Storage key; without one,
    /// snapshots and schedules are refused until updateAPIAuthenticationKey.
    pub key_set: bool,
}

impl Default for ClusterSpec {
    fn default() -> Self {
        Self {
            no: DEFAULT_CLUSTER_NO.to_owned(),
            name: DEFAULT_CLUSTER_NAME.to_owned(),
            key_set: true,
        }
    }
}

impl FromStr for ClusterSpec {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |why: &str| ConfigError::Cluster {
            given: text.to_owned(),
            why: why.to_owned(),
        };
        let mut parts = text.split(':');
        let no = parts.next().unwrap_or_default();
        if no.is_empty() || !no.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("the number must be digits"));
        }
        let name = match parts.next() {
            None => format!("cluster-{no}"),
            Some("") => return Err(invalid("the name must not be empty")),
            Some(name) => name.to_owned(),
        };
        let key_set = match parts.next() {
            None => true,
            Some("nokey") => false,
            Some(_) => return Err(invalid("the third part can only be `nokey`")),
        };
        if parts.next().is_some() {
            return Err(invalid("expected at most three parts"));
        }
        Ok(Self {
            no: no.to_owned(),
            name,
            key_set,
        })
    }
}

/// Latency and failure injection, as written `rate=R,seed=S,latency-ms=L`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Probability, from 0 to 1, that an authenticated request gets a fault.
    pub rate: f64,
    /// Seed of the generator, so that a run can be replayed.
    pub seed: u64,
    /// Delay added to every API request.
    pub latency_ms: u64,
    /// The faults to choose from (those that apply to the endpoint).
    pub kinds: Vec<FaultKind>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            rate: 0.0,
            seed: 0,
            latency_ms: 0,
            kinds: FaultKind::ALL.to_vec(),
        }
    }
}

impl FromStr for FaultConfig {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut config = Self::default();
        for part in text.split(',').filter(|part| !part.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| ConfigError::Fault {
                given: part.to_owned(),
                why: "expected key=value".to_owned(),
            })?;
            config.apply(key, value).map_err(|why| ConfigError::Fault {
                given: part.to_owned(),
                why,
            })?;
        }
        Ok(config)
    }
}

impl FaultConfig {
    fn apply(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "rate" => {
                let rate: f64 = value.parse().map_err(|_| "rate must be a number")?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err("rate must be between 0 and 1".to_owned());
                }
                self.rate = rate;
            }
            "seed" => self.seed = value.parse().map_err(|_| "seed must be a whole number")?,
            "latency-ms" => {
                self.latency_ms = value
                    .parse()
                    .map_err(|_| "latency-ms must be a whole number")?
            }
            "kinds" => self.kinds = parse_kinds(value)?,
            _ => return Err(format!("unknown key {key:?}")),
        }
        Ok(())
    }
}

fn parse_kinds(value: &str) -> Result<Vec<FaultKind>, String> {
    let kinds = value
        .split('+')
        .map(|name| {
            FaultKind::from_name(name).ok_or_else(|| {
                format!("unknown fault {name:?}; expected 503, 504, 429, drop or commit_504")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(kinds)
}

/// A configuration value that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A `--cluster` value is malformed.
    #[error("invalid cluster {given:?}: {why} (expected NO[:NAME[:nokey]])")]
    Cluster {
        /// The text given.
        given: String,
        /// What is wrong with it.
        why: String,
    },
    /// A part of a `--fault` value is malformed.
    #[error("invalid fault setting {given:?}: {why}")]
    Fault {
        /// The part given.
        given: String,
        /// What is wrong with it.
        why: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_specs_read_number_name_and_key() {
        let cases = [
            ("42", "42", "cluster-42", true),
            ("42:logs", "42", "logs", true),
            ("42:logs:nokey", "42", "logs", false),
        ];
        for (text, no, name, key_set) in cases {
            let spec: ClusterSpec = text.parse().unwrap();
            assert_eq!(
                (spec.no.as_str(), spec.name.as_str(), spec.key_set),
                (no, name, key_set)
            );
        }
    }

    #[test]
    fn malformed_cluster_specs_are_refused() {
        for text in ["", "abc", "42:", "42:logs:key", "42:a:nokey:x", "-1"] {
            assert!(text.parse::<ClusterSpec>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn fault_specs_read_every_part_and_default_the_rest() {
        let all: FaultConfig = "rate=0.25,seed=9,latency-ms=40".parse().unwrap();
        assert_eq!((all.rate, all.seed, all.latency_ms), (0.25, 9, 40));
        assert_eq!(all.kinds, FaultKind::ALL.to_vec());

        let some: FaultConfig = "seed=3,kinds=drop+503".parse().unwrap();
        assert_eq!((some.rate, some.seed, some.latency_ms), (0.0, 3, 0));
        assert_eq!(
            some.kinds,
            vec![FaultKind::CommitThenDrop, FaultKind::Unavailable]
        );
    }

    #[test]
    fn malformed_fault_specs_are_refused() {
        for text in [
            "rate=2",
            "rate=x",
            "seed=-1",
            "latency-ms=1.5",
            "speed=1",
            "rate",
            "kinds=boom",
        ] {
            assert!(text.parse::<FaultConfig>().is_err(), "{text:?}");
        }
    }
}
