//! The documentation under `docs/` against the provider's own schemas, so
//! that the Registry never shows an attribute that does not exist or leaves
//! one out.
//!
//! Every resource and data source the provider offers must have its page,
//! in the Registry's layout (`docs/resources/<name>.md`,
//! `docs/data-sources/<name>.md`, the name without the `ncloud_` prefix),
//! and every page must belong to one. On a page, each attribute is a bullet
//! ``- `name` - ...`` in the section it belongs to: arguments the user sets
//! under "Argument Reference", with `(Required` or `(Optional` and `forces
//! replacement` when a change replaces the object; values only the provider
//! sets under "Attribute Reference"; the attributes of a nested block such
//! as `timeouts` under the section named after it. A bulleted name that is
//! no attribute is an error, as is an empty description in the schema.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use terraform_provider_ncloud::framework::schema::Mode;
use terraform_provider_ncloud::framework::{Attribute, Block, Provider, Schema};
use terraform_provider_ncloud::provider::{NcloudProvider, env};

const ARGUMENTS: &str = "Argument Reference";
const ATTRIBUTES: &str = "Attribute Reference";

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

/// What a page documents: the Registry titles the two kinds differently.
#[derive(Clone, Copy)]
enum Kind {
    Resource,
    DataSource,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
        }
    }

    fn folder(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
        }
    }
}

/// One bullet that names something: ``- `name` - text``.
#[derive(Debug)]
struct Bullet {
    name: String,
    text: String,
}

/// A page split at its `## ` headings; text before the first one is under
/// the empty heading. Fenced code is left out, so an example's lines are
/// never taken for bullets.
#[derive(Debug, Default)]
struct Page {
    sections: BTreeMap<String, Vec<Bullet>>,
    headings: Vec<String>,
}

impl Page {
    fn parse(text: &str) -> Page {
        let mut page = Page::default();
        let mut section = String::new();
        let mut in_fence = false;
        page.sections.insert(section.clone(), Vec::new());
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            if let Some(heading) = line.strip_prefix("## ") {
                section = heading.trim().to_string();
                page.headings.push(section.clone());
                page.sections.entry(section.clone()).or_default();
            } else if let Some(rest) = line.strip_prefix("- `") {
                if let Some((name, after)) = rest.split_once('`') {
                    page.sections
                        .entry(section.clone())
                        .or_default()
                        .push(Bullet {
                            name: name.to_string(),
                            text: after.to_string(),
                        });
                }
            } else if line.starts_with("  ") && !line.trim().is_empty() {
                // A bullet's continuation line: its words count for the
                // bullet, so "(Required, forces\n  replacement)" is found.
                if let Some(last) = page.sections.get_mut(&section).and_then(|b| b.last_mut()) {
                    last.text.push(' ');
                    last.text.push_str(line.trim());
                }
            }
        }
        page
    }

    fn bullets(&self, section: &str) -> &[Bullet] {
        self.sections.get(section).map_or(&[], Vec::as_slice)
    }

    fn bullet(&self, section: &str, name: &str) -> Option<&Bullet> {
        self.bullets(section).iter().find(|b| b.name == name)
    }

    /// The section of a nested block: its name in words, as "Timeouts".
    fn block_section(&self, block: &str) -> Option<&str> {
        let wanted = block.replace('_', " ");
        self.headings
            .iter()
            .find(|h| h.eq_ignore_ascii_case(&wanted))
            .map(String::as_str)
    }
}

/// Empty descriptions in a block, its attributes and nested blocks.
fn empty_descriptions(path: &str, block: &Block, problems: &mut Vec<String>) {
    if block.description.plain.trim().is_empty() || block.description.markdown.trim().is_empty() {
        problems.push(format!("block {path} has an empty description"));
    }
    for attribute in &block.attributes {
        let description = &attribute.description;
        if description.plain.trim().is_empty() || description.markdown.trim().is_empty() {
            problems.push(format!(
                "attribute {path}.{} has an empty description",
                attribute.name
            ));
        }
    }
    for nested in &block.blocks {
        empty_descriptions(&format!("{path}.{}", nested.name), &nested.block, problems);
    }
}

/// Whether an attribute is set by the user, and so an argument.
fn is_argument(attribute: &Attribute) -> bool {
    !matches!(attribute.mode, Mode::Computed)
}

