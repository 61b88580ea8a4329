//! Where the Search Engine API lives: one host per site, one path prefix per
//! region.
//!
//! Everything here is static knowledge, so the provider can check a site and a
//! region at plan time without a network call. An endpoint override (a private
//! gateway, a proxy, the local emulator) replaces only the scheme and host; the
//! region still picks the prefix, so the signed path stays the one the real
//! gateway expects.

use std::fmt;
use std::str::FromStr;

use reqwest::Url;

use super::error::Error;

/// A NAVER Cloud site: a separate cloud with its own hosts and accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Site {
    /// The public cloud (`ntruss.com`).
    Public,
    /// The government cloud (`gov-ntruss.com`).
    Gov,
    /// The financial cloud (`fin-ntruss.com`).
    Fin,
}

/// Every site, in the order error messages list them.
pub const SITES: [Site; 3] = [Site::Public, Site::Gov, Site::Fin];

/// One region of a site and the path prefix its API answers under.
struct RegionPrefix {
    region: &'static str,
    prefix: &'static str,
}

const PUBLIC_REGIONS: &[RegionPrefix] = &[
    RegionPrefix {
        region: "KR",
        prefix: "/api/v2",
    },
    RegionPrefix {
        region: "SGN",
        prefix: "/api/sgn-v2",
    },
    RegionPrefix {
        region: "JPN",
        prefix: "/api/jpn-v2",
    },
];

const GOV_REGIONS: &[RegionPrefix] = &[
    RegionPrefix {
        region: "KR",
        prefix: "/api/v2",
    },
    RegionPrefix {
        region: "KRS",
        prefix: "/api/krs-v2",
    },
];

// The fin host and prefix follow NAVER's SDK; no fin documentation page was
// found to confirm them.
const FIN_REGIONS: &[RegionPrefix] = &[RegionPrefix {
    region: "FKR",
    prefix: "/api/v2",
}];

impl Site {
    /// The name users write: `public`, `gov` or `fin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Site::Public => "public",
            Site::Gov => "gov",
            Site::Fin => "fin",
        }
    }

    /// The Search Engine API host of this site, with its scheme.
    pub fn host(self) -> &'static str {
        match self {
            Site::Public => "https://vpcsearchengine.apigw.ntruss.com",
            Site::Gov => "https://vpcsearchengine.apigw.gov-ntruss.com",
            Site::Fin => "https://fin-vpcsearchengine.apigw.fin-ntruss.com",
        }
    }

    fn region_prefixes(self) -> &'static [RegionPrefix] {
        match self {
            Site::Public => PUBLIC_REGIONS,
            Site::Gov => GOV_REGIONS,
            Site::Fin => FIN_REGIONS,
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Site {
    type Err = Error;

    /// Reads a site name, ignoring case and surrounding spaces.
    fn from_str(text: &str) -> Result<Self, Error> {
        let wanted = text.trim();
        SITES
            .into_iter()
            .find(|site| site.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| Error::UnknownSite {
                given: text.to_owned(),
                valid: SITES.map(Site::as_str).join(", "),
            })
    }
}

/// The region codes a site offers, for validation at plan time.
pub fn regions(site: Site) -> Vec<&'static str> {
    site.region_prefixes()
        .iter()
        .map(|entry| entry.region)
        .collect()
}

/// A resolved place to send requests: an origin and a path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    origin: String,
    prefix: String,
    region: &'static str,
    site: Site,
}

impl Endpoint {
    /// Resolves a site and region, optionally sending to another base URL.
    ///
    /// The region is matched without regard to case. The override keeps its
    /// own path in front of the region's prefix, so
    /// `http://127.0.0.1:8080/ncp` and region `KR` give
    /// `http://127.0.0.1:8080/ncp/api/v2`.
    pub fn resolve(site: Site, region: &str, base_url: Option<&str>) -> Result<Self, Error> {
        let prefix = region_prefix(site, region)?;
        let (origin, front) = match base_url {
            Some(url) => parse_override(url)?,
            None => (site.host().to_owned(), String::new()),
        };
        Ok(Self {
            origin,
            prefix: format!("{front}{}", prefix.prefix),
            region: prefix.region,
            site,
        })
    }

    /// Scheme, host and port, without a trailing slash.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The path every call starts with, for example `/api/sgn-v2`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The region code, in its canonical upper case.
    pub fn region(&self) -> &'static str {
        self.region
    }

    /// The site the region belongs to.
    pub fn site(&self) -> Site {
        self.site
    }
}

fn region_prefix(site: Site, region: &str) -> Result<&'static RegionPrefix, Error> {
    let wanted = region.trim();
    site.region_prefixes()
        .iter()
        .find(|entry| entry.region.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| Error::UnknownRegion {
            given: region.to_owned(),
            site: site.as_str(),
            valid: regions(site).join(", "),
            hint: region_hint(site, wanted),
        })
}

/// A likely meant region: `SG` is a common slip for `SGN` on the public site.
fn region_hint(site: Site, wanted: &str) -> Option<&'static str> {
    let is_singapore = ["SG", "SGP", "SIN", "SINGAPORE"]
        .iter()
        .any(|slip| slip.eq_ignore_ascii_case(wanted));
    (site == Site::Public && is_singapore).then_some("SGN")
}

