//! The provider block: credentials, site, region and endpoint, and the API
//! client built from them when a resource first needs it.
//!
//! `terraform validate` and a plan of new resources need neither credentials
//! nor network, so configuring only records the settings; missing
//! credentials become an error when an API call is about to be made.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::framework::{
    Attribute, AttributePath, Block, ConfigureRequest, DataSource, Diagnostics, Object, Provider,
    Resource, Schema, Type,
};
use crate::ncloud::{CallOptions, Client, ClientConfig, Credentials, Endpoint, Site, StopSignal};
use crate::resources::history::HistoryIndex;
use crate::{data_sources, resources};

/// The provider's type name and registry address.
pub const TYPE_NAME: &str = "ncloud";
/// Where the registry publishes this provider.
pub const ADDRESS: &str = "registry.terraform.io/ncloud-rs/ncloud";

/// Environment variables read when the block leaves a setting out. The
/// credentials and region ones are those of NAVER's official provider.
pub mod env {
    pub const ACCESS_KEY: &str = "NCLOUD_ACCESS_KEY";
    pub const SECRET_KEY: &str = "NCLOUD_SECRET_KEY";
    pub const REGION: &str = "NCLOUD_REGION";
    pub const SITE: &str = "NCLOUD_SITE";
    pub const ENDPOINT: &str = "NCLOUD_SEARCHENGINE_ENDPOINT";
}

const DEFAULT_REGION: &str = "KR";
const DEFAULT_SITE: &str = "public";

/// Reads an environment variable; injected so tests need not change the
/// process's own environment.
pub type EnvReader = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The provider, shared with every resource and data source it offers.
pub struct NcloudProvider {
    data: Arc<ProviderData>,
}

impl NcloudProvider {
    /// A provider reading its environment from the process.
    pub fn new() -> NcloudProvider {
        NcloudProvider::with_env(|name| std::env::var(name).ok())
    }

    /// A provider reading its environment through `env`, for tests.
    pub fn with_env(
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> NcloudProvider {
        NcloudProvider {
            data: Arc::new(ProviderData::new(Box::new(env))),
        }
    }
}

impl Default for NcloudProvider {
    fn default() -> Self {
        NcloudProvider::new()
    }
}

#[async_trait]
impl Provider for NcloudProvider {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "The ncloud-rs/ncloud provider manages snapshots of NAVER Cloud Platform's Search \
                 Engine Service. Every setting may also come from the environment.",
            )
            .attribute(Attribute::optional("access_key", Type::String).describe(
                "The API access key of the NAVER Cloud account or sub-account. Falls back to \
                 NCLOUD_ACCESS_KEY.",
            ))
            .attribute(
                Attribute::optional("secret_key", Type::String)
                    .sensitive()
                    .describe(
                        "The API secret key that signs requests. Falls back to NCLOUD_SECRET_KEY.",
                    ),
            )
            .attribute(Attribute::optional("region", Type::String).describe(
                "The region: KR, SGN or JPN on the public site; KR or KRS on gov; FKR on fin. \
                 Falls back to NCLOUD_REGION, then KR.",
            ))
            .attribute(Attribute::optional("site", Type::String).describe(
                "The NAVER Cloud site: public, gov or fin. Falls back to NCLOUD_SITE, then public.",
            ))
            .attribute(Attribute::optional("endpoint", Type::String).describe(
                "A base URL that replaces the site's API host, for a private gateway, a proxy or \
                 the local emulator (for example http://127.0.0.1:8080). The region still chooses \
                 the path. Falls back to NCLOUD_SEARCHENGINE_ENDPOINT.",
            ))
            .attribute(Attribute::optional("support_vpc", Type::Bool).describe(
                "Accepted so that a provider block written for NAVER's official provider works \
                 unchanged. The Search Engine API is VPC-only, so the value changes nothing.",
            )),
        )
    }

    fn validate(&self, config: &Object, diagnostics: &mut Diagnostics) {
        check_site_and_region(config.str("site"), config.str("region"), true, diagnostics);
        if let Some(url) = config.str("endpoint")
            && let Err(error) = Endpoint::resolve(Site::Public, DEFAULT_REGION, Some(url))
        {
            diagnostics.error_at(
                AttributePath::root("endpoint"),
                "Invalid Endpoint",
                format!("The endpoint {url:?} is not a usable base URL: {error}."),
            );
        }
    }

    async fn configure(&self, request: ConfigureRequest) -> Diagnostics {
        let settings = Settings::resolve(&request.config, &*self.data.env);
        let mut diagnostics = Diagnostics::new();
        check_site_and_region(
            Some(&settings.site),
            Some(&settings.region),
            false,
            &mut diagnostics,
        );
        tracing::debug!(
            site = %settings.site,
            region = %settings.region,
            endpoint = settings.endpoint.as_deref().unwrap_or("default"),
            terraform_version = %request.terraform_version,
            "provider configured"
        );
        if let Ok(mut slot) = self.data.settings.lock() {
            *slot = Some(settings);
        }
        diagnostics
    }

    fn stop(&self) {
        self.data.stop.stop();
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        resources::all(&self.data)
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        data_sources::all(&self.data)
    }
}