/// Checks an argument's bullet says what the schema says about it.
fn check_argument_text(
    page: &str,
    attribute: &Attribute,
    bullet: &Bullet,
    problems: &mut Vec<String>,
) {
    let name = &attribute.name;
    let marker = match attribute.mode {
        Mode::Required => "(Required",
        _ => "(Optional",
    };
    if !bullet
        .text
        .trim_start_matches([' ', '-'])
        .starts_with(marker)
    {
        problems.push(format!("{page}: `{name}` must say {marker}...)"));
    }
    if attribute.requires_replace && !bullet.text.contains("forces replacement") {
        problems.push(format!("{page}: `{name}` must say it forces replacement"));
    }
    // The markers live in the parenthesis that opens the bullet.
    let markers = bullet
        .text
        .trim_start_matches([' ', '-'])
        .split(')')
        .next()
        .unwrap_or_default();
    match (attribute.sensitive, markers.contains("sensitive")) {
        (true, false) => problems.push(format!("{page}: `{name}` must say it is sensitive")),
        (false, true) => problems.push(format!("{page}: `{name}` is not sensitive")),
        _ => {}
    }
    if attribute.write_only != markers.contains("write-only") {
        problems.push(format!("{page}: `{name}` says write-only wrongly"));
    }
}

/// The problems of a page documenting the attributes of `block`: those in
/// the schema the page leaves out, and the bullets that name nothing.
fn check_block(page_name: &str, page: &Page, block: &Block, problems: &mut Vec<String>) {
    for attribute in &block.attributes {
        let section = if is_argument(attribute) {
            ARGUMENTS
        } else {
            ATTRIBUTES
        };
        match page.bullet(section, &attribute.name) {
            Some(bullet) if is_argument(attribute) => {
                check_argument_text(page_name, attribute, bullet, problems)
            }
            Some(_) => {}
            None => problems.push(format!(
                "{page_name}: `{}` is missing from \"## {section}\" as a bullet - `{}`",
                attribute.name, attribute.name
            )),
        }
    }
    for nested in &block.blocks {
        if page.bullet(ARGUMENTS, &nested.name).is_none() {
            problems.push(format!(
                "{page_name}: block `{}` is missing from \"## {ARGUMENTS}\"",
                nested.name
            ));
        }
        let Some(section) = page.block_section(&nested.name) else {
            problems.push(format!(
                "{page_name}: block `{}` has no section of its own (\"## {}\")",
                nested.name,
                nested.name.replace('_', " ")
            ));
            continue;
        };
        let names: BTreeSet<&str> = nested
            .block
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        for name in &names {
            if page.bullet(section, name).is_none() {
                problems.push(format!(
                    "{page_name}: `{}.{name}` is missing from \"## {section}\"",
                    nested.name
                ));
            }
        }
        for bullet in page.bullets(section) {
            if !names.contains(bullet.name.as_str()) {
                problems.push(format!(
                    "{page_name}: \"## {section}\" lists `{}`, which block `{}` does not have",
                    bullet.name, nested.name
                ));
            }
        }
    }
    let known: BTreeSet<&str> = block
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .chain(block.blocks.iter().map(|b| b.name.as_str()))
        .collect();
    let block_sections: BTreeSet<&str> = block
        .blocks
        .iter()
        .filter_map(|b| page.block_section(&b.name))
        .collect();
    for (section, bullets) in &page.sections {
        if block_sections.contains(section.as_str()) {
            continue;
        }
        for bullet in bullets {
            if !known.contains(bullet.name.as_str()) {
                problems.push(format!(
                    "{page_name}: \"## {section}\" lists `{}`, which is no attribute",
                    bullet.name
                ));
            }
        }
    }
}