/// Splits an override URL into its origin and the path to keep in front.
fn parse_override(text: &str) -> Result<(String, String), Error> {
    let invalid = |reason: &str| Error::InvalidEndpoint {
        given: text.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(text.trim()).map_err(|error| invalid(&error.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the URL: it holds a credential.
        return Err(Error::InvalidEndpoint {
            given: "<url with credentials>".to_owned(),
            reason: "user names and passwords in the endpoint url are not supported".to_owned(),
        });
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "the endpoint url must not have a query or a fragment",
        ));
    }
    let Some(host) = url.host_str() else {
        return Err(invalid("the endpoint url has no host"));
    };
    let origin = match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    };
    Ok((origin, url.path().trim_end_matches('/').to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://vpcsearchengine.apigw.ntruss.com";
    const GOV: &str = "https://vpcsearchengine.apigw.gov-ntruss.com";
    const FIN: &str = "https://fin-vpcsearchengine.apigw.fin-ntruss.com";

    #[test]
    fn every_site_and_region_resolves_to_its_host_and_prefix() {
        let cases = [
            (Site::Public, "KR", PUBLIC, "/api/v2"),
            (Site::Public, "SGN", PUBLIC, "/api/sgn-v2"),
            (Site::Public, "JPN", PUBLIC, "/api/jpn-v2"),
            (Site::Public, "jpn", PUBLIC, "/api/jpn-v2"),
            (Site::Gov, "KR", GOV, "/api/v2"),
            (Site::Gov, "KRS", GOV, "/api/krs-v2"),
            (Site::Fin, "FKR", FIN, "/api/v2"),
        ];
        for (site, region, origin, prefix) in cases {
            let endpoint = Endpoint::resolve(site, region, None).unwrap();
            assert_eq!(endpoint.origin(), origin, "{site} {region}");
            assert_eq!(endpoint.prefix(), prefix, "{site} {region}");
            assert_eq!(endpoint.region(), region.to_ascii_uppercase());
            assert_eq!(endpoint.site(), site);
        }
    }

    #[test]
    fn override_replaces_the_origin_and_keeps_its_path_in_front() {
        let cases = [
            (
                Site::Public,
                "SGN",
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080",
                "/api/sgn-v2",
            ),
            (
                Site::Public,
                "KR",
                "https://proxy.internal/ncp/",
                "https://proxy.internal",
                "/ncp/api/v2",
            ),
            (
                Site::Gov,
                "KRS",
                "http://[::1]:9000/a/b",
                "http://[::1]:9000",
                "/a/b/api/krs-v2",
            ),
            (
                Site::Fin,
                "FKR",
                "HTTPS://Gateway.Example:443",
                "https://gateway.example",
                "/api/v2",
            ),
        ];
        for (site, region, base, origin, prefix) in cases {
            let endpoint = Endpoint::resolve(site, region, Some(base)).unwrap();
            assert_eq!(
                (endpoint.origin(), endpoint.prefix()),
                (origin, prefix),
                "{base}"
            );
        }
    }

    #[test]
    fn unknown_regions_list_the_valid_ones_for_the_site() {
        let cases = [
            (Site::Public, "SG", "KR, SGN, JPN", Some("did you mean SGN")),
            (Site::Public, "us", "KR, SGN, JPN", None),
            (Site::Gov, "SGN", "KR, KRS", None),
            (Site::Gov, "SG", "KR, KRS", None),
            (Site::Fin, "KR", "FKR", None),
            (Site::Public, "", "KR, SGN, JPN", None),
        ];
        for (site, region, valid, hint) in cases {
            let message = Endpoint::resolve(site, region, None)
                .unwrap_err()
                .to_string();
            assert!(message.contains(valid), "{message}");
            assert!(message.contains(&format!("{region:?}")), "{message}");
            assert!(message.contains(site.as_str()), "{message}");
            match hint {
                Some(hint) => assert!(message.contains(hint), "{message}"),
                None => assert!(!message.contains("did you mean"), "{message}"),
            }
        }
    }

    #[test]
    fn sites_parse_without_regard_to_case_and_list_the_valid_ones() {
        let cases = [
            ("public", Some(Site::Public)),
            ("PUBLIC", Some(Site::Public)),
            (" Gov ", Some(Site::Gov)),
            ("fin", Some(Site::Fin)),
            ("private", None),
            ("", None),
        ];
        for (text, expected) in cases {
            match (text.parse::<Site>(), expected) {
                (Ok(site), Some(expected)) => assert_eq!(site, expected),
                (Err(error), None) => {
                    assert!(error.to_string().contains("public, gov, fin"), "{error}")
                }
                (other, _) => panic!("{text:?} parsed as {other:?}"),
            }
        }
    }

    #[test]
    fn regions_are_listed_per_site() {
        assert_eq!(regions(Site::Public), ["KR", "SGN", "JPN"]);
        assert_eq!(regions(Site::Gov), ["KR", "KRS"]);
        assert_eq!(regions(Site::Fin), ["FKR"]);
    }

    #[test]
    fn bad_overrides_are_refused_with_a_reason() {
        let cases = [
            ("not a url", "relative URL"),
            ("ftp://host", "scheme must be http or https"),
            ("http://host/?a=1", "query"),
            ("http://host/#top", "fragment"),
            ("unix:/run/socket", "scheme"),
        ];
        for (base, expected) in cases {
            let message = Endpoint::resolve(Site::Public, "KR", Some(base))
                .unwrap_err()
                .to_string();
            assert!(message.contains(expected), "{base}: {message}");
        }
    }

    #[test]
    fn override_with_a_password_is_refused_without_echoing_it() {
        let message = Endpoint::resolve(Site::Public, "KR", Some("http://user:hunter2@proxy"))
            .unwrap_err()
            .to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("not supported"), "{message}");
    }
}