/// Checks a site and region pair. At validate time, values not set in the
/// block may still come from the environment, so only set ones are checked.
fn check_site_and_region(
    site: Option<&str>,
    region: Option<&str>,
    in_config: bool,
    diagnostics: &mut Diagnostics,
) {
    let path = |name: &str| in_config.then(|| AttributePath::root(name));
    let site_value = match site {
        None => Site::Public,
        Some(text) => match text.parse::<Site>() {
            Ok(site) => site,
            Err(_) => {
                let detail =
                    format!("The site {text:?} is not known. Use one of: public, gov, fin.");
                push(diagnostics, path("site"), "Invalid Site", detail);
                return;
            }
        },
    };
    let Some(region) = region else { return };
    if let Err(error) = Endpoint::resolve(site_value, region, None) {
        push(
            diagnostics,
            path("region"),
            "Invalid Region",
            format!("{}.", capitalise(&error.to_string())),
        );
    }
}

fn push(diagnostics: &mut Diagnostics, path: Option<AttributePath>, summary: &str, detail: String) {
    match path {
        Some(path) => diagnostics.error_at(path, summary, detail),
        None => diagnostics.error(summary, detail),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The settings of a configured provider, each from the block or else the
/// environment.
#[derive(Clone)]
struct Settings {
    access_key: Option<String>,
    secret_key: Option<String>,
    region: String,
    site: String,
    endpoint: Option<String>,
}

impl Settings {
    fn resolve(config: &Object, env: &(dyn Fn(&str) -> Option<String> + Send + Sync)) -> Settings {
        let pick = |attribute: &str, variable: &str| {
            config
                .str(attribute)
                .map(str::to_string)
                .or_else(|| env(variable))
                .filter(|v| !v.is_empty())
        };
        Settings {
            access_key: pick("access_key", env::ACCESS_KEY),
            secret_key: pick("secret_key", env::SECRET_KEY),
            region: pick("region", env::REGION).unwrap_or_else(|| DEFAULT_REGION.to_string()),
            site: pick("site", env::SITE).unwrap_or_else(|| DEFAULT_SITE.to_string()),
            endpoint: pick("endpoint", env::ENDPOINT),
        }
    }
}

/// What the provider's resources share in one process: the settings, the
/// API client built from them on first use, the stop signal and the
/// history lookups.
pub struct ProviderData {
    env: EnvReader,
    settings: Mutex<Option<Settings>>,
    client: OnceLock<Result<Client, String>>,
    stop: StopSignal,
    histories: Mutex<HashMap<String, Arc<HistoryIndex>>>,
}

impl ProviderData {
    fn new(env: EnvReader) -> ProviderData {
        ProviderData {
            env,
            settings: Mutex::new(None),
            client: OnceLock::new(),
            stop: StopSignal::new(),
            histories: Mutex::new(HashMap::new()),
        }
    }

    /// Provider data with no configuration and no environment, for tests.
    #[cfg(test)]
    pub(crate) fn for_tests() -> ProviderData {
        ProviderData::new(Box::new(|_| None))
    }

    /// The API client, built on first use. Errors name both the provider
    /// attributes and the environment variables that would fix them.
    pub fn client(&self) -> Result<&Client, Diagnostics> {
        let built = self.client.get_or_init(|| self.build_client());
        built
            .as_ref()
            .map_err(|detail| Diagnostics::from_error("Provider Not Ready", detail.clone()))
    }

    fn build_client(&self) -> Result<Client, String> {
        let settings = self.settings.lock().ok().and_then(|slot| slot.clone()).ok_or_else(|| {
            "The provider was not configured before an API call. This is a bug in the provider; \
             please report it."
                .to_string()
        })?;
        let (Some(access_key), Some(secret_key)) = (&settings.access_key, &settings.secret_key)
        else {
            return Err(format!(
                "NAVER Cloud API credentials are missing. Set access_key and secret_key in the \
                 provider block, or the environment variables {} and {}.",
                env::ACCESS_KEY,
                env::SECRET_KEY
            ));
        };
        let site = settings
            .site
            .parse::<Site>()
            .map_err(|error| error.to_string())?;
        let endpoint = Endpoint::resolve(site, &settings.region, settings.endpoint.as_deref())
            .map_err(|error| format!("The provider settings are invalid: {error}."))?;
        let credentials = Credentials::new(access_key.clone(), secret_key.clone())
            .map_err(|error| format!("The credentials are invalid: {error}."))?;
        Client::new(ClientConfig::new(endpoint, credentials))
            .map_err(|error| format!("The API client could not be set up: {error}."))
    }

    /// Options for calls that must end within `timeout`, and at once when
    /// Terraform asks the provider to stop.
    pub fn call_options(&self, timeout: Duration) -> CallOptions {
        CallOptions::new(Instant::now() + timeout, self.stop.clone())
    }

    /// The stop signal, for waits of the resources' own.
    pub fn stop_signal(&self) -> &StopSignal {
        &self.stop
    }

    /// The snapshot history of a cluster, read once per process however
    /// many resources look at it.
    pub fn history(&self, cluster: &str) -> Arc<HistoryIndex> {
        let mut histories = self
            .histories
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        histories
            .entry(cluster.to_string())
            .or_insert_with(|| Arc::new(HistoryIndex::new(cluster)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Object {
        let mut object = Object::default();
        for (name, value) in pairs {
            object.set(name, *value);
        }
        object
    }

    #[test]
    fn validate_names_the_attribute_and_lists_valid_values() {
        let provider = NcloudProvider::with_env(|_| None);
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<(&'a str, &'a str)>);
        let cases: &[Case] = &[
            (&[], None),
            (&[("region", "SGN")], None),
            (&[("site", "gov"), ("region", "krs")], None),
            (&[("region", "SG")], Some(("region", "SGN"))),
            (
                &[("site", "gov"), ("region", "JPN")],
                Some(("region", "KRS")),
            ),
            (&[("site", "moon")], Some(("site", "public, gov, fin"))),
            (
                &[("endpoint", "not a url")],
                Some(("endpoint", "not a url")),
            ),
        ];
        for (pairs, expected) in cases {
            let mut diagnostics = Diagnostics::new();
            provider.validate(&config(pairs), &mut diagnostics);
            match expected {
                None => assert!(diagnostics.is_empty(), "{pairs:?}: {diagnostics:?}"),
                Some((attribute, mention)) => {
                    assert_eq!(diagnostics.0.len(), 1, "{pairs:?}");
                    let diagnostic = &diagnostics.0[0];
                    assert_eq!(diagnostic.attribute, Some(AttributePath::root(attribute)));
                    assert!(
                        diagnostic.detail.contains(mention),
                        "{pairs:?}: {}",
                        diagnostic.detail
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn missing_credentials_fail_only_when_the_api_is_needed() {
        let provider = NcloudProvider::with_env(|_| None);
        let request = ConfigureRequest {
            config: Object::default(),
            terraform_version: "1.11.4".into(),
        };
        assert!(
            provider.configure(request).await.is_empty(),
            "configure needs no credentials"
        );
        let error = provider.data.client().unwrap_err();
        let detail = &error.0[0].detail;
        for mention in ["access_key", "secret_key", env::ACCESS_KEY, env::SECRET_KEY] {
            assert!(detail.contains(mention), "{detail}");
        }
    }

    #[tokio::test]
    async fn environment_fills_what_the_block_leaves_out() {
        let provider = NcloudProvider::with_env(|name| match name {
            env::ACCESS_KEY => Some("AK".into()),
            env::SECRET_KEY => Some("SK".into()),
            env::REGION => Some("JPN".into()),
            env::ENDPOINT => Some("http://127.0.0.1:9".into()),
            _ => None,
        });
        let request = ConfigureRequest {
            config: config(&[("region", "SGN")]),
            terraform_version: String::new(),
        };
        assert!(provider.configure(request).await.is_empty());
        let client = provider.data.client().unwrap();
        assert_eq!(
            client.endpoint().region(),
            "SGN",
            "the block wins over the environment"
        );
        assert_eq!(client.endpoint().origin(), "http://127.0.0.1:9");
    }

    #[tokio::test]
    async fn a_bad_region_from_the_environment_is_reported_at_configure() {
        let provider =
            NcloudProvider::with_env(|name| (name == env::REGION).then(|| "SG".to_string()));
        let request = ConfigureRequest {
            config: Object::default(),
            terraform_version: String::new(),
        };
        let diagnostics = provider.configure(request).await;
        assert!(diagnostics.0[0].detail.contains("SGN"));
        assert!(diagnostics.0[0].attribute.is_none());
    }
}