/// All problems of one resource or data source page.
fn check_page(kind: Kind, type_name: &str, schema: &Schema, text: &str) -> Vec<String> {
    let page_name = format!("{}/{}.md", kind.folder(), short_name(type_name));
    let mut problems = Vec::new();
    let page = Page::parse(text);
    let front_matter = [
        "---\n".to_string(),
        format!(
            "page_title: \"{type_name} {} - ncloud-rs/ncloud\"",
            kind.title()
        ),
        "subcategory: \"".to_string(),
        "description: |-\n  ".to_string(),
        format!("\n# {type_name} ({})\n", kind.title()),
    ];
    for expected in &front_matter {
        if !text.contains(expected.as_str()) {
            problems.push(format!("{page_name}: does not contain {expected:?}"));
        }
    }
    if !text.starts_with("---\n") {
        problems.push(format!("{page_name}: must start with front matter"));
    }
    for heading in ["Example Usage", ARGUMENTS, ATTRIBUTES] {
        if !page.headings.iter().any(|h| h == heading) {
            problems.push(format!("{page_name}: has no \"## {heading}\""));
        }
    }
    if !text.contains("```terraform\n") {
        problems.push(format!("{page_name}: has no ```terraform example"));
    }
    check_block(&page_name, &page, &schema.block, &mut problems);
    empty_descriptions(type_name, &schema.block, &mut problems);
    problems
}

/// The page name the Registry expects: the type without the provider's
/// prefix.
fn short_name(type_name: &str) -> &str {
    type_name.strip_prefix("ncloud_").unwrap_or(type_name)
}

/// The page names in a docs folder, without `.md`.
fn pages_in(folder: &str) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(docs().join(folder)) else {
        return BTreeSet::new();
    };
    entries
        .map(|entry| entry.expect("docs entry").path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            Some(name.strip_suffix(".md").unwrap_or(&name).to_string())
        })
        .collect()
}

fn every_type(provider: &NcloudProvider) -> Vec<(Kind, String, Schema)> {
    let resources = provider
        .resources()
        .into_iter()
        .map(|r| (Kind::Resource, r.type_name().to_string(), r.schema()));
    let data_sources = provider
        .data_sources()
        .into_iter()
        .map(|d| (Kind::DataSource, d.type_name().to_string(), d.schema()));
    resources.chain(data_sources).collect()
}

#[test]
fn every_resource_and_data_source_page_matches_its_schema() {
    let provider = NcloudProvider::new();
    let mut problems = Vec::new();
    let types = every_type(&provider);
    assert!(!types.is_empty(), "the provider offers no resource at all");
    for (kind, type_name, schema) in &types {
        let path = docs()
            .join(kind.folder())
            .join(format!("{}.md", short_name(type_name)));
        match std::fs::read_to_string(&path) {
            Ok(text) => problems.extend(check_page(*kind, type_name, schema, &text)),
            Err(_) => problems.push(format!("{type_name} has no page at {}", path.display())),
        }
    }
    assert!(
        problems.is_empty(),
        "docs/ is out of date:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_page_documents_a_resource_or_data_source_that_exists() {
    let provider = NcloudProvider::new();
    let mut problems = Vec::new();
    for kind in [Kind::Resource, Kind::DataSource] {
        let offered: BTreeSet<String> = every_type(&provider)
            .into_iter()
            .filter(|(k, _, _)| k.folder() == kind.folder())
            .map(|(_, name, _)| short_name(&name).to_string())
            .collect();
        for page in pages_in(kind.folder()) {
            if !offered.contains(&page) {
                problems.push(format!(
                    "docs/{}/{page}.md documents no {} the provider offers",
                    kind.folder(),
                    kind.title().to_lowercase()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_index_documents_every_provider_setting_and_environment_variable() {
    let provider = NcloudProvider::new();
    let schema = provider.schema();
    let text = std::fs::read_to_string(docs().join("index.md")).expect("docs/index.md");
    let page = Page::parse(&text);
    let mut problems = Vec::new();
    check_block("index.md", &page, &schema.block, &mut problems);
    empty_descriptions("provider", &schema.block, &mut problems);
    for variable in [
        env::ACCESS_KEY,
        env::SECRET_KEY,
        env::REGION,
        env::SITE,
        env::ENDPOINT,
    ] {
        if !text.contains(&format!("`{variable}`")) {
            problems.push(format!(
                "index.md: environment variable {variable} is not mentioned"
            ));
        }
    }
    if !text.starts_with("---\npage_title: ") {
        problems.push("index.md: must start with front matter and a page_title".into());
    }
    assert!(
        problems.is_empty(),
        "docs/index.md is out of date:\n{}",
        problems.join("\n")
    );
}

/// Every Markdown file under `docs/`, at any depth.
fn markdown_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read docs") {
        let path = entry.expect("docs entry").path();
        if path.is_dir() {
            markdown_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
}

/// The ```terraform blocks of a page, which the Registry shows as they are.
fn terraform_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match current.as_mut() {
            None if line.trim() == "```terraform" => current = Some(String::new()),
            None => {}
            Some(block) if line.trim() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

/// Users copy the pages' examples: each must be as `terraform fmt` writes
/// it. (They are fragments, referring to resources of other providers, so
/// only the examples under `examples/` are validated.)
#[test]
fn the_examples_on_the_pages_are_formatted() {
    let mut pages = Vec::new();
    markdown_files(&docs(), &mut pages);
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut written = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("read page");
        let relative = page.strip_prefix(docs()).expect("below docs");
        let stem = relative.to_string_lossy().replace(['/', '.'], "_");
        for (index, block) in terraform_blocks(&text).into_iter().enumerate() {
            std::fs::write(scratch.path().join(format!("{stem}_{index}.tf")), block)
                .expect("write example");
            written += 1;
        }
    }
    assert!(written > 0, "no ```terraform example found under docs/");
    for terraform in support::terraform_clis() {
        let output = Command::new(&terraform.path)
            .args(["fmt", "-check", "-diff", "-no-color"])
            .current_dir(scratch.path())
            .output()
            .expect("run terraform fmt");
        assert!(
            output.status.success(),
            "terraform {}: examples in docs/ are not formatted (file names are page_n.tf):\n{}{}",
            terraform.version,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The checks above must be able to fail: each broken page here must be
/// reported for the reason given.
#[test]
fn the_checker_reports_each_kind_of_mistake() {
    use terraform_provider_ncloud::framework::{Nesting, Type};
    let schema = Schema::new(
        Block::new("A thing.")
            .attribute(
                Attribute::required("name", Type::String)
                    .requires_replace()
                    .describe("The name."),
            )
            .attribute(Attribute::computed("id", Type::String).describe("The id."))
            .block(
                "timeouts",
                Nesting::Single,
                Block::new("Timeouts.").attribute(
                    Attribute::optional("create", Type::String).describe("Create timeout."),
                ),
            ),
    );
    let good = "---\npage_title: \"ncloud_thing Resource - ncloud-rs/ncloud\"\nsubcategory: \"S\"\n\
                description: |-\n  A thing.\n---\n\n# ncloud_thing (Resource)\n\nText.\n\n\
                ## Example Usage\n```terraform\nresource \"ncloud_thing\" \"x\" {}\n```\n\n\
                ## Argument Reference\n- `name` - (Required, forces\n  replacement) The name.\n\
                - `timeouts` - (Optional) Block.\n\n## Attribute Reference\n- `id` - The id.\n\n\
                ## Timeouts\n- `create` - How long.\n";
    assert_eq!(
        check_page(Kind::Resource, "ncloud_thing", &schema, good),
        Vec::<String>::new()
    );

    let cases: &[(&str, &str, &str)] = &[
        ("- `id` - The id.\n", "", "`id` is missing"),
        (
            "- `create` - How long.\n",
            "",
            "`timeouts.create` is missing",
        ),
        (
            "- `id` - The id.\n",
            "- `id` - The id.\n- `idd` - Typo.\n",
            "`idd`, which is no attribute",
        ),
        (
            "- `create` - How long.\n",
            "- `create` - x\n- `delete` - y\n",
            "`delete`, which block `timeouts` does not have",
        ),
        (
            "(Required, forces\n  replacement)",
            "(Required)",
            "forces replacement",
        ),
        (
            "(Required, forces",
            "(Optional, forces",
            "must say (Required",
        ),
        ("## Timeouts\n", "## Waiting\n", "no section of its own"),
        (
            "# ncloud_thing (Resource)",
            "# ncloud_thing",
            "does not contain",
        ),
        (
            "## Example Usage\n",
            "## Examples\n",
            "no \"## Example Usage\"",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "case {from:?} does not apply");
        let broken = good.replacen(from, to, 1);
        let problems = check_page(Kind::Resource, "ncloud_thing", &schema, &broken);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "replacing {from:?} with {to:?} should report {expected:?}, got {problems:?}"
        );
    }

    let undescribed =
        Schema::new(Block::new("").attribute(Attribute::optional("name", Type::String)));
    let problems = check_page(Kind::DataSource, "ncloud_thing", &undescribed, "");
    for expected in [
        "block ncloud_thing has an empty description",
        "ncloud_thing.name has an empty",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected}: {problems:?}"
        );
    }
}
